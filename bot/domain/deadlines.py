"""Durations and working days: how long a unit has before a complaint is overdue.

Durations are written `90s`, `30m`, `24h`, `3d` (calendar time) or `1wd` (working days, which skip
weekends and Cambodian public holidays: Khmer New Year, Pchum Ben, the Water Festival… from the
`holidays` package). A working-day deadline falls at the same time of day on the Nth working day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

TIMEZONE = ZoneInfo("Asia/Phnom_Penh")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|wd)\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Duration:
    amount: float
    unit: str  # s | m | h | d | wd

    @classmethod
    def parse(cls, text: str) -> Duration:
        match = _DURATION.match(str(text))
        if not match:
            raise ValueError(f"{text!r} is not a duration like 90s, 30m, 24h, 3d or 1wd")
        amount, unit = float(match.group(1)), match.group(2)
        if amount <= 0 or (unit == "wd" and amount != int(amount)):
            raise ValueError(f"{text!r}: a duration must be positive, and working days whole")
        return cls(amount, unit)

    def __str__(self) -> str:
        amount = int(self.amount) if self.amount == int(self.amount) else self.amount
        return f"{amount}{self.unit}"

    def after(self, start: float, calendar: WorkCalendar | None = None) -> float:
        """The moment this long after `start` (Unix seconds)."""
        if self.unit != "wd":
            return start + self.amount * _SECONDS[self.unit]
        return (calendar or WorkCalendar()).add_working_days(start, int(self.amount))


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("KH", years=year))


class WorkCalendar:
    """Cambodian working days: Monday to Friday, except public holidays."""

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in _holidays(day.year)

    def add_working_days(self, start: float, days: int) -> float:
        moment = datetime.fromtimestamp(start, UTC).astimezone(TIMEZONE)
        counted = 0
        while counted < days:
            moment += timedelta(days=1)
            if self.is_working_day(moment.date()):
                counted += 1
        return moment.timestamp()

    def holiday_name(self, day: date, lang: str = "en") -> str | None:
        names = holidays.country_holidays("KH", years=day.year, language="km" if lang == "km" else "en_US")
        return names.get(day)
