"""Hostile input to the place matcher (issue 8): texts as long as Telegram allows find nothing,
quickly, and the work done is bounded however the text is built."""

from __future__ import annotations

import pytest

from tests.test_places import codes, gaz

# ------------------------------------------------------------------ hostile input (issue 8)

TELEGRAM_MAX = 4096


def _long(piece: str) -> str:
    return (piece * (TELEGRAM_MAX // len(piece) + 1))[:TELEGRAM_MAX]


HOSTILE = {
    "Khmer, no spaces": _long("ស្វាយដង្គំសៀមរាប"),
    "Latin letters": _long("abcdefghij"),
    "words": _long("police took money from my brother "),
    "many short words": _long("ka "),
    "Khmer prefixes": _long("ខេត្ត "),
    "Khmer prefixes attached": _long("ខេត្តស្រុកឃុំ"),
    "punctuation storm": _long("!?.,;/"),
    "one huge word": "ក" * TELEGRAM_MAX,
    "mixed scripts": _long("ស្វាយSvayสวัสดี😀1"),
    "digits": _long("1710"),
    "Khmer digits": _long("១៧"),
    "invisible and marks": _long("\u200b\u0301\u17d2"),
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_texts_find_nothing(text: str) -> None:
    assert gaz().search(text) == []
    assert gaz().search(text, within="17") == []
    assert gaz().search_in_context(text) == []
    assert gaz().match_typed(text, within="1710") == []


def test_a_text_of_administrative_words_alone_matches_nothing_exactly() -> None:
    text = _long("Sangkat Khan Srok ")
    assert not [m for m in gaz().search_in_context(text) if m.exact]


@pytest.mark.parametrize("filler", [" ", "!", "\u200b", "\n", "😀", " , ", "។"])
def test_a_place_name_leading_a_long_text_without_words_is_found(filler: str) -> None:
    for name in ("Svay Dankum", "ស្វាយដង្គំ"):
        text = (name + filler * TELEGRAM_MAX)[:TELEGRAM_MAX]
        assert codes(gaz().search(text))[:1] == ["171002"]
        assert codes(gaz().match_typed(text, within="1710"))[:1] == ["171002"]
    in_context = ("Sla Kram, Siem Reap" + filler * TELEGRAM_MAX)[:TELEGRAM_MAX]
    assert codes(gaz().search_in_context(in_context))[:1] == ["171001"]


def test_match_typed_prefers_the_chosen_parent_then_looks_everywhere() -> None:
    assert codes(gaz().match_typed("Svay Dankum", within="1710"))[:1] == ["171002"]
    assert codes(gaz().match_typed("Svay Dankum", within="08"))[:1] == ["171002"]  # not in Kandal: anywhere
    assert codes(gaz().match_typed("ស្លក្រាម សៀមរាប"))[:1] == ["171001"]


def test_words_past_the_limits_are_not_looked_at() -> None:
    from bot.domain.places import QUERY_MAX_CHARS, QUERY_MAX_WORDS

    # Leading administrative words are dropped in matching, so they can push a name to the limits.
    name = "Svay Dankum"  # 2 words, 10 letters
    assert codes(gaz().search("of " * (QUERY_MAX_WORDS - 2) + name)) == ["171002"]
    assert "171002" not in codes(gaz().search("of " * (QUERY_MAX_WORDS - 1) + name))
    assert (QUERY_MAX_CHARS - 10) % len("provincial") == 0
    padding = "provincial " * ((QUERY_MAX_CHARS - 10) // len("provincial"))
    assert codes(gaz().search(padding + name)) == ["171002"]
    assert "171002" not in codes(gaz().search("provincial " + padding + name))


class _Counting:
    """Counts the calls into the costly parts of place matching, for one search at a time."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import difflib

        from bot.domain import place_index, place_words, places

        self.normalized_chars = 0  # characters handed to match_key (Khmer normalization)
        self.searches = 0  # whole-index searches (parse_query: one per search, however deep)
        self.compared = 0  # keys difflib compared with the query
        counter = self
        word_key, parse_query = place_words.word_key, places.parse_query

        def counting_word_key(word: str) -> str:
            counter.normalized_chars += len(word)
            return word_key(word)

        def counting_parse_query(query: object, expanded: object = None) -> object:
            counter.searches += 1
            return parse_query(query, expanded)  # type: ignore[arg-type]

        class CountingMatcher(difflib.SequenceMatcher):
            def real_quick_ratio(self) -> float:
                counter.compared += 1
                return super().real_quick_ratio()

        monkeypatch.setattr(place_words, "word_key", counting_word_key)
        monkeypatch.setattr(places, "parse_query", counting_parse_query)
        monkeypatch.setattr(place_index, "difflib", type("difflib", (), {"SequenceMatcher": CountingMatcher}))


@pytest.mark.parametrize("text", [HOSTILE["many short words"], HOSTILE["words"], HOSTILE["one huge word"]])
def test_matching_a_long_text_does_bounded_work(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    from bot.domain import place_index, places

    counting = _Counting(monkeypatch)
    gaz().search_in_context(text)
    # Every search normalizes the same bounded words again (match_key is cached in production).
    per_search_chars = places.QUERY_MAX_CHARS + places.QUERY_MAX_WORDS
    assert counting.normalized_chars <= counting.searches * per_search_chars
    assert counting.searches <= 1 + places._CONTEXT_MAX_WORDS * (1 + places._CONTEXT_MAX_PARENTS)
    assert counting.compared <= counting.searches * place_index.FUZZY_MAX_CANDIDATES


def test_a_typo_compares_a_bounded_number_of_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.domain import place_index

    counting = _Counting(monkeypatch)
    # Shares bigrams with some 150 "Kampong ..." keys; the best-sharing ones still hold the answer.
    assert codes(gaz().search("Kampong Chan"))[:3] == ["060804", "060805", "04"]
    assert 0 < counting.compared <= place_index.FUZZY_MAX_CANDIDATES
