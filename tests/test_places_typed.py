"""Places typed any way (issue 11): abbreviations, popular spellings, the step's level, whole
addresses typed at once, and near matches elsewhere (bot/domain/places.py, place_pick.py). Pure."""

from __future__ import annotations

import pytest

from bot.domain import place_pick, places
from bot.domain.places import Gazetteer, Match


def gaz() -> Gazetteer:
    return Gazetteer.load()


def codes(matches: list[Match]) -> list[str]:
    return [m.place.code for m in matches]


def picked(text: str, within: str | None = None) -> str | None:
    place = gaz().pick_typed(gaz().match_typed(text, within=within), within)
    return place.code if place else None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Kg Cham", "03"),
        ("Kg. Thom", "06"),
        ("kg.speu", "05"),
        ("Kpg Chhnang", "04"),
        ("Kg Som", "18"),
        ("B. Meanchey", "01"),
        ("B.Meanchey", "01"),
        ("PP", "12"),
        ("P.P.", "12"),
        ("BTB", "02"),
        ("BMC", "01"),
    ],
)
def test_abbreviations_are_read_as_the_words_they_stand_for(text: str, code: str) -> None:
    assert picked(text) == code


def test_a_one_letter_abbreviation_alone_is_not_expanded() -> None:
    assert "01" not in codes(gaz().search("B"))  # "B" alone is not Banteay Meanchey


@pytest.mark.parametrize(
    ("text", "within", "code"),
    [
        ("Sen Monorom", "11", "1105"),
        ("Senmonorom", "11", "1105"),
        ("Olympic", "1213", "121304"),
        ("Setbo", "0811", "081109"),
        ("Koh Rong Samloem", "1805", "180502"),
        ("Koh Rong Sanloem", "1805", "180502"),
    ],
)
def test_popular_spellings_the_gazetteer_romanizes_differently(text: str, within: str, code: str) -> None:
    assert picked(text, within) == code
    assert picked(text) == code  # typed at the province step too: a name found in one place only


@pytest.mark.parametrize("text", ["Sambuor", "Sangkat Sambuor", "Sambour"])
def test_a_commune_whose_gazetteer_name_carries_sngkat(text: str) -> None:
    assert picked(text, "1710") == "171008"  # "Sngkat Sambuor" in the gazetteer


@pytest.mark.parametrize("prefix", ["Sngkat", "Sangkat", "sngkat.", "Skat"])
def test_the_sngkat_prefix_is_an_administrative_word(prefix: str) -> None:
    found = gaz().match_typed(f"{prefix} Tuek Thla", within="1208")
    assert codes(found)[:1] == ["120802"] and found[0].exact  # not just "Thla" found inside the name


def test_a_number_word_typed_reads_as_the_digit_of_the_name() -> None:
    assert picked("Boeng Keng Kang Muoy", "1213") == "121301"
    assert picked("Tuol Svay Prey Pir", "1213") == "121307"


@pytest.mark.parametrize(
    ("text", "within", "code"),
    [
        ("Siem Reap", None, "17"),  # the province, not the town Siem Reab nor its commune
        ("Siem Reab", "17", "1710"),  # the district, not its commune of the same name
        ("Kampong Cham", "03", "0305"),
        ("Prey Nob", "18", "1802"),  # the district read by its skeleton, over its exact commune
        ("Koh Rong", "1805", "180501"),
        ("Kampong Cham, Kg Cham", None, "0305"),  # the district contains its same-named commune
    ],
)
def test_one_place_at_the_steps_level_is_taken_without_asking(text: str, within: str | None, code: str) -> None:
    assert picked(text, within) == code


def test_several_places_at_the_steps_level_are_asked() -> None:
    assert picked("Samraong") is None
    assert picked("Mean Chey") is None


def test_a_near_match_elsewhere_is_offered_but_not_taken() -> None:
    # Nothing in Kandal (08) is called so; Svay Dankum is in Siem Reap.
    assert codes(gaz().match_typed("Svay Dankom", within="08")) == ["171002"]
    assert picked("Svay Dankom", "08") is None
    assert picked("Svay Dankom", "1710") == "171002"


def test_an_exact_name_in_another_province_is_confirmed_not_taken() -> None:
    assert codes(gaz().match_typed("Kralanh", within="08"))[:1] == ["1706"]  # a district of Siem Reap
    assert picked("Kralanh", "08") is None
    assert picked("Kralanh", "17") == "1706"


def test_a_weak_typo_reading_elsewhere_is_not_offered() -> None:
    assert codes(gaz().search_in_context("Angkor Chumx"))[:1] == ["1701"]  # a typo reading, weak
    assert gaz().match_typed("Angkor Chumx", within="08") == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("BKK1, Phnom Penh", "121301"),
        ("BKK1 PP", "121301"),
        ("Sangkat Olympic, Khan BKK, Phnom Penh", "121304"),
        ("Sangkat Sala Kamreuk, Krong Siem Reap, Siem Reap province", "171004"),
        ("Setbo, Ta Khmau, Kandal", "081109"),
        ("Tuek Thla, Sen Sok, Phnom Penh", "120802"),
        ("សង្កាត់ស្លក្រាម ក្រុងសៀមរាប ខេត្តសៀមរាប", "171001"),
    ],
)
def test_a_whole_address_typed_at_once(text: str, code: str) -> None:
    assert picked(text) == code


def test_a_split_scores_no_better_than_its_parts() -> None:
    # "Phnom" alone is a weak reading of Phnom Penh: what lies inside it scores below an exact match.
    found = gaz().search_in_context("BKK1 Phnom")
    assert found and all(m.score < place_pick.STRONG or m.place.code.startswith("12") for m in found)


def test_step_levels() -> None:
    assert [place_pick.step_level(w) for w in (None, "17", "1710")] == ["province", "district", "commune"]


def test_a_long_address_of_place_names_does_bounded_work(monkeypatch: pytest.MonkeyPatch) -> None:
    searches = 0
    parse_query = places.parse_query

    def counting(words: list[str], expanded: list[str] | None = None) -> object:
        nonlocal searches
        searches += 1
        return parse_query(words, expanded)

    monkeypatch.setattr(places, "parse_query", counting)
    gaz().search_in_context(" ".join(["Kampong Cham"] * 20))  # every split reads a province exactly
    per_parent = 1 + places._CONTEXT_MAX_DISTRICT_WORDS * (1 + places._CONTEXT_MAX_DISTRICTS)
    assert searches <= 1 + places._CONTEXT_MAX_WORDS * (1 + places._CONTEXT_MAX_PARENTS * per_parent)


def test_a_name_with_an_abbreviation_letter_in_it_is_still_the_name():
    # "b" can stand for Banteay, but "Rolea B'ier" is a commune's own name (found by hypothesis).
    found = gaz().search("Rolea B'ier", limit=5)
    assert {m.place.code for m in found if m.exact} == {"0406", "040610"}  # the district and its commune
