"""The /stats chart a minister can read (issue 11): whole-number gridlines, exactly the days asked
for, an image as tall as what it shows, every province's figures at phone size."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime

from PIL import Image

from bot import charts
from bot.i18n import Catalogs
from bot.services.reports import DAY, _daily_series, first_day

t = Catalogs.load().get("en")
TEXT = charts.ChartText("Complaints", "filed", "overdue", "Per day", "By province", str, lambda n: f"and {n} more")


def test_gridlines_are_distinct_whole_numbers_covering_the_peak():
    for peak in range(0, 2001):
        values = charts.ticks(peak)
        assert values[0] == 0 and values[-1] >= peak and len(values) <= 5
        assert all(isinstance(v, int) for v in values) and len(set(values)) == len(values)
        assert values[-1] < 2 * max(peak, 1) + 5  # no gridlines far above the highest bar
    assert charts.ticks(3) == [0, 1, 2, 3]  # not 3, 2, 2, 1, 0


def test_a_week_is_exactly_seven_days_ending_today():
    now = time.time()
    since = first_day(now, 7)
    days, filed, overdue = _daily_series(t, since, now, [], [])
    assert len(days) == len(filed) == len(overdue) == 7
    today = datetime.fromtimestamp(now + 7 * 3600, UTC)
    assert days[-1] == f"{today.day}/{today.month}"
    assert now - since < 7 * DAY and first_day(now, 1) <= now


def _last_inked_row(png: bytes) -> tuple[int, int]:
    image = Image.open(io.BytesIO(png)).convert("L")
    width, height = image.size
    pixels = image.load()
    inked = [y for y in range(height) if any(pixels[x, y] < 200 for x in range(0, width, 2))]
    return inked[-1], height


def test_the_image_is_as_tall_as_what_it_shows():
    days, filed, overdue = [str(d) for d in range(1, 8)], [3, 2, 2, 1, 0, 4, 1], [1, 0, 0, 0, 0, 2, 0]
    few = charts.render(TEXT, days, filed, overdue, [("Siem Reap", 13, 4), ("Kampot", 2, 0)])
    provinces = [(f"Province {i}", 30 - i, i % 4) for i in range(25)]
    many = charts.render(TEXT, days, filed, overdue, provinces)
    last, height = _last_inked_row(few)
    assert height - last < 60  # no blank half under two rows
    assert Image.open(io.BytesIO(many)).size[1] > height + 20 * charts.ROW
    last, height = _last_inked_row(many)
    assert height - last < 60


def test_more_units_than_fit_are_counted_not_dropped_silently():
    units = [(f"Unit {i}", i, 0) for i in range(charts.MAX_UNITS + 3)]
    png = charts.render(TEXT, ["1"], [1], [0], units)
    last, height = _last_inked_row(png)
    assert height - last < 60 and Image.open(io.BytesIO(png)).size[1] > charts.MAX_UNITS * charts.ROW
