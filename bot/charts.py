"""The /stats chart, drawn with Pillow and the Noto Sans Khmer font.

Why not matplotlib: Khmer needs complex text shaping (subscript consonants, vowels around the
base), which matplotlib's text engine does not do; Pillow shapes text with libraqm (bundled in its
wheels), so Khmer labels come out right. The font ships as a Python package, so the chart needs
nothing from the system.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

import fontpkg_noto_sans_khmer
from PIL import Image, ImageDraw, ImageFont

FONT_FILE = fontpkg_noto_sans_khmer.ROOT / "files" / "NotoSansKhmer[wdth,wght].ttf"
WIDTH, HEIGHT = 1000, 880
FILED, OVERDUE, INK, GRID = (46, 110, 190), (214, 69, 65), (33, 33, 33), (225, 225, 225)


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
    numbers: callable  # int -> str in the reader's digits


def render(
    text: ChartText, days: list[str], filed: list[int], overdue: list[int], units: list[tuple[str, int, int]]
) -> bytes:
    """A PNG: filed and overdue per day (top), and per unit below the scope (bottom)."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    draw.text((30, 18), text.title, font=font(30), fill=INK)
    _legend(draw, text, 30, 68)
    _daily(draw, text, days, filed, overdue, top=120, height=300)
    _by_unit(draw, text, units, top=505)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _legend(draw: ImageDraw.ImageDraw, text: ChartText, x: int, y: int) -> None:
    for colour, label in ((FILED, text.filed), (OVERDUE, text.overdue)):
        draw.rectangle((x, y + 6, x + 18, y + 24), fill=colour)
        draw.text((x + 26, y), label, font=font(20), fill=INK)
        x += 40 + int(draw.textlength(label, font=font(20)))


def _daily(
    draw: ImageDraw.ImageDraw,
    text: ChartText,
    days: list[str],
    filed: list[int],
    overdue: list[int],
    *,
    top: int,
    height: int,
) -> None:
    left, right = 70, WIDTH - 30
    draw.text((left, top - 8), text.per_day, font=font(20), fill=INK)
    top += 28
    peak = max([1, *filed, *overdue])
    for step in range(5):  # gridlines with values
        y = top + height - height * step / 4
        draw.line((left, y, right, y), fill=GRID)
        draw.text((10, y - 12), text.numbers(round(peak * step / 4)), font=font(16), fill=INK)
    slot = (right - left) / max(len(days), 1)
    bar = max(1.0, slot * 0.4)
    for i, day in enumerate(days):
        x = left + i * slot + slot * 0.1
        for j, (value, colour) in enumerate(((filed[i], FILED), (overdue[i], OVERDUE))):
            h = height * value / peak
            draw.rectangle((x + j * bar, top + height - h, x + (j + 1) * bar - 1, top + height), fill=colour)
        if len(days) <= 10 or i % max(1, len(days) // 8) == 0:
            draw.text((x, top + height + 6), day, font=font(16), fill=INK)


def _by_unit(draw: ImageDraw.ImageDraw, text: ChartText, units: list[tuple[str, int, int]], *, top: int) -> None:
    draw.text((70, top), text.per_unit, font=font(20), fill=INK)
    top += 36
    label_width, left, right = 330, 360, WIDTH - 80
    peak = max([1, *(f for _, f, _ in units)])
    row = 26
    for i, (name, filed, late) in enumerate(units[:12]):
        y = top + i * row
        draw.text((20, y), _fit(draw, name, label_width), font=font(18), fill=INK)
        width = (right - left) * filed / peak
        draw.rectangle((left, y + 4, left + width, y + 13), fill=FILED)
        draw.rectangle((left, y + 14, left + (right - left) * late / peak, y + 22), fill=OVERDUE)
        draw.text((left + width + 6, y), text.numbers(filed), font=font(16), fill=INK)


def _fit(draw: ImageDraw.ImageDraw, label: str, width: int) -> str:
    while label and draw.textlength(label, font=font(18)) > width:
        label = label[:-2] + "…"
    return label
