"""Which typed place a place step takes without asking (issue 11): pure, on `Gazetteer.match_typed`.

A citizen who types a place that one choice at the step's level matches exactly should not be asked
to tap it: the place step of the intake reads `Gazetteer.pick_typed` and shows buttons only when it
returns None.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.domain.place_words import STRIPPED_PENALTY, Level

if TYPE_CHECKING:
    from bot.domain.places import Match, Place

# A match this good (the same romanization skeleton, or better) is taken as read.
STRONG = 0.9 - STRIPPED_PENALTY
_STEP_LEVEL: dict[int, Level] = {0: "province", 2: "district", 4: "commune"}  # by len(within)


def step_level(within: str | None) -> Level:
    """The level a place step chooses: provinces, then the districts of one, then communes."""
    return _STEP_LEVEL[len(within or "")]


def pick_typed(matches: list[Match], within: str | None) -> Place | None:
    """The place to take without asking, from `match_typed(..., within=within)`; None: ask.

    In order: the one exact match at the step's level ("Siem Reap" at the province step is the
    province, not the town); else the one good match at that level if every exact match lies inside
    it ("Prey Nob" at the district step is the district, whose commune has the same name); else the
    exact match that contains all the others ("Kampong Cham, Kg Cham": the district, not its commune
    of the same name, which stays one tap away); else the only match. Nothing outside the place chosen
    so far is taken without a tap, not even an exact name: moving a citizen to another province is
    confirmed, and a near match elsewhere is only offered.
    """
    if within is not None and any(not m.place.code.startswith(within) for m in matches):
        return None
    level = step_level(within)
    exact = [m.place for m in matches if m.exact]
    at_level = [m.place for m in matches if m.place.level == level and m.score >= STRONG]
    exact_at_level = [p for p in exact if p.level == level]
    if len(exact_at_level) == 1:
        return exact_at_level[0]
    if not exact_at_level and len(at_level) == 1 and all(_contains(at_level[0], p) for p in exact):
        return at_level[0]
    for place in exact:
        if all(_contains(place, other) for other in exact):
            return place
    if len(matches) == 1:
        return matches[0].place
    return None


def _contains(outer: Place, inner: Place) -> bool:
    return inner.code.startswith(outer.code)
