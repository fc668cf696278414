"""Which police unit receives a complaint, and which chat its card goes to.

A complaint goes to the post of its commune, except where the post itself may be the problem
(police misconduct, "nobody acted"): the category file sends those to the district inspectorate
above it. If that unit has no chat the bot can reach, the card goes to the nearest reachable unit
above it, up to the ministry, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.units import Registry


@dataclass(frozen=True)
class Route:
    responsible: str  # the unit that should handle it
    handler: str | None  # the unit whose chat gets the card (None: no chat anywhere yet)
    skipped: tuple[str, ...] = ()  # units between them that have no reachable chat


class RoutingError(ValueError):
    pass


def responsible_unit(registry: Registry, commune_code: str, category_route: str) -> str:
    post = registry.post_for(commune_code)
    if post is None:
        raise RoutingError(f"no police post covers commune {commune_code}")
    if category_route == "district":
        district = registry.parent(post.code)
        return district.code if district else post.code
    return post.code


def deliver_to(registry: Registry, unit_code: str) -> Route:
    """The unit itself if its chat is reachable, else the nearest reachable one above it."""
    skipped = []
    for unit in registry.ancestors(unit_code):
        if unit.reachable:
            return Route(unit_code, unit.code, tuple(skipped))
        skipped.append(unit.code)
    return Route(unit_code, None, tuple(skipped))
