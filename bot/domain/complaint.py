"""A filed complaint: its statuses, what its card offers in each, and its stored form.

The moves between statuses, and what each causes, are bot.domain.lifecycle's.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.intake import Draft, Evidence


class Status(StrEnum):
    SUBMITTED = "submitted"  # filed; waiting for the responsible unit to acknowledge it
    ACKNOWLEDGED = "acknowledged"  # an officer took it on
    RESOLVED = "resolved"
    REJECTED = "rejected"


OPEN_STATUSES = frozenset({Status.SUBMITTED, Status.ACKNOWLEDGED})


class Action(StrEnum):
    """What an officer can do from a complaint's card."""

    ACKNOWLEDGE = "ack"
    REPLY = "reply"
    RESOLVE = "resolve"
    TRANSFER = "transfer"
    REJECT = "reject"


# The buttons a card offers in each status (what each press may then do is the lifecycle's).
ACTIONS: dict[Status, frozenset[Action]] = {
    Status.SUBMITTED: frozenset({Action.ACKNOWLEDGE, Action.REPLY, Action.RESOLVE, Action.TRANSFER, Action.REJECT}),
    Status.ACKNOWLEDGED: frozenset({Action.REPLY, Action.RESOLVE, Action.TRANSFER, Action.REJECT}),
    Status.RESOLVED: frozenset(),
    Status.REJECTED: frozenset(),
}


def allowed(status: Status, action: Action) -> bool:
    return action in ACTIONS[status]


class RejectReason(StrEnum):
    NOT_POLICE = "not_police"  # the citizen is told where to go instead
    DUPLICATE = "duplicate"
    ABUSIVE = "abusive"


class Feedback(StrEnum):
    SATISFIED = "up"
    UNSATISFIED = "down"


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
    unit_code: str | None = None  # the unit handling it (whose chat holds the card)
    responsible_code: str | None = None  # the unit routing chose; differs when its chat is missing
    pseudonym: str = ""  # how the police see the citizen, e.g. "7F3A"
    ack_due_at: float | None = None
    card_outbox_id: int | None = None  # the card in the handling unit's chat
    feedback: str | None = None
    resolve_due_at: float | None = None
    acknowledged_at: float | None = None
    closed_at: float | None = None
    escalated_to: str | None = None  # the highest level it was escalated to


@dataclass(frozen=True)
class NewComplaint:
    """Everything needed to file a complaint from a finished draft."""

    citizen_id: int
    draft_seq: int
    draft: Draft
    lang: str
    # The Telegram name and username when filing: for the ministry's /reveal only, never for posts.
    citizen_name: str | None = None
    citizen_username: str | None = None

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return self.draft.evidence
