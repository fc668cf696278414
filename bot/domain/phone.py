"""Phone numbers citizens type or share, validated with Google's libphonenumber data."""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from bot.domain.textnorm import strip_invisible, to_latin_digits

_ACCEPTED_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def parse_typed(raw: str, region: str = "KH") -> str | None:
    """E.164 for a number typed by hand (Khmer digits welcome), or None if it is not a real number.

    Without a leading + the number is read as Cambodian: 012 345 678 → +85512345678.
    """
    text = to_latin_digits(strip_invisible(raw)).strip()
    if not text or len(text) > 32:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in _ACCEPTED_TYPES:
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def parse_shared(raw: str) -> str | None:
    """E.164 for a number from a shared Telegram contact.

    Telegram sends such numbers in international form, usually without the +; reading them with
    region KH would turn a Thai 668… into a Cambodian +855668….
    """
    digits = to_latin_digits(raw).strip().lstrip("+")
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def display(e164: str) -> str:
    """A number the way its readers write it: Cambodian ones as dialled at home (012 345 678, which
    a Cambodian phone also calls when tapped), foreign ones in international form (+66 81 234 5678)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    form = PhoneNumberFormat.NATIONAL if number.country_code == 855 else PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, form)
