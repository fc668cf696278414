"""The held-out table of typed places (tests/test_place_accuracy_cases.py) against the intake's
place step: the place meant is reached (goal: 99 %), and taken without an extra tap. The figures,
before and after, are printed by bench/place_accuracy.py."""

from __future__ import annotations

from bench.place_accuracy import outcome
from bot.domain.places import Gazetteer
from tests.test_place_accuracy_cases import CASES, COMMUNES, DISTRICTS, PROVINCES, WHOLE


def test_the_table_is_large_and_valid() -> None:
    gazetteer = Gazetteer.load()
    assert len(CASES) >= 150
    assert all(kind for kind in (PROVINCES, DISTRICTS, COMMUNES, WHOLE))
    assert sum(any("\u1780" <= ch <= "\u17ff" for ch in text) for text, _, _ in CASES) >= 15  # Khmer typed too
    for text, within, code in CASES:
        place = gazetteer.get(code)
        assert place is not None and place.code == code, text
        assert within is None or code.startswith(within), text


def test_the_place_meant_is_reached_and_mostly_without_a_tap() -> None:
    gazetteer = Gazetteer.load()
    results = [outcome(gazetteer, text, within, code) for text, within, code in CASES]
    missed = [case for case, (hit, _, _) in zip(CASES, results, strict=True) if not hit]
    tapped = [case for case, (_, direct, _) in zip(CASES, results, strict=True) if not direct]
    assert len(missed) <= 0.01 * len(CASES), missed
    assert len(tapped) <= 0.05 * len(CASES), tapped
