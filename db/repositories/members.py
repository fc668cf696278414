"""Officers and supervisors enrolled in units, their one-time invitation links, who the bot has seen
in which group, and the removals from groups it asked Telegram for."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.access import Membership, Role
from db.database import Row, Tx


@dataclass(frozen=True)
class Member:
    id: int
    user_id: int
    unit_code: str
    role: Role
    display_name: str | None
    added_at: float


@dataclass(frozen=True)
class Invite:
    id: int
    token: str
    unit_code: str
    role: Role
    created_by: int
    expires_at: float
    used_by: int | None
    cancelled_at: float | None = None
    creator_name: str | None = None  # for listings: the creator's Telegram name when they created it


@dataclass(frozen=True)
class Removal:
    outbox_id: int
    chat_id: int
    user_id: int
    display_name: str | None
    unit_code: str | None
    requested_by: int | None
    reason: str  # revoked | stranger


_MEMBER = "id, user_id, unit_code, role, display_name, added_at"


def _member(r: Row) -> Member:
    return Member(r[0], r[1], r[2], Role(r[3]), r[4], r[5])


async def memberships(tx: Tx, user_id: int) -> tuple[Membership, ...]:
    rows = await tx.fetchall(
        "SELECT unit_code, role FROM members WHERE user_id = ? AND revoked_at IS NULL ORDER BY id", (user_id,)
    )
    return tuple(Membership(r[0], Role(r[1])) for r in rows)


async def roster(tx: Tx, unit_code: str) -> list[Member]:
    rows = await tx.fetchall(
        f"SELECT {_MEMBER} FROM members WHERE unit_code = ? AND revoked_at IS NULL ORDER BY role DESC, added_at",
        (unit_code,),
    )
    return [_member(r) for r in rows]


async def get(tx: Tx, member_id: int) -> Member | None:
    r = await tx.fetchone(f"SELECT {_MEMBER} FROM members WHERE id = ? AND revoked_at IS NULL", (member_id,))
    return _member(r) if r else None


async def supervisors_of(tx: Tx, unit_codes: Iterable[str]) -> list[int]:
    """The people enrolled as supervisors of any of these units (callers pass a unit and the units
    above it: everyone whose scope covers it)."""
    codes = sorted(set(unit_codes))
    if not codes:
        return []
    marks = ", ".join("?" for _ in codes)
    rows = await tx.fetchall(
        f"SELECT DISTINCT user_id FROM members WHERE role = ? AND revoked_at IS NULL AND unit_code IN ({marks}) "
        "ORDER BY user_id",
        (Role.SUPERVISOR.value, *codes),
    )
    return [r[0] for r in rows]


async def enrol(tx: Tx, user_id: int, unit_code: str, role: Role, display_name: str, added_by: int) -> None:
    """Enrol (or change the role of) a person in a unit."""
    await tx.execute(
        "UPDATE members SET revoked_at = ?, revoked_by = ? WHERE user_id = ? AND unit_code = ? AND revoked_at IS NULL",
        (time.time(), added_by, user_id, unit_code),
    )
    await tx.execute(
        "INSERT INTO members (user_id, unit_code, role, display_name, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?)",
        (user_id, unit_code, role, display_name, added_by, time.time()),
    )


async def revoke(tx: Tx, member_id: int, revoked_by: int) -> bool:
    changed = await tx.execute(
        "UPDATE members SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL",
        (time.time(), revoked_by, member_id),
    )
    return changed == 1


# --- invitations -----------------------------------------------------------------------------------

_INVITE = "i.id, i.token, i.unit_code, i.role, i.created_by, i.expires_at, i.used_by, i.cancelled_at, i.creator_name"


def _invite(r: Row) -> Invite:
    return Invite(r[0], r[1], r[2], Role(r[3]), r[4], r[5], r[6], r[7], r[8])


async def create_invite(
    tx: Tx, token: str, unit_code: str, role: Role, created_by: int, creator_name: str, expires_at: float
) -> None:
    await tx.execute(
        "INSERT INTO invites (token, unit_code, role, created_by, creator_name, created_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (token, unit_code, role, created_by, creator_name, time.time(), expires_at),
    )


async def invite(tx: Tx, token: str) -> Invite | None:
    r = await tx.fetchone(f"SELECT {_INVITE} FROM invites i WHERE i.token = ?", (token,))
    return _invite(r) if r else None


async def invite_by_id(tx: Tx, invite_id: int) -> Invite | None:
    r = await tx.fetchone(f"SELECT {_INVITE} FROM invites i WHERE i.id = ?", (invite_id,))
    return _invite(r) if r else None


async def outstanding_invites(tx: Tx, now: float, created_by: int | None = None) -> list[Invite]:
    """Unused, uncancelled, unexpired invitations, newest first (all of them, or one person's)."""
    where = "i.used_by IS NULL AND i.cancelled_at IS NULL AND i.expires_at > ?"
    params: tuple = (now,)
    if created_by is not None:
        where += " AND i.created_by = ?"
        params = (now, created_by)
    rows = await tx.fetchall(f"SELECT {_INVITE} FROM invites i WHERE {where} ORDER BY i.id DESC", params)
    return [_invite(r) for r in rows]


async def use_invite(tx: Tx, token: str, user_id: int) -> bool:
    """Claim the invite; False if someone else already used it (one-time) or it was cancelled."""
    changed = await tx.execute(
        "UPDATE invites SET used_by = ?, used_at = ? WHERE token = ? AND used_by IS NULL AND cancelled_at IS NULL",
        (user_id, time.time(), token),
    )
    return changed == 1


async def cancel_invite(tx: Tx, invite_id: int, cancelled_by: int) -> bool:
    """Cancel an unused invitation; False if it was used or cancelled meanwhile."""
    changed = await tx.execute(
        "UPDATE invites SET cancelled_by = ?, cancelled_at = ? "
        "WHERE id = ? AND used_by IS NULL AND cancelled_at IS NULL",
        (cancelled_by, time.time(), invite_id),
    )
    return changed == 1


# --- who the bot has seen in which group -------------------------------------------------------------


async def set_presence(tx: Tx, chat_id: int, user_id: int, present: bool) -> None:
    await tx.execute(
        "INSERT INTO group_presence (chat_id, user_id, present, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (chat_id, user_id) DO UPDATE SET present = excluded.present, updated_at = excluded.updated_at",
        (chat_id, user_id, int(present), time.time()),
    )


async def groups_seen_in(tx: Tx, user_id: int) -> set[int]:
    """The groups the person was in when the bot last saw them there."""
    rows = await tx.fetchall("SELECT chat_id FROM group_presence WHERE user_id = ? AND present = 1", (user_id,))
    return {r[0] for r in rows}


async def move_presence(tx: Tx, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup: the same people are in it."""
    await tx.execute(
        "INSERT INTO group_presence (chat_id, user_id, present, updated_at) "
        "SELECT CAST(? AS BIGINT), user_id, present, updated_at FROM group_presence WHERE chat_id = ? "
        "ON CONFLICT (chat_id, user_id) DO NOTHING",
        (new_chat_id, old_chat_id),
    )


# --- removals from groups ------------------------------------------------------------------------------


async def record_removal(tx: Tx, removal: Removal) -> None:
    await tx.execute(
        "INSERT INTO removals (outbox_id, chat_id, user_id, display_name, unit_code, requested_by, reason, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            removal.outbox_id,
            removal.chat_id,
            removal.user_id,
            removal.display_name,
            removal.unit_code,
            removal.requested_by,
            removal.reason,
            time.time(),
        ),
    )


async def removal_of(tx: Tx, outbox_id: int) -> Removal | None:
    """The removal a banChatMember outbox row was for."""
    r = await tx.fetchone(
        "SELECT outbox_id, chat_id, user_id, display_name, unit_code, requested_by, reason FROM removals "
        "WHERE outbox_id = ?",
        (outbox_id,),
    )
    return Removal(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) if r else None
