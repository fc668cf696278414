"""The police hierarchy as data: ministry (KH) → province (PP) → district (PPDD) → post (PPDDCC).

Codes follow the gazetteer's NCDD codes. The default registry has one post per commune; the
ministry may change which communes a post covers, names, phones and chats (CSV import). Who may
act where is decided by walking this tree (bot.domain.access).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from bot.domain.places import Gazetteer, Place

NAMING_FILE = Path(__file__).resolve().parent.parent / "data" / "units.toml"
MINISTRY = "KH"


class Level(StrEnum):
    MINISTRY = "ministry"
    PROVINCE = "province"
    DISTRICT = "district"
    POST = "post"


@dataclass(frozen=True)
class Unit:
    code: str
    level: Level
    parent_code: str | None
    name_km: str
    name_en: str
    phone: str | None = None
    chat_id: int | None = None
    thread_id: int | None = None  # a forum topic of the chat, if the unit is bound to one
    lang: str = "km"  # language of the unit's chat
    unreachable_since: float | None = None  # the bot was removed, or the chat is gone

    def name(self, lang: str) -> str:
        return self.name_km if lang == "km" else self.name_en

    @property
    def reachable(self) -> bool:
        return self.chat_id is not None and self.unreachable_since is None


@dataclass
class Registry:
    """All units and which post covers which commune, with the tree walks routing needs."""

    units: dict[str, Unit]
    commune_posts: dict[str, str]  # commune code -> post unit code
    _children: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for unit in sorted(self.units.values(), key=lambda u: u.code):
            if unit.parent_code:
                self._children.setdefault(unit.parent_code, []).append(unit.code)

    def get(self, code: str) -> Unit | None:
        return self.units.get(code)

    def parent(self, code: str) -> Unit | None:
        unit = self.units.get(code)
        return self.units.get(unit.parent_code) if unit and unit.parent_code else None

    def ancestors(self, code: str) -> list[Unit]:
        """The unit itself, then each level above it, up to the ministry."""
        chain, seen = [], set()
        unit = self.units.get(code)
        while unit is not None and unit.code not in seen:  # `seen`: a bad import cannot loop forever
            chain.append(unit)
            seen.add(unit.code)
            unit = self.units.get(unit.parent_code) if unit.parent_code else None
        return chain

    def covers(self, scope_code: str, code: str) -> bool:
        """Whether `code` is `scope_code` or lies under it."""
        return any(u.code == scope_code for u in self.ancestors(code))

    def children(self, code: str) -> list[Unit]:
        return [self.units[c] for c in self._children.get(code, [])]

    def descendants(self, code: str) -> list[Unit]:
        found, stack = [], [code]
        while stack:
            for child in self._children.get(stack.pop(), []):
                found.append(self.units[child])
                stack.append(child)
        return found

    def post_for(self, commune_code: str) -> Unit | None:
        code = self.commune_posts.get(commune_code)
        return self.units.get(code) if code else None

    def in_chat(self, chat_id: int, thread_id: int | None = None) -> list[Unit]:
        """Units bound to a chat (to that forum topic, when one is given)."""
        return [
            u
            for u in self.units.values()
            if u.chat_id == chat_id and (thread_id is None or u.thread_id in (None, thread_id))
        ]


# --- the default registry, generated from the gazetteer ----------------------------------------


@dataclass(frozen=True)
class Naming:
    data: dict[str, Any]

    @classmethod
    def load(cls, path: Path = NAMING_FILE) -> Naming:
        return cls(tomllib.loads(path.read_text(encoding="utf-8")))

    @property
    def ministry(self) -> dict[str, str]:
        return self.data["ministry"]

    def district_type(self, district: Place) -> str:
        types = self.data["types"]
        if district.code[:2] in types["capital_provinces"]:
            return "khan"
        return "krong" if district.code in types["krong"] else "srok"

    def name(self, place: Place, kind: str, lang: str) -> str:
        pattern = self.data["names"][f"{kind}_{lang}"]
        if isinstance(pattern, dict):  # by type: srok/krong/khan, khum/sangkat
            pattern = pattern[self._type_of(place, kind)]
        return pattern.format(name=place.name(lang))

    def _type_of(self, place: Place, kind: str) -> str:
        if kind == "district":
            return self.district_type(place)
        district_type = self.district_type(Place(place.code[:4], "district", "", "", place.code[:2]))
        return "khum" if district_type == "srok" else "sangkat"


def default_registry(gazetteer: Gazetteer, naming: Naming | None = None) -> Registry:
    naming = naming or Naming.load()
    ministry = naming.ministry
    units = {MINISTRY: Unit(MINISTRY, Level.MINISTRY, None, ministry["name_km"], ministry["name_en"])}
    communes: dict[str, str] = {}
    capitals = naming.data["types"]["capital_provinces"]
    for province in gazetteer.provinces():
        kind = "capital" if province.code in capitals else "province"
        units[province.code] = _unit(province, Level.PROVINCE, MINISTRY, naming, kind)
        for district in gazetteer.children(province.code):
            units[district.code] = _unit(district, Level.DISTRICT, province.code, naming, "district")
            for commune in gazetteer.children(district.code):
                units[commune.code] = _unit(commune, Level.POST, district.code, naming, "post")
                communes[commune.code] = commune.code
    return Registry(units, communes)


def _unit(place: Place, level: Level, parent: str, naming: Naming, kind: str) -> Unit:
    return Unit(place.code, level, parent, naming.name(place, kind, "km"), naming.name(place, kind, "en"))


def registry_from(units: Iterable[Unit], commune_posts: dict[str, str]) -> Registry:
    return Registry({u.code: u for u in units}, dict(commune_posts))
