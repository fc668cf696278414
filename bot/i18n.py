"""Khmer and English: gettext catalogs, dates in Phnom Penh time, digits in the reader's script.

Source strings are English msgids in the code, marked with `t("…")` (or `t.plural(…)`, `N_(…)`)
so `pybabel extract` finds them. The catalogs are `locales/<lang>/LC_MESSAGES/messages.po`; the
Khmer one is the single file a native reviewer needs to read. `.po` files are compiled in memory
at start-up, so there is no build step and no stale `.mo` file.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.domain.textnorm import to_khmer_digits

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES = ("km", "en")
DEFAULT_LANG = "km"  # most citizens; Telegram has no Khmer interface, so language_code rarely says km
TIMEZONE = ZoneInfo("Asia/Phnom_Penh")

# 24-hour times: Babel's Khmer patterns print AM/PM in Latin letters. Khmer writes ម៉ោង ("hour")
# before a time; without it the year and the hour run together (២០២៦ ១៦:០៧).
_DATETIME_PATTERN = {"km": "d MMMM y 'ម៉ោង' HH:mm", "en": "d MMM y, HH:mm"}
_DATE_PATTERN = {"km": "d MMMM y", "en": "d MMM y"}


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where the reader is known."""
    return message


class Translator:
    """Everything one reader's language decides: wording, dates, digits."""

    def __init__(self, lang: str, translations: Translations) -> None:
        self.lang = lang
        self._translations = translations

    def __call__(self, message: str, **values: object) -> str:
        text = self._translations.gettext(message)
        return text % values if values else text

    def plural(self, singular: str, plural: str, count: int, **values: object) -> str:
        text = self._translations.ngettext(singular, plural, count)
        return text % {"num": self.number(count), **values}

    def digits(self, text: str) -> str:
        """Digits the bot produces, in the reader's script (never applied to citizens' text)."""
        return to_khmer_digits(text) if self.lang == "km" else text

    def number(self, value: int) -> str:
        return self.digits(str(value))

    def datetime(self, timestamp: float) -> str:
        moment = datetime.fromtimestamp(timestamp, UTC)
        text = format_datetime(moment, _DATETIME_PATTERN[self.lang], tzinfo=TIMEZONE, locale=self.lang)
        return self.digits(text)

    def date(self, timestamp: float) -> str:
        moment = datetime.fromtimestamp(timestamp, UTC)
        return self.digits(format_datetime(moment, _DATE_PATTERN[self.lang], tzinfo=TIMEZONE, locale=self.lang))


def load_po(path: Path, lang: str) -> Translations:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain="messages")


class Catalogs:
    def __init__(self, translators: Mapping[str, Translator]) -> None:
        self._translators = dict(translators)

    @classmethod
    def load(cls, directory: Path = LOCALES_DIR) -> Catalogs:
        return cls(
            {
                lang: Translator(lang, load_po(directory / lang / "LC_MESSAGES" / "messages.po", lang))
                for lang in LANGUAGES
            }
        )

    def get(self, lang: str | None) -> Translator:
        return self._translators.get(lang or DEFAULT_LANG) or self._translators[DEFAULT_LANG]

    def in_every_language(self, message: str) -> tuple[str, ...]:
        """The message as each language writes it (e.g. to recognise a button's label typed back)."""
        return tuple(self._translators[lang](message) for lang in LANGUAGES)
