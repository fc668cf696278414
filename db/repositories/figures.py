"""Supervisors' figures over a scope: the complaints handled by a unit and everything under it.

Every query is served by an index (tests/test_figures_plans.py asserts the query plans), so each
stays within milliseconds with a million complaints (bench/scale.py measures them).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.units import Level, Unit
from db.database import Tx
from db.dialect import day_number
from db.repositories import daily

DAY = 86400.0


@dataclass(frozen=True)
class Scope:
    """Selects the complaints a unit's subtree handles (complaints carry their handling unit's
    district and province for this)."""

    column: str | None  # None: the ministry sees everything
    code: str | None

    @classmethod
    def of(cls, unit: Unit) -> Scope:
        column = {Level.PROVINCE: "unit_province", Level.DISTRICT: "unit_district", Level.POST: "unit_code"}
        return cls(None, None) if unit.level == Level.MINISTRY else cls(column[unit.level], unit.code)

    def where(self, alias: str = "") -> str:
        return "1 = 1" if self.column is None else f"{alias}{self.column} = ?"

    @property
    def condition(self) -> str:
        return self.where()

    @property
    def params(self) -> tuple[str, ...]:
        return () if self.code is None else (self.code,)


@dataclass(frozen=True)
class Figures:
    waiting: int  # submitted, not yet acknowledged
    in_progress: int  # acknowledged, not yet resolved
    overdue_ack: int
    overdue_resolve: int
    acknowledged_7: int
    acknowledged_30: int
    resolved_7: int
    resolved_30: int
    median_ack_s: float | None  # over the last `median_days`
    median_resolve_s: float | None
    worst_units: list[tuple[str, int]]  # unit code, overdue count
    median_days: int = 30


@dataclass(frozen=True)
class OpenItem:
    id: int
    tracking_no: str
    category: str
    unit_code: str
    status: str
    created_at: float
    due_at: float | None


async def figures(tx: Tx, scope: Scope, now: float, median_days: int = 30) -> Figures:
    code = scope.code or daily.MINISTRY
    opened = await daily.open_counts(tx, code)
    late = await overdue_totals(tx, scope, now)
    windows = await daily.windows(tx, code, ("acknowledged", "resolved"), now, median_days)
    ack_7, ack_30, median_ack = windows["acknowledged"]
    res_7, res_30, median_res = windows["resolved"]
    return Figures(
        waiting=opened.get("submitted", 0),
        in_progress=opened.get("acknowledged", 0),
        overdue_ack=late.get("submitted", 0),
        overdue_resolve=late.get("acknowledged", 0),
        acknowledged_7=ack_7,
        acknowledged_30=ack_30,
        resolved_7=res_7,
        resolved_30=res_30,
        median_ack_s=median_ack,
        median_resolve_s=median_res,
        worst_units=await worst_units(tx, scope, now),
        median_days=median_days,
    )


async def overdue_totals(tx: Tx, scope: Scope, now: float) -> dict[str, int]:
    """Overdue open complaints by status: only those whose deadline has passed, a range of the index."""
    rows = await tx.fetchall(
        f"SELECT status, COUNT(*) FROM complaints WHERE {scope.condition} AND status IN ('submitted', 'acknowledged') "
        "AND due_at < ? GROUP BY status",
        (*scope.params, now),
    )
    return {r[0]: r[1] for r in rows}


async def worst_units(tx: Tx, scope: Scope, now: float, limit: int = 5) -> list[tuple[str, int]]:
    rows = await tx.fetchall(
        f"SELECT unit_code, COUNT(*) AS late FROM complaints WHERE {scope.condition} "
        "AND status IN ('submitted', 'acknowledged') AND due_at < ? "
        "GROUP BY unit_code ORDER BY late DESC, unit_code LIMIT ?",
        (*scope.params, now, limit),
    )
    return [(r[0], r[1]) for r in rows]


async def open_items(
    tx: Tx, scope: Scope, now: float, *, overdue_only: bool, limit: int, offset: int = 0
) -> list[OpenItem]:
    """Open complaints, oldest deadline first (read in that order from the index)."""
    rows = await tx.fetchall(
        "SELECT id, tracking_no, category, unit_code, status, created_at, due_at "
        f"FROM complaints WHERE {scope.condition} AND status IN ('submitted', 'acknowledged') "
        f"{'AND due_at < ?' if overdue_only else ''} ORDER BY due_at LIMIT ? OFFSET ?",
        (*scope.params, *((now,) if overdue_only else ()), limit, offset),
    )
    return [OpenItem(*r) for r in rows]


async def count_open(tx: Tx, scope: Scope, now: float, *, overdue_only: bool) -> int:
    return int(
        await tx.fetchval(
            f"SELECT COUNT(*) FROM complaints WHERE {scope.condition} AND status IN ('submitted', 'acknowledged') "
            f"{'AND due_at < ?' if overdue_only else ''}",
            (*scope.params, *((now,) if overdue_only else ())),
        )
    )


async def per_day(tx: Tx, scope: Scope, since: float) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """Complaints filed, and complaints that became overdue, per day (Phnom Penh, UTC+7)."""
    day = day_number(tx.dialect, "created_at", 25200)
    filed = await tx.fetchall(
        f"SELECT {day} AS d, COUNT(*) FROM complaints WHERE created_at >= ? AND {scope.condition} "
        "GROUP BY d ORDER BY d",
        (since, *scope.params),
    )
    overdue = await tx.fetchall(
        f"SELECT {day_number(tx.dialect, 'e.at', 25200)} AS d, COUNT(DISTINCT e.complaint_id) FROM complaint_events e "
        f"JOIN complaints c ON c.id = e.complaint_id WHERE e.action = 'overdue' AND e.at >= ? AND "
        f"{scope.where('c.')} GROUP BY d ORDER BY d",
        (since, *scope.params),
    )
    return [(r[0], r[1]) for r in filed], [(r[0], r[1]) for r in overdue]


async def by_unit(tx: Tx, scope: Scope, group_column: str, since: float, now: float) -> list[tuple[str, int, int]]:
    """Filed since `since`, and overdue now, per province / district / unit below the scope."""
    rows = await tx.fetchall(
        f"SELECT {group_column} AS g, COUNT(*), SUM(CASE WHEN due_at < ? THEN 1 ELSE 0 END) "
        f"FROM complaints WHERE created_at >= ? AND {scope.condition} AND {group_column} IS NOT NULL "
        "GROUP BY g ORDER BY 2 DESC LIMIT 12",
        (now, since, *scope.params),
    )
    return [(r[0], r[1], r[2] or 0) for r in rows]


async def export_rows(tx: Tx, scope: Scope, since: float) -> list[dict]:
    rows = await tx.fetchall(
        "SELECT c.tracking_no, c.created_at, c.category, c.province_code, c.district_code, c.commune_code, "
        "c.unit_code, c.status, c.acknowledged_at, c.closed_at, c.pseudonym, c.contact_mode, c.phone, c.description, "
        "c.citizen_id, c.citizen_name AS first_name, c.citizen_username AS username, c.feedback, "
        "c.ack_due_at, c.resolve_due_at, c.escalated_to, "
        "(SELECT COUNT(*) FROM complaint_events e WHERE e.complaint_id = c.id "
        "AND e.action IN ('reopened', 'appealed')) AS reopened "
        "FROM complaints c WHERE c.created_at >= ? AND "
        f"{scope.where('c.')} ORDER BY c.created_at",
        (since, *scope.params),
    )
    return [dict(r) for r in rows]
