"""Numbers a Khmer reader can use (issue 11): the hotline in digits Telegram makes tappable, the
hour marked with ម៉ោង so it does not run into the year, phone numbers as Cambodians write them."""

from __future__ import annotations

from datetime import datetime

from bot.i18n import TIMEZONE, Catalogs
from bot.views.common import emergency_line

catalogs = Catalogs.load()
MOMENT = datetime(2026, 12, 3, 16, 7, tzinfo=TIMEZONE).timestamp()


def test_khmer_time_says_hour_between_date_and_time():
    assert catalogs.get("km").datetime(MOMENT) == "៣ ធ្នូ ២០២៦ ម៉ោង ១៦:០៧"
    assert catalogs.get("en").datetime(MOMENT) == "3 Dec 2026, 16:07"


def test_hotline_is_in_latin_digits_in_every_language():
    for lang in ("km", "en"):
        line = emergency_line(catalogs.get(lang))
        assert "117" in line and "១១៧" not in line


def test_voice_lengths_in_the_readers_digits():
    from bot.views.common import duration_label

    assert duration_label(catalogs.get("km"), 65) == "១:០៥"
    assert duration_label(catalogs.get("en"), 3725) == "1:02:05"
    assert duration_label(catalogs.get("en"), None) == "?"
