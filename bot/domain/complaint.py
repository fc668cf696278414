"""A filed complaint and its lifecycle."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.intake import Draft, Evidence


class Status(StrEnum):
    SUBMITTED = "submitted"  # filed; waiting for the responsible unit to acknowledge it
    ACKNOWLEDGED = "acknowledged"  # an officer took it on
    RESOLVED = "resolved"
    REJECTED = "rejected"


# Which status changes the lifecycle allows; anything else is refused, whoever asks.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.SUBMITTED: frozenset({Status.ACKNOWLEDGED, Status.REJECTED, Status.RESOLVED}),
    Status.ACKNOWLEDGED: frozenset({Status.RESOLVED, Status.REJECTED}),
    Status.RESOLVED: frozenset({Status.ACKNOWLEDGED}),  # reopened on appeal
    Status.REJECTED: frozenset(),
}

OPEN_STATUSES = frozenset({Status.SUBMITTED, Status.ACKNOWLEDGED})


def can_change(current: Status, new: Status) -> bool:
    return new in TRANSITIONS[current]


@dataclass(frozen=True)
class Complaint:
    id: int
    tracking_no: str
    citizen_id: int
    category: str
    province_code: str
    district_code: str
    commune_code: str
    description: str
    contact_mode: str
    phone: str | None
    lang: str
    status: Status
    created_at: float
    updated_at: float
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class NewComplaint:
    """Everything needed to file a complaint from a finished draft."""

    citizen_id: int
    draft_seq: int
    draft: Draft
    lang: str

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return self.draft.evidence
