"""Phone numbers typed by hand or shared from Telegram."""

from __future__ import annotations

from bot.domain import phone


def test_typed_cambodian_numbers_in_any_writing():
    for typed in ["012 345 678", "012-345-678", "+855 12 345 678", "០១២ ៣៤៥ ៦៧៨", "855 12 345 678", "097 1234 567"]:
        assert phone.parse_typed(typed) in {"+85512345678", "+855971234567"}, typed


def test_typed_garbage_is_refused():
    for typed in ["hello", "117", "012 345 67", "", "0855 12 345 678", "1" * 40]:
        assert phone.parse_typed(typed) is None, typed


def test_shared_contact_numbers_come_without_plus_and_may_be_foreign():
    assert phone.parse_shared("85512345678") == "+85512345678"
    assert phone.parse_shared("66812345678") == "+66812345678"  # Thai, not +855 66…


def test_display_as_cambodians_write_numbers():
    assert phone.display("+85512345678") == "012 345 678"  # dialled at home, and tappable
    assert phone.display("+85523123456") == "023 123 456"
    assert phone.display("+66812345678") == "+66 81 234 5678"  # foreign numbers keep their country


def test_citizen_sees_the_number_back_in_their_own_digits():
    from bot.domain.intake import ContactMode, Draft
    from bot.i18n import Catalogs
    from bot.views.intake import contact_answer

    catalogs = Catalogs.load()
    draft = Draft(contact_mode=ContactMode.TYPED, phone="+85512345678")
    assert "០១២ ៣៤៥ ៦៧៨" in contact_answer(catalogs.get("km"), draft).text
    assert "012 345 678" in contact_answer(catalogs.get("en"), draft).text
