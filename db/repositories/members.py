"""Officers and supervisors enrolled in units, and their one-time invitation links."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.domain.access import Membership, Role
from db.database import Tx


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
    token: str
    unit_code: str
    role: Role
    created_by: int
    expires_at: float
    used_by: int | None


async def memberships(tx: Tx, user_id: int) -> tuple[Membership, ...]:
    rows = await tx.fetchall(
        "SELECT unit_code, role FROM members WHERE user_id = ? AND revoked_at IS NULL ORDER BY id", (user_id,)
    )
    return tuple(Membership(r[0], Role(r[1])) for r in rows)


async def roster(tx: Tx, unit_code: str) -> list[Member]:
    rows = await tx.fetchall(
        "SELECT id, user_id, unit_code, role, display_name, added_at FROM members "
        "WHERE unit_code = ? AND revoked_at IS NULL ORDER BY role DESC, added_at",
        (unit_code,),
    )
    return [Member(r[0], r[1], r[2], Role(r[3]), r[4], r[5]) for r in rows]


async def get(tx: Tx, member_id: int) -> Member | None:
    r = await tx.fetchone(
        "SELECT id, user_id, unit_code, role, display_name, added_at FROM members WHERE id = ? AND revoked_at IS NULL",
        (member_id,),
    )
    return Member(r[0], r[1], r[2], Role(r[3]), r[4], r[5]) if r else None


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


async def create_invite(tx: Tx, token: str, unit_code: str, role: Role, created_by: int, expires_at: float) -> None:
    await tx.execute(
        "INSERT INTO invites (token, unit_code, role, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        (token, unit_code, role, created_by, time.time(), expires_at),
    )


async def invite(tx: Tx, token: str) -> Invite | None:
    r = await tx.fetchone(
        "SELECT token, unit_code, role, created_by, expires_at, used_by FROM invites WHERE token = ?", (token,)
    )
    return Invite(r[0], r[1], Role(r[2]), r[3], r[4], r[5]) if r else None


async def use_invite(tx: Tx, token: str, user_id: int) -> bool:
    """Claim the invite; False if someone else already used it (one-time)."""
    changed = await tx.execute(
        "UPDATE invites SET used_by = ?, used_at = ? WHERE token = ? AND used_by IS NULL", (user_id, time.time(), token)
    )
    return changed == 1
