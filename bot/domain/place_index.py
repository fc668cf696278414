"""The lookup structures of the gazetteer's search (bot/domain/places.py): keys by prefix, the
bigram index that keeps the fuzzy tier's difflib comparisons few, and the range of entries a search
may return. Entries are positions in the gazetteer's places sorted by code.
"""

from __future__ import annotations

import bisect
import difflib
import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Protocol

FUZZY_MIN_RATIO = 0.8  # one typo in a 5-letter name (Srang/Srnag) still passes; random letters don't
_MIN_DICE = 0.4  # bigram overlap needed before difflib is even asked (a swap breaks 3 bigrams)
# difflib is the costliest tier: only the keys sharing the most bigrams with the query are compared.
FUZZY_MAX_CANDIDATES = 40


class SortedKeys:
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


class FuzzyIndex:
    """Character bigrams → keys, so difflib only compares keys that share most of the query."""

    def __init__(self, keys: dict[str, list[int]]) -> None:
        self._keys = list(keys)
        self._entries = [tuple(keys[key]) for key in self._keys]
        self._sizes = [len(_bigrams(key)) for key in self._keys]
        # ratio = 2 * matching / (len(query) + len(key)) <= 2 * len(key) / (len(query) + len(key)), so a
        # query longer than this can reach FUZZY_MIN_RATIO with no key.
        self._max_query_len = int(max(map(len, self._keys), default=0) * (2 - FUZZY_MIN_RATIO) / FUZZY_MIN_RATIO)
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
        least = _MIN_DICE * (len(grams) + 1) / 2  # shared bigrams needed even by a one-bigram key
        dice = {i: 2 * count / (len(grams) + self._sizes[i]) for i, count in shared.items() if count >= least}
        candidates = [
            i for i in dice if dice[i] >= _MIN_DICE and (accept is None or not accept.isdisjoint(self._entries[i]))
        ]
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(query)
        # Most shared bigrams first (then key order, for determinism); a typo keeps most of them.
        for i in heapq.nsmallest(FUZZY_MAX_CANDIDATES, candidates, key=lambda i: (-dice[i], i)):
            entries = [e for e in self._entries[i] if accept is None or e in accept]
            matcher.set_seq1(self._keys[i])
            if matcher.real_quick_ratio() < FUZZY_MIN_RATIO or matcher.quick_ratio() < FUZZY_MIN_RATIO:
                continue
            ratio = matcher.ratio()
            if ratio >= FUZZY_MIN_RATIO:
                yield from ((e, ratio) for e in entries)


def _bigrams(key: str) -> set[str]:
    return {key[i : i + 2] for i in range(len(key) - 1)} or {key}


class Leveled(Protocol):
    @property
    def level(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Scope:
    """The entries a search may return: codes sort with their descendants right after them, so the
    places within one are a range; optionally of one level only."""

    lo: int
    hi: int
    level: str | None

    def accepts(self, entry: int, entries: Sequence[Leveled]) -> bool:
        return self.lo <= entry < self.hi and (self.level is None or entries[entry].level == self.level)

    def is_everything(self, size: int) -> bool:
        return self.lo == 0 and self.hi == size and self.level is None

    def entries(self, entries: Sequence[Leveled]) -> set[int]:
        return {i for i in range(self.lo, self.hi) if self.accepts(i, entries)}
