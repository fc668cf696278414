"""Filed complaints, their evidence and their append-only event history."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from bot.domain import tracking
from bot.domain.complaint import Complaint, NewComplaint, Status
from bot.domain.intake import Draft
from db.database import Row, Tx
from db.repositories import daily

_COLUMNS = (
    "id, tracking_no, citizen_id, category, province_code, district_code, commune_code, description, "
    "contact_mode, phone, lang, status, created_at, updated_at, latitude, longitude, unit_code, responsible_code, "
    "pseudonym, ack_due_at, card_outbox_id, feedback, resolve_due_at, acknowledged_at, closed_at, escalated_to"
)


def _complaint(row: Row) -> Complaint:
    values = dict(row)
    values["status"] = Status(values["status"])
    return Complaint(**values)


@dataclass(frozen=True)
class Event:
    at: float
    actor_kind: str
    action: str
    from_status: str | None
    to_status: str | None
    unit_code: str | None
    detail: dict[str, Any]
    actor_id: int | None = None
    actor_role: str | None = None


async def file(tx: Tx, new: NewComplaint, gazetteer_year: int) -> Complaint:
    """Insert the complaint with a fresh tracking number and its evidence."""
    draft = new.draft
    now = time.time()
    pseudonym = secrets.token_hex(2).upper()  # per complaint: two complaints of one citizen are not linkable
    # A number another transaction took (even one still running, on PostgreSQL) makes the insert do
    # nothing: then try another. A check before inserting would race with concurrent writers.
    complaint_id = None
    while complaint_id is None:
        number = tracking.generate()
        complaint_id = await _insert_if_number_free(tx, number, new, gazetteer_year, pseudonym, now)
    await _add_evidence(tx, complaint_id, draft)
    # Its history starts with the "filed" entry that bot/services/delivery.dispatch writes.
    await daily.move_open(tx, [], None, [daily.MINISTRY], Status.SUBMITTED)
    found = await get(tx, complaint_id)
    assert found is not None
    return found


async def _add_evidence(tx: Tx, complaint_id: int, draft: Draft) -> None:
    if not draft.evidence:
        return
    await tx.executemany(
        "INSERT INTO complaint_evidence (complaint_id, position, kind, file_id, file_unique_id, message_id, caption, "
        "file_name, duration, account) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                complaint_id,
                i,
                e.kind,
                e.file_id,
                e.file_unique_id,
                e.message_id,
                e.caption,
                e.file_name,
                e.duration,
                int(e.account),
            )
            for i, e in enumerate(draft.evidence)
        ],
    )


async def _insert_if_number_free(
    tx: Tx, number: str, new: NewComplaint, gazetteer_year: int, pseudonym: str, now: float
) -> int | None:
    """The new complaint's id, or None when `number` is taken (ON CONFLICT on that key only: the
    same draft filed twice is still refused)."""
    draft, location = new.draft, new.draft.location
    return await tx.fetchval(
        "INSERT INTO complaints (tracking_no, citizen_id, draft_seq, category, province_code, district_code, "
        "commune_code, gazetteer_year, latitude, longitude, description, contact_mode, phone, lang, status, "
        "created_at, updated_at, pseudonym, citizen_name, citizen_username) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (tracking_no) DO NOTHING RETURNING id",
        (
            number,
            new.citizen_id,
            new.draft_seq,
            draft.category,
            draft.province,
            draft.district,
            draft.commune,
            gazetteer_year,
            location.latitude if location else None,
            location.longitude if location else None,
            draft.description_text,
            str(draft.contact_mode),
            draft.phone,
            new.lang,
            Status.SUBMITTED,
            now,
            now,
            pseudonym,
            new.citizen_name,
            new.citizen_username,
        ),
    )


async def add_event(
    tx: Tx,
    complaint_id: int,
    actor_kind: str,
    actor_id: int | None,
    action: str,
    from_status: str | None,
    to_status: str | None,
    *,
    actor_role: str | None = None,
    unit_code: str | None = None,
    detail: dict[str, Any] | None = None,
    at: float | None = None,
) -> None:
    await tx.execute(
        "INSERT INTO complaint_events (complaint_id, at, actor_kind, actor_id, actor_role, unit_code, action, "
        "from_status, to_status, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            complaint_id,
            at or time.time(),
            actor_kind,
            actor_id,
            actor_role,
            unit_code,
            action,
            from_status,
            to_status,
            json.dumps(detail or {}, ensure_ascii=False),
        ),
    )


async def get(tx: Tx, complaint_id: int, *, lock: bool = False) -> Complaint | None:
    """`lock`: the complaint stays as read until this transaction ends (a move is decided on what
    was read: two officers pressing at once on PostgreSQL must not both act; SQLite is serial)."""
    row = await tx.fetchone(
        f"SELECT {_COLUMNS} FROM complaints WHERE id = ?{tx.for_update if lock else ''}", (complaint_id,)
    )
    return _complaint(row) if row else None


async def by_draft(tx: Tx, citizen_id: int, draft_seq: int) -> Complaint | None:
    row = await tx.fetchone(
        f"SELECT {_COLUMNS} FROM complaints WHERE citizen_id = ? AND draft_seq = ?", (citizen_id, draft_seq)
    )
    return _complaint(row) if row else None


async def of_citizen_by_number(tx: Tx, citizen_id: int, tracking_no: str) -> Complaint | None:
    """The complaint with that number, only if this citizen filed it."""
    row = await tx.fetchone(
        f"SELECT {_COLUMNS} FROM complaints WHERE tracking_no = ? AND citizen_id = ?", (tracking_no, citizen_id)
    )
    return _complaint(row) if row else None


async def of_citizen(tx: Tx, citizen_id: int, limit: int, offset: int = 0) -> list[Complaint]:
    rows = await tx.fetchall(
        f"SELECT {_COLUMNS} FROM complaints WHERE citizen_id = ? ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
        (citizen_id, limit, offset),
    )
    return [_complaint(r) for r in rows]


async def count_of_citizen(tx: Tx, citizen_id: int) -> int:
    return int(await tx.fetchval("SELECT COUNT(*) FROM complaints WHERE citizen_id = ?", (citizen_id,)))


async def evidence_count(tx: Tx, complaint_id: int) -> int:
    return int(await tx.fetchval("SELECT COUNT(*) FROM complaint_evidence WHERE complaint_id = ?", (complaint_id,)))


async def events(tx: Tx, complaint_id: int) -> list[Event]:
    rows = await tx.fetchall(
        "SELECT at, actor_kind, action, from_status, to_status, unit_code, detail, actor_id, actor_role "
        "FROM complaint_events WHERE complaint_id = ? ORDER BY id",
        (complaint_id,),
    )
    return [
        Event(
            r["at"],
            r["actor_kind"],
            r["action"],
            r["from_status"],
            r["to_status"],
            r["unit_code"],
            json.loads(r["detail"] or "{}"),
            r["actor_id"],
            r["actor_role"],
        )
        for r in rows
    ]


async def by_number(tx: Tx, tracking_no: str) -> Complaint | None:
    """Any complaint by number: for staff, whose scope the caller checks."""
    row = await tx.fetchone(f"SELECT {_COLUMNS} FROM complaints WHERE tracking_no = ?", (tracking_no,))
    return _complaint(row) if row else None


async def by_bot_message(tx: Tx, chat_id: int, message_id: int) -> Complaint | None:
    """The complaint a message the bot sent is about (a card, a relayed message, a prompt)."""
    row = await tx.fetchone(
        f"SELECT {_COLUMNS} FROM complaints WHERE id = (SELECT complaint_id FROM messages "
        "WHERE chat_id = ? AND message_id = ? AND complaint_id IS NOT NULL ORDER BY outbox_id LIMIT 1)",
        (chat_id, message_id),
    )
    return _complaint(row) if row else None


async def assign(
    tx: Tx,
    complaint_id: int,
    unit_code: str | None,
    responsible_code: str,
    *,
    district: str | None,
    province: str | None,
) -> None:
    """The unit handling it now; `district`/`province`: that unit's, for supervisors' scopes."""
    before = await _scope_row(tx, complaint_id)
    await tx.execute(
        "UPDATE complaints SET unit_code = ?, responsible_code = ?, unit_district = ?, unit_province = ?, "
        "updated_at = ? WHERE id = ?",
        (unit_code, responsible_code, district, province, time.time(), complaint_id),
    )
    after = await _scope_row(tx, complaint_id)
    if before and after:
        await daily.move_open(tx, daily.scopes_of(before), before["status"], daily.scopes_of(after), after["status"])


async def _scope_row(tx: Tx, complaint_id: int) -> Row | None:
    return await tx.fetchone(
        "SELECT status, created_at, acknowledged_at, closed_at, unit_code, unit_district, unit_province "
        "FROM complaints WHERE id = ?",
        (complaint_id,),
    )


_CURRENT_DUE = (
    "due_at = CASE status WHEN 'submitted' THEN ack_due_at WHEN 'acknowledged' THEN resolve_due_at ELSE NULL END"
)


async def set_due(tx: Tx, complaint_id: int, *, ack_due_at: float | None, resolve_due_at: float | None) -> None:
    await tx.execute(
        "UPDATE complaints SET ack_due_at = ?, resolve_due_at = ? WHERE id = ?",
        (ack_due_at, resolve_due_at, complaint_id),
    )
    await tx.execute(f"UPDATE complaints SET {_CURRENT_DUE} WHERE id = ?", (complaint_id,))


async def set_escalated_to(tx: Tx, complaint_id: int, unit_code: str | None) -> None:
    """The highest level holding a live escalation of it (None: none does)."""
    await tx.execute("UPDATE complaints SET escalated_to = ? WHERE id = ?", (unit_code, complaint_id))


async def set_card(tx: Tx, complaint_id: int, outbox_id: int | None) -> None:
    await tx.execute("UPDATE complaints SET card_outbox_id = ? WHERE id = ?", (outbox_id, complaint_id))


async def set_status(tx: Tx, complaint_id: int, status: Status) -> None:
    """Also stamps when it was first acknowledged and when it was closed, and counts it in the
    daily figures of every scope above its unit."""
    now = time.time()
    before = await _scope_row(tx, complaint_id)
    await tx.execute(
        "UPDATE complaints SET status = ?, updated_at = ?, "
        "acknowledged_at = CASE WHEN ? = 'acknowledged' AND acknowledged_at IS NULL THEN ? ELSE acknowledged_at END, "
        "closed_at = ? "  # decided here: PostgreSQL cannot type a parameter next to a bare NULL
        "WHERE id = ?",
        (status, now, status, now, now if status in (Status.RESOLVED, Status.REJECTED) else None, complaint_id),
    )
    await tx.execute(f"UPDATE complaints SET {_CURRENT_DUE} WHERE id = ?", (complaint_id,))
    row = await _scope_row(tx, complaint_id)
    if row is None or before is None:
        return
    await daily.move_open(tx, daily.scopes_of(before), before["status"], daily.scopes_of(row), row["status"])
    if status == Status.ACKNOWLEDGED and row["acknowledged_at"] == now:  # the first acknowledgement
        await daily.count(tx, daily.scopes_of(row), "acknowledged", now, now - row["created_at"])
    elif status == Status.RESOLVED:
        await daily.count(tx, daily.scopes_of(row), "resolved", now, now - row["created_at"])


async def set_feedback(tx: Tx, complaint_id: int, feedback: str | None) -> None:
    await tx.execute(
        "UPDATE complaints SET feedback = ?, updated_at = ? WHERE id = ?", (feedback, time.time(), complaint_id)
    )


async def waiting_for_a_unit(tx: Tx) -> list[Complaint]:
    rows = await tx.fetchall(
        f"SELECT {_COLUMNS} FROM complaints WHERE unit_code IS NULL AND status = 'submitted' ORDER BY id"
    )
    return [_complaint(r) for r in rows]


async def evidence(tx: Tx, complaint_id: int) -> list[Row]:
    return await tx.fetchall(
        "SELECT kind, message_id, caption, file_id, file_name, duration, account FROM complaint_evidence "
        "WHERE complaint_id = ? "
        "ORDER BY position",
        (complaint_id,),
    )
