"""Both languages complete: every string of the code in both catalogs, with the same placeholders."""

from __future__ import annotations

from bot.domain.textnorm import match_key
from bot.i18n import Catalogs
from bot.views.intake import ReplyButtons
from tools import catalogs


def test_catalogs_are_complete_and_placeholders_match():
    assert catalogs.problems() == []


def test_reply_keyboard_labels_are_distinct_in_and_across_languages():
    loaded = Catalogs.load()
    labels = [value for name, value in vars(ReplyButtons).items() if name.isupper()]
    keys = {}
    for lang in ("km", "en"):
        for label in labels:
            key = match_key(loaded.get(lang)(label))
            assert key, f"{lang}: {label!r} has no letters left to match"
            assert keys.setdefault(key, label) == label, f"{lang}: {label!r} reads like {keys[key]!r}"


def test_khmer_catalog_spells_coeng_ta_consistently():
    # Both coeng forms render the same; the catalog uses ្ត (TA) throughout so wording stays searchable.
    text = (catalogs.LOCALES / "km" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    assert "\u17d2\u178a" not in text


def test_unknown_language_falls_back_to_khmer():
    loaded = Catalogs.load()
    assert loaded.get(None).lang == "km"
    assert loaded.get("fr").lang == "km"
