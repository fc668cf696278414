"""The complaint intake: one step per message, as a pure state machine over a Draft.

The handlers turn Telegram updates into calls of these functions and store the returned draft
before answering, so a restart resumes the citizen at the same step with everything they typed.
Every function returns a new Draft (or raises IntakeError with a reason the UI translates).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.evidence_files import MAX_DOCUMENT_BYTES, cleanable_picture_type
from bot.domain.textnorm import letter_count
from bot.domain.textsplit import split_plain


class Step(StrEnum):
    CATEGORY = "category"
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"
    DESCRIPTION = "description"
    EVIDENCE = "evidence"
    CONTACT = "contact"
    REVIEW = "review"


ORDER: tuple[Step, ...] = tuple(Step)
PLACE_STEPS = (Step.PROVINCE, Step.DISTRICT, Step.COMMUNE)
# Steps the review screen can send the citizen back to.
EDITABLE = (Step.CATEGORY, Step.PROVINCE, Step.DESCRIPTION, Step.EVIDENCE, Step.CONTACT)

DESCRIPTION_MIN_LETTERS = 6
# A whole account as citizens wrote them on the minister's Facebook page (often 5,000 characters, sent
# as two Telegram messages) fits twice over. The card and the review show its start; the rest follows
# the card in messages of its own (bot.views.card.account_parts).
DESCRIPTION_MAX_CHARS = 12000
_SMALLEST_PIECE = 40  # of a message cut to fit the description
EVIDENCE_MAX = 10

EVIDENCE_KINDS = ("photo", "video", "voice", "audio", "document", "video_note", "animation")
SPOKEN_KINDS = ("voice", "video_note")  # recorded in Telegram by holding the microphone (or camera) button


class ContactMode(StrEnum):
    SHARED = "shared"  # the Telegram account's own number, via the share-contact button
    TYPED = "typed"
    ANONYMOUS = "anonymous"


class IntakeError(Exception):
    """A citizen's input that cannot be accepted; `reason` selects the translated explanation."""

    def __init__(self, reason: str, **details: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


@dataclass(frozen=True)
class Evidence:
    kind: str
    file_id: str
    file_unique_id: str
    message_id: int  # in the citizen's private chat, so the post can get a copy later
    caption: str | None = None
    file_name: str | None = None
    file_size: int | None = None  # bytes, as Telegram reports it (it may not)
    mime_type: str | None = None  # as the citizen's app claims it
    duration: int | None = None  # seconds, for voice, video and audio
    # A voice or video message sent at the "what happened" step: the citizen's account itself,
    # for those who cannot write well (it counts as the description, and the card says so).
    account: bool = False


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Draft:
    step: Step = Step.CATEGORY
    category: str | None = None
    province: str | None = None
    district: str | None = None
    commune: str | None = None
    location: Location | None = None
    description: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    contact_mode: ContactMode | None = None
    phone: str | None = None
    # True while the citizen changes one part from the review screen: finishing that part returns
    # to the review instead of walking through the remaining steps again.
    editing: bool = False
    # The album (Telegram media group) the last file belonged to: an album of ten photos arrives as
    # ten messages, and the citizen should get one acknowledgement, not ten.
    media_group_id: str | None = None
    revision: int = field(default=0, compare=False)

    # --- serialization (drafts are stored as JSON: portable across SQLite and PostgreSQL) ---

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Draft:
        data = json.loads(text)
        data["step"] = Step(data["step"])
        data["location"] = Location(**data["location"]) if data.get("location") else None
        data["description"] = tuple(data.get("description", ()))
        data["evidence"] = tuple(Evidence(**e) for e in data.get("evidence", ()))
        data["contact_mode"] = ContactMode(data["contact_mode"]) if data.get("contact_mode") else None
        return cls(**data)

    # --- derived facts ---

    @property
    def description_text(self) -> str:
        return "\n\n".join(self.description)

    @property
    def spoken(self) -> tuple[Evidence, ...]:
        """The voice and video messages that tell what happened."""
        return tuple(e for e in self.evidence if e.account)

    @property
    def described(self) -> bool:
        """What happened is told: in enough written letters, or in a voice message."""
        return bool(self.spoken) or letter_count(self.description_text) >= DESCRIPTION_MIN_LETTERS

    def missing(self) -> list[Step]:
        """Steps whose answer is still missing (evidence is optional)."""
        gaps = []
        if not self.category:
            gaps.append(Step.CATEGORY)
        if not self.commune:
            gaps.append(Step.PROVINCE)
        if not self.described:
            gaps.append(Step.DESCRIPTION)
        if self.contact_mode is None:
            gaps.append(Step.CONTACT)
        return gaps

    def _with(self, **changes: object) -> Draft:
        return dataclasses.replace(self, revision=self.revision + 1, **changes)


def _next_step(draft: Draft, after: Step) -> Step:
    if draft.editing:
        return Step.REVIEW
    return ORDER[ORDER.index(after) + 1]


def _done(draft: Draft, after: Step, **changes: object) -> Draft:
    """Record an answer to step `after` and move on."""
    updated = draft._with(**changes)
    step = _next_step(updated, after)
    return dataclasses.replace(updated, step=step, editing=updated.editing and step != Step.REVIEW)


def choose_category(draft: Draft, key: str, valid_keys: set[str]) -> Draft:
    if draft.step != Step.CATEGORY:
        raise IntakeError("stale")
    if key not in valid_keys:
        raise IntakeError("unknown_choice")
    return _done(draft, Step.CATEGORY, category=key)


def choose_place(draft: Draft, code: str, path: list[str]) -> Draft:
    """The citizen picked (or typed) a place; `path` is its [province, district, commune] codes.

    A typed commune name fills all three levels at once; a province or district moves to the next
    level down. Choosing a different higher level clears the lower ones.
    """
    if draft.step not in PLACE_STEPS:
        raise IntakeError("stale")
    province, district, commune = ([*path, None, None, None])[:3]
    if not province or path[-1] != code:
        raise IntakeError("unknown_choice")
    if commune:
        return _done(draft, Step.COMMUNE, province=province, district=district, commune=commune)
    step = Step.COMMUNE if district else Step.DISTRICT
    return draft._with(step=step, province=province, district=district, commune=None)


def back(draft: Draft) -> Draft | None:
    """One step back; None means 'leave the intake' (Back on the first step: the draft is kept)."""
    # While changing one part from the review, Back returns to the review, except inside the place
    # levels after a new province was chosen (the place would otherwise be left half-answered).
    if draft.editing and (draft.step not in (Step.DISTRICT, Step.COMMUNE) or draft.commune):
        return draft._with(step=Step.REVIEW, editing=False)
    if draft.step == Step.CATEGORY:
        return None
    previous = ORDER[ORDER.index(draft.step) - 1]
    return draft._with(step=previous)


def fit_description(draft: Draft, text: str) -> tuple[str, int]:
    """The part of `text` that still fits the description, cut at a word or line boundary, and how
    many characters did not fit: a long account is kept as far as it goes, never refused whole."""
    text = text.strip()
    room = DESCRIPTION_MAX_CHARS - len(draft.description_text) - (2 if draft.description else 0)
    if len(text) <= room:
        return text, 0
    if room < _SMALLEST_PIECE:  # a word or two cut off mid-sentence says nothing: the description is full
        return "", len(text)
    kept = split_plain(text, room, len)[0]
    return kept, len(text) - len(kept)


def add_description(draft: Draft, text: str) -> Draft:
    """Append one message to the description: citizens often write in several messages."""
    if draft.step not in (Step.DESCRIPTION, Step.EVIDENCE):
        raise IntakeError("stale")
    text = text.strip()
    if not text:
        raise IntakeError("empty_text")
    used = len(draft.description_text) + (2 if draft.description else 0)
    if used + len(text) > DESCRIPTION_MAX_CHARS:
        raise IntakeError(
            "description_too_long", limit=DESCRIPTION_MAX_CHARS, left=max(0, DESCRIPTION_MAX_CHARS - used)
        )
    return draft._with(description=(*draft.description, text))


def finish_description(draft: Draft) -> Draft:
    if draft.step != Step.DESCRIPTION:
        raise IntakeError("stale")
    if not draft.described:
        raise IntakeError("description_too_short", minimum=DESCRIPTION_MIN_LETTERS)
    return _done(draft, Step.DESCRIPTION)


def add_evidence(draft: Draft, item: Evidence) -> Draft:
    """Photos, videos, voice notes and documents are accepted at any step of the intake."""
    if item.kind not in EVIDENCE_KINDS:
        raise IntakeError("unsupported_media")
    if any(e.file_unique_id == item.file_unique_id for e in draft.evidence):
        return draft  # the same file sent twice (or a redelivered update): keep one
    if len(draft.evidence) >= EVIDENCE_MAX:
        raise IntakeError("evidence_full", limit=EVIDENCE_MAX)
    if item.kind == "document":
        _check_document(item)
    if draft.step == Step.DESCRIPTION and item.kind in SPOKEN_KINDS:
        item = dataclasses.replace(item, account=True)
    return draft._with(evidence=(*draft.evidence, item))


def _check_document(item: Evidence) -> None:
    """A document reaches the post only after the bot has downloaded and cleaned it
    (bot.domain.evidence_files): refuse now, while the citizen can still send it another way, what
    could never be cleaned."""
    if item.file_size is not None and item.file_size > MAX_DOCUMENT_BYTES:
        raise IntakeError("document_too_big", limit_mb=MAX_DOCUMENT_BYTES // (1024 * 1024))
    if cleanable_picture_type(item.mime_type) is False:  # e.g. HEIC: its location data would go along
        raise IntakeError("picture_not_cleanable")


def remember_media_group(draft: Draft, media_group_id: str | None) -> Draft:
    return dataclasses.replace(draft, media_group_id=media_group_id)


def finish_evidence(draft: Draft) -> Draft:
    if draft.step != Step.EVIDENCE:
        raise IntakeError("stale")
    return _done(draft, Step.EVIDENCE)


def set_location(draft: Draft, latitude: float, longitude: float) -> Draft:
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise IntakeError("unknown_choice")
    return draft._with(location=Location(latitude, longitude))


def set_contact(draft: Draft, mode: ContactMode, phone: str | None = None) -> Draft:
    if draft.step != Step.CONTACT:
        raise IntakeError("stale")
    if (mode == ContactMode.ANONYMOUS) != (phone is None):
        raise IntakeError("unknown_choice")
    return _done(draft, Step.CONTACT, contact_mode=mode, phone=phone)


def edit(draft: Draft, step: Step) -> Draft:
    if draft.step != Step.REVIEW:
        raise IntakeError("stale")
    if step not in EDITABLE:
        raise IntakeError("unknown_choice")
    return draft._with(step=step, editing=True)


def ready_to_submit(draft: Draft) -> None:
    if draft.step != Step.REVIEW:
        raise IntakeError("stale")
    if draft.missing():
        raise IntakeError("incomplete")
