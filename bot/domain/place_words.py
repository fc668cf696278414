"""Reading place names and typed places: words, search keys, romanization skeletons, type words.

What bot/domain/places.py indexes and searches with, on top of `textnorm.match_key`: the words of
a gazetteer name or of a typed text, their "skeleton" that folds romanization differences, and the
administrative words (ខេត្ត, srok, commune...) that suggest a level. Pure functions of text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, get_args

from bot.domain.textnorm import match_key, strip_invisible

Level = Literal["province", "district", "commune"]
LEVELS: tuple[Level, ...] = get_args(Level)

# A query read without its administrative words scores this much lower: names such as "Phnum Srok"
# or ភូមិថ្មី contain such words.
STRIPPED_PENALTY = 0.02

# How much of a typed text is matched. The longest place typed in full is a commune with its district
# and province: 10 words and 43 letters in the gazetteer, a few more with type words ("Sangkat ...,
# Khan ..., Reachthani Phnom Penh"). Beyond these limits a text is not a place name; the rest of it is
# never looked at, because Khmer normalization costs ~20 µs a character and every word is a possible
# split between a place and the places around it.
QUERY_MAX_WORDS = 16
QUERY_MAX_CHARS = 120  # letters, marks and digits of those words; spaces and punctuation are not counted
# Characters of the raw text read at all: room for the above with an invisible character or a
# punctuation mark after every letter; the rest cannot hold any word within the limits.
_SCAN_MAX_CHARS = 4 * QUERY_MAX_CHARS

# The levels a type word suggests (_ANY: none).
_P: frozenset[Level] = frozenset({"province"})
_D: frozenset[Level] = frozenset({"district"})
_C: frozenset[Level] = frozenset({"commune"})
_ANY: frozenset[Level] = frozenset()

# Khmer type prefixes, written attached to the name or as a separate word. The value is the level(s)
# the prefix suggests: it reorders ties, it never filters. ក្រុង (town) is usually a district, but Kep
# and Pailin were ក្រុង before becoming provinces and are still called so.
_KM_PREFIXES: dict[str, frozenset[Level]] = {
    "រាជធានី": _P,
    "ខេត្ត": _P,
    "ក្រុង": _P | _D,
    "ស្រុក": _D,
    "ខណ្ឌ": _D,
    "ឃុំ": _C,
    "សង្កាត់": _C,
    "ភូមិ": _ANY,  # villages are not indexed; still strip it so the commune part is found
}
_KM_PREFIX_KEYS: dict[str, frozenset[Level]] = {match_key(p): hint for p, hint in _KM_PREFIXES.items()}
# Prefixes that official names may carry (only Phnom Penh's does). ភូមិ is not one: ភូមិថ្មី is a name.
_NAME_PREFIXES = ("រាជធានី", "ខេត្ត", "ក្រុង", "ស្រុក", "ខណ្ឌ", "ឃុំ", "សង្កាត់")
NAME_PREFIX_KEYS = tuple(map(match_key, _NAME_PREFIXES))

# Latin administrative words, with the misspellings and romanizations seen in practice.
_LATIN_ADMIN: dict[str, frozenset[Level]] = {
    **dict.fromkeys(("province", "provinces", "provincial", "provice", "provine", "provnce", "porvince"), _P),
    **dict.fromkeys(("privince", "prov", "khaet", "khet", "capital", "reachthani", "municipal"), _P),
    **dict.fromkeys(("city", "town", "municipality", "krong", "krung", "kron", "kraong"), _P | _D),
    **dict.fromkeys(("district", "districts", "distric", "distict", "disctrict", "dist"), _D),
    **dict.fromkeys(("srok", "srock", "sruk", "srouk", "khan", "khand"), _D),
    **dict.fromkeys(("commune", "communes", "comune", "commun", "communue", "khum", "khom", "kum"), _C),
    **dict.fromkeys(("sangkat", "sankat", "songkat", "sangkhat", "sangkath", "sngkat", "skat"), _C),
    **dict.fromkeys(("village", "phum", "phoum", "of", "the"), _ANY),
}

# "Ti Muoy" (No. 1) in English names; ទី ១ in Khmer ones. Citizens type "Boeng Keng Kang 1".
_NUMBER_WORDS = {"muoy": "1", "mouy": "1", "moy": "1", "pir": "2", "bei": "3", "buon": "4", "pram": "5"}
_KM_ORDINAL = re.compile(r"^(.+)ទី([0-9]+)$")  # keys already have Latin digits

_DISPLAY_INVISIBLE = re.compile("[\u200b\u2060\ufeff]")  # ZWNJ/ZWJ kept: they can shape Khmer
_SPACES = re.compile(r"\s+")
_QUOTED = re.compile(r'"\s*([^"]*?)\s*"')

_KHMER_COENG = "\u17d2"


def clean_display(name: str) -> str:
    """A gazetteer name as it should be shown: same characters, minus invisible and doubled spaces."""
    name = _SPACES.sub(" ", _DISPLAY_INVISIBLE.sub("", name)).strip()
    return _QUOTED.sub(r'"\1"', name)


def name_words(text: str) -> list[str]:
    """match_key of each word of a gazetteer name."""
    return [key for key in map(word_key, _split_words(_visible(text))) if key]


def typed_words(text: str) -> list[str]:
    """match_key of each word of a typed query, within QUERY_MAX_WORDS and QUERY_MAX_CHARS."""
    visible = _visible(text[:_SCAN_MAX_CHARS])[:_SCAN_MAX_CHARS]  # NFKC may lengthen it
    words, room = [], QUERY_MAX_CHARS
    for word in _split_words(visible)[:QUERY_MAX_WORDS]:
        if room <= 0:
            break
        words.append(word[:room])
        room -= len(word)
    return [key for key in map(word_key, words) if key]


def _visible(text: str) -> str:
    # Invisible characters go before the split, so a ZWSP never splits a word.
    return strip_invisible(unicodedata.normalize("NFKC", text))


def _split_words(text: str) -> list[str]:
    return "".join(ch if unicodedata.category(ch)[0] in "LMN" else " " for ch in text).split()


# Names repeat words a lot (Kampong, Svay, Prey...), and khnormal dominates the build time.
word_key = lru_cache(maxsize=8192)(match_key)


_VOWEL_RUN = re.compile(r"[aeiou]+")
_Y_AFTER_VOWEL = re.compile(r"(?<=[aeiou])y")
_R_CODA = re.compile(r"(?<=[aeiou])r(?![aeiou])")  # Pursat/Pousat, Kork/Kouk: final r is silent
_DOUBLED = re.compile(r"(.)\1+")


def _skeleton_word(word: str) -> str:
    """Fold romanization differences of one Latin word; Khmer words are returned unchanged.

    Khmer romanizations disagree mostly on vowels (Kampong/Kompong, Tboung/Tbong, Stung/Stoeng),
    aspiration (Phnom/Pnom, Khmum/Kmum), d/t (Otdar/Oddar, Batdambang) and final b/p (Kaeb/Kep).
    """
    if not word.isascii():
        return word
    word = word.replace("h", "").replace("d", "t").replace("w", "v")
    word = _Y_AFTER_VOWEL.sub("", word)
    word = _R_CODA.sub("", word)
    if word.endswith("b"):
        word = word[:-1] + "p"
    return _VOWEL_RUN.sub("a", word)


def skeleton_of(words: Iterable[str]) -> str:
    # Doubled letters are collapsed across word joins too: Ratanak Kiri = Ratanakiri.
    return _DOUBLED.sub(r"\1", "".join(map(_skeleton_word, words)))


def strip_km_prefix(word: str, prefix_keys: Iterable[str]) -> tuple[str, str | None]:
    """(rest, prefix key) if the word starts with one of the prefixes and has more after it."""
    for key in prefix_keys:
        if word.startswith(key) and len(word) > len(key):
            return word[len(key) :], key
    return word, None


_ADMIN_WORDS: dict[str, frozenset[Level]] = {**_LATIN_ADMIN, **_KM_PREFIX_KEYS}


def strip_admin(words: list[str]) -> tuple[list[str], frozenset[Level]]:
    """Drop administrative words from the start (Latin and Khmer) and end (Latin) of a query."""
    words, hint = list(words), _ANY
    while len(words) > 1 and words[0] in _ADMIN_WORDS:
        hint |= _ADMIN_WORDS[words.pop(0)]
    while len(words) > 1 and words[-1] in _LATIN_ADMIN:
        hint |= _LATIN_ADMIN[words.pop()]
    # ខេត្តសៀមរាប: the prefix is usually typed attached, sometimes twice (ក្រុងខេត្ត...).
    rest, prefix = strip_km_prefix(words[0], _KM_PREFIX_KEYS)
    while prefix is not None:
        hint |= _KM_PREFIX_KEYS[prefix]
        words[0] = rest
        rest, prefix = strip_km_prefix(rest, _KM_PREFIX_KEYS)
    return words, hint


def number_variants(words: list[str]) -> Iterator[list[str]]:
    """'Phsar Thmei Ti Muoy' → 'phsar thmei ti 1', 'phsar thmei 1'; ផ្សារថ្មីទី១ → ផ្សារថ្មី1."""
    if len(words) >= 2 and words[-1] in _NUMBER_WORDS:
        digit = _NUMBER_WORDS[words[-1]]
        yield [*words[:-1], digit]
        if len(words) >= 3 and words[-2] == "ti":
            yield [*words[:-2], digit]
    key = "".join(words)
    if ordinal := _KM_ORDINAL.match(key):
        yield [ordinal[1], ordinal[2]]


def word_runs(words: list[str]) -> Iterator[tuple[bool, str]]:
    """(leading?, key) for every run of whole words shorter than the name: Svay Leu → svay, leu."""
    for i in range(len(words)):
        for j in range(i + 1, len(words) + 1):
            if j - i < len(words):
                yield i == 0, "".join(words[i:j])


def inner_starts(words: list[str]) -> Iterator[str]:
    """Where a partial query may start inside a name: later Latin words, later Khmer syllables."""
    for i in range(1, len(words)):
        yield "".join(words[i:])
    key = "".join(words)
    if key.isascii():
        return
    for i in range(1, len(key)):
        # A Khmer syllable starts at a consonant or independent vowel that is not a subscript.
        if unicodedata.category(key[i]) == "Lo" and key[i - 1] != _KHMER_COENG:
            yield key[i:]


@dataclass(frozen=True, slots=True)
class Form:
    """One way of reading a query: as typed, or with administrative words removed."""

    key: str
    skeleton: str
    penalty: float


@dataclass(frozen=True, slots=True)
class Query:
    forms: tuple[Form, ...]
    hint: frozenset[Level]


def expand_abbreviations(words: list[str], abbreviations: dict[str, list[str]]) -> list[str]:
    """'kg cham' → 'kampong cham' (place_aliases.toml [words]); a one-letter one only before a word."""
    out: list[str] = []
    for i, word in enumerate(words):
        expansion = abbreviations.get(word)
        usable = expansion is not None and (len(word) > 1 or i + 1 < len(words))
        out.extend(expansion if usable and expansion else [word])
    return out


def parse_query(words: list[str], expanded: list[str] | None = None) -> Query | None:
    """The forms to look up for typed `words`; `expanded`: the same with abbreviations written out,
    read as well, never instead ("Rolea B'ier" is a name, though "b" can stand for Banteay)."""
    if not words:
        return None
    readings: list[tuple[list[str], float]] = []
    hint: frozenset[Level] = frozenset()
    for base in [words] if not expanded or expanded == words else [words, expanded]:
        stripped, found = strip_admin(base)
        hint = hint or found
        readings.append((base, 0.0))
        if stripped != base:
            readings.append((stripped, STRIPPED_PENALTY))
        # "Boeng Keng Kang Muoy", "Tuol Svay Prey Pir": the number word typed as the gazetteer writes
        # it, read also as the digit the names are indexed with (a name may end with such a word).
        if len(stripped) >= 2 and stripped[-1] in _NUMBER_WORDS:
            readings.append(([*stripped[:-1], _NUMBER_WORDS[stripped[-1]]], STRIPPED_PENALTY))
    forms = [Form("".join(ws), skeleton_of(ws), penalty) for ws, penalty in readings]
    return Query(tuple(forms), hint)


def display_km(raw: str) -> str:
    """A gazetteer's Khmer name as shown: without the type prefix only Phnom Penh's carries."""
    name = clean_display(raw)
    for prefix in _NAME_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix) :].strip()
    return name
