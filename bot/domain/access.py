"""Who may do what, decided from roles and the unit tree; checked on every command and button."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.units import MINISTRY, Registry


class Role(StrEnum):
    OFFICER = "officer"  # acts on the complaints of their own unit
    SUPERVISOR = "supervisor"  # acts on, and manages, their unit and everything under it


@dataclass(frozen=True)
class Membership:
    unit_code: str
    role: Role


@dataclass(frozen=True)
class Actor:
    user_id: int
    is_admin: bool = False  # ADMIN_IDS: the ministry's system administrators
    memberships: tuple[Membership, ...] = ()

    @property
    def is_staff(self) -> bool:
        return self.is_admin or bool(self.memberships)

    def role_at(self, unit_code: str, registry: Registry) -> str | None:
        """The strongest role this actor has over the unit, for the audit log."""
        if self.is_admin:
            return "admin"
        for m in self.memberships:
            if m.role == Role.SUPERVISOR and registry.covers(m.unit_code, unit_code):
                return "supervisor"
        if any(m.unit_code == unit_code for m in self.memberships):
            return "officer"
        return None

    def can_handle(self, unit_code: str, registry: Registry) -> bool:
        """Act on a complaint the unit holds: its officers, supervisors above it, admins."""
        return self.role_at(unit_code, registry) is not None

    def can_manage(self, unit_code: str, registry: Registry) -> bool:
        """Bind chats, invite and revoke people: supervisors whose scope covers the unit, admins."""
        return self.role_at(unit_code, registry) in ("admin", "supervisor")

    def scopes(self) -> list[str]:
        """The units whose subtree this actor supervises (the whole tree for admins)."""
        if self.is_admin:
            return [MINISTRY]
        return [m.unit_code for m in self.memberships if m.role == Role.SUPERVISOR]
