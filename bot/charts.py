"""The /stats chart, drawn with Pillow and the Noto Sans Khmer font.

Why not matplotlib: Khmer needs complex text shaping (subscript consonants, vowels around the
base), which matplotlib's text engine does not do; Pillow shapes text with libraqm (bundled in its
wheels), so Khmer labels come out right. The font ships as a Python package, so the chart needs
nothing from the system.

Sized for a phone: Telegram shows a photo about 400 pixels wide, so on this 1,000-pixel image a
letter must be 26 pixels or more to be read without zooming (Khmer's stacked signs need the room).
The image is as tall as what it shows: no empty half under a short list of units.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import fontpkg_noto_sans_khmer
from PIL import Image, ImageDraw, ImageFont

FONT_FILE = fontpkg_noto_sans_khmer.ROOT / "files" / "NotoSansKhmer[wdth,wght].ttf"
WIDTH = 1000
FILED, OVERDUE, INK, GRID, MUTED = (46, 110, 190), (214, 69, 65), (33, 33, 33), (225, 225, 225), (110, 110, 110)
TITLE, LABEL, SMALL = 36, 28, 26  # font sizes (pixels)
DAILY_HEIGHT = 300
ROW = 48  # per unit in the breakdown
MAX_UNITS = 25  # the ministry's 25 provinces all fit
MAX_DAY_LABELS = 8


@lru_cache(maxsize=8)
def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_FILE), size, layout_engine=ImageFont.Layout.RAQM)


@dataclass(frozen=True)
class ChartText:
    """Every word on the chart, already in the reader's language (digits included)."""

    title: str
    filed: str
    overdue: str
    per_day: str
    per_unit: str
    numbers: Callable[[int], str]  # in the reader's digits
    more_units: Callable[[int], str] = lambda n: f"+{n}"  # "and N more units"


def ticks(peak: int, most: int = 5) -> list[int]:
    """Whole-number gridline values from 0 to at least `peak`, spaced by 1, 2 or 5 × 10ⁿ, at most
    `most` of them: a count of complaints is never 2.5, and no two gridlines carry the same number."""
    peak, scale = max(peak, 1), 1
    while True:
        for step in (scale, 2 * scale, 5 * scale):
            if -(-peak // step) <= most - 1:
                return list(range(0, -(-peak // step) * step + 1, step))
        scale *= 10


def render(
    text: ChartText, days: list[str], filed: list[int], overdue: list[int], units: list[tuple[str, int, int]]
) -> bytes:
    """A PNG: filed and overdue per day (top), and per unit below the scope (bottom)."""
    shown = sorted(units, key=lambda u: (-u[1], -u[2], u[0]))[:MAX_UNITS]
    rest = len(units) - len(shown)
    units_top = 120 + 64 + DAILY_HEIGHT + 90
    height = units_top + 56 + max(1, len(shown)) * ROW + (ROW if rest else 0) + 20
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((30, 18), text.title, font=font(TITLE), fill=INK)
    _legend(draw, text, 30, 72)
    _daily(draw, text, days, filed, overdue, top=120)
    _by_unit(draw, text, shown, rest, top=units_top)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _legend(draw: ImageDraw.ImageDraw, text: ChartText, x: int, y: int) -> None:
    for colour, label in ((FILED, text.filed), (OVERDUE, text.overdue)):
        draw.rectangle((x, y + 8, x + 24, y + 32), fill=colour)
        draw.text((x + 34, y), label, font=font(LABEL), fill=INK)
        x += 60 + int(draw.textlength(label, font=font(LABEL)))


def _daily(
    draw: ImageDraw.ImageDraw, text: ChartText, days: list[str], filed: list[int], overdue: list[int], *, top: int
) -> None:
    left, right, height = 80, WIDTH - 30, DAILY_HEIGHT
    draw.text((30, top), text.per_day, font=font(LABEL), fill=INK)
    top += 64  # the top gridline's number sits half a line above it
    values = ticks(max([0, *filed, *overdue]))
    peak = values[-1]
    for value in values:
        y = top + height - height * value / peak
        draw.line((left, y, right, y), fill=GRID)
        draw.text((left - 12, y), text.numbers(value), font=font(SMALL), fill=MUTED, anchor="rm")
    slot = (right - left) / max(len(days), 1)
    bar = max(1.0, slot * 0.38)
    every = max(1, -(-len(days) // MAX_DAY_LABELS))
    for i, day in enumerate(days):
        x = left + i * slot + slot * 0.12
        for j, (value, colour) in enumerate(((filed[i], FILED), (overdue[i], OVERDUE))):
            h = height * value / peak
            draw.rectangle((x + j * bar, top + height - h, x + (j + 1) * bar - 1, top + height), fill=colour)
        if (len(days) - 1 - i) % every == 0:  # always label the last day (today)
            draw.text((x + bar, top + height + 8), day, font=font(SMALL), fill=INK, anchor="ma")


def _by_unit(
    draw: ImageDraw.ImageDraw, text: ChartText, units: list[tuple[str, int, int]], rest: int, *, top: int
) -> None:
    draw.text((30, top), text.per_unit, font=font(LABEL), fill=INK)
    top += 56
    label_width, left, right = 360, 400, WIDTH - 150
    peak = max([1, *(f for _, f, _ in units)])
    for i, (name, filed, late) in enumerate(units):
        y = top + i * ROW
        draw.text((30, y + ROW / 2), _fit(draw, name, label_width), font=font(SMALL), fill=INK, anchor="lm")
        width = (right - left) * filed / peak
        draw.rectangle((left, y + 8, left + width, y + 24), fill=FILED)
        draw.rectangle((left, y + 26, left + (right - left) * late / peak, y + 40), fill=OVERDUE)
        figures = text.numbers(filed) + (" · " + text.numbers(late) if late else "")
        draw.text((left + width + 10, y + ROW / 2), figures, font=font(SMALL), fill=INK, anchor="lm")
    if rest:
        draw.text((30, top + len(units) * ROW + 8), text.more_units(rest), font=font(SMALL), fill=MUTED)


def _fit(draw: ImageDraw.ImageDraw, label: str, width: int) -> str:
    while label and draw.textlength(label, font=font(SMALL)) > width:
        label = label[:-2] + "…"
    return label
