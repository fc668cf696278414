"""The deadline and escalation policy: a TOML file the ministry edits, validated before start.

Errors name the key (e.g. `category.drugs.resolve: '2 weeks' is not a duration like …`).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.domain.datafile import load_toml
from bot.domain.deadlines import TIMEZONE, Duration
from bot.domain.units import Level

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "data" / "policy.toml"
ESCALATION_LEVELS = (Level.DISTRICT, Level.PROVINCE)


def _duration(value: object) -> object:
    return Duration.parse(value) if isinstance(value, str) else value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class Deadlines(_Strict):
    acknowledge: Duration | None = None
    resolve: Duration | None = None

    _parse = field_validator("acknowledge", "resolve", mode="before")(_duration)


class Defaults(_Strict):
    acknowledge: Duration = Duration(1, "wd")
    resolve: Duration = Duration(15, "wd")
    escalation_step: Duration = Duration(1, "wd")

    _parse = field_validator("acknowledge", "resolve", "escalation_step", mode="before")(_duration)


class Escalation(_Strict):
    levels: tuple[Level, ...] = ESCALATION_LEVELS

    @field_validator("levels")
    @classmethod
    def _known_levels(cls, value: tuple[Level, ...]) -> tuple[Level, ...]:
        wrong = [level for level in value if level not in ESCALATION_LEVELS]
        if wrong:
            raise ValueError(f"only {', '.join(ESCALATION_LEVELS)} can sit between a unit and the ministry")
        return value


class DailySummary(_Strict):
    hour: int = Field(8, ge=0, le=23)


class Groups(_Strict):
    # Someone who is not enrolled joins a unit's group: tell the group and its supervisors
    # ("alert"), or also remove them at once ("remove").
    strangers: Literal["alert", "remove"] = "alert"


class Limits(_Strict):
    """How much one person may send and file (the sizes are explained in policy.toml)."""

    updates_burst: int = Field(60, ge=10)
    updates_per_minute: int = Field(30, ge=5)
    open_complaints: int = Field(5, ge=1)
    complaints_per_day: int = Field(3, ge=1)

    def day_start(self, now: float) -> float:
        """Midnight of `now`'s day in Phnom Penh: the day the daily cap counts."""
        local = datetime.fromtimestamp(now, TIMEZONE)
        return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()

    def cap_reached(self, open_count: int, filed_today: int) -> str | None:
        """Which cap stops a new complaint ("open" or "daily"), if any."""
        if open_count >= self.open_complaints:
            return "open"
        if filed_today >= self.complaints_per_day:
            return "daily"
        return None


class Policy(_Strict):
    defaults: Defaults = Defaults()
    escalation: Escalation = Escalation()
    daily_summary: DailySummary | None = None
    groups: Groups = Groups()
    limits: Limits = Limits()
    category: dict[str, Deadlines] = {}

    def acknowledge(self, category: str) -> Duration:
        own = self.category.get(category)
        return own.acknowledge if own and own.acknowledge else self.defaults.acknowledge

    def resolve(self, category: str) -> Duration:
        own = self.category.get(category)
        return own.resolve if own and own.resolve else self.defaults.resolve

    @property
    def escalation_step(self) -> Duration:
        return self.defaults.escalation_step

    def with_overrides(self, **defaults: Duration | None) -> Policy:
        """The environment's ACK_DEADLINE, RESOLVE_DEADLINE, ESCALATION_STEP replace the defaults."""
        changes = {k: v for k, v in defaults.items() if v is not None}
        return self.model_copy(update={"defaults": self.defaults.model_copy(update=changes)})


class PolicyError(ValueError):
    pass


def load_policy(path: Path | None = None, known_categories: set[str] | None = None) -> Policy:
    path = path or DEFAULT_FILE
    policy = load_toml(path, Policy, PolicyError)
    unknown = sorted(set(policy.category) - known_categories) if known_categories is not None else []
    if unknown:
        raise PolicyError(f"{path}: category.{unknown[0]}: no such category in the categories file")
    return policy
