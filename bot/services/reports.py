"""/stats (a chart) and /export (a spreadsheet): the two heavy answers for supervisors.

The database has one connection and one lock (db/database.py): whatever runs inside a transaction
makes every other chat wait. So each report is made in three steps: read what it needs in a read
snapshot; draw the chart or write the CSV in a worker thread, outside any lock; then one short write
transaction re-checks the person's rights, stores the file, the audit row and the answer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from bot import charts, spreadsheets
from bot.domain.categories import Categories
from bot.domain.places import Gazetteer
from bot.domain.textnorm import to_latin_digits
from bot.domain.units import Level, Registry, Unit
from bot.i18n import Translator
from bot.outgoing import Outgoing
from bot.services.session import Person, Services, Session, session
from bot.services.supervision import can_reveal, scopes
from bot.views import export as export_views
from bot.views import reports as words
from bot.views import supervision as views
from db.repositories import audit, figures, uploads, users
from db.repositories.figures import Figures, Scope

DAY = 86400.0
PHNOM_PENH = 7 * 3600.0  # UTC+7 all year
MAX_DAYS = 366
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Snapshot(Session):
    """A person's session over a read snapshot: who they are, the registry, their language. It can
    queue nothing: a snapshot is rolled back, so a message queued here would be lost."""

    async def queue(self, item: Outgoing) -> int:
        raise RuntimeError("a read snapshot cannot queue messages")


@asynccontextmanager
async def _snapshot(services: Services, person: Person) -> AsyncIterator[Session]:
    async with services.db.read() as tx:
        user = await users.get(tx, person.user_id) or users.User(person.user_id, None, None, 0)
        yield _Snapshot(services, tx, person, user)


def days_asked(args: list[str], default: int = 30) -> int:
    digits = "".join(ch for ch in to_latin_digits(args[0]) if ch.isdigit()) if args else ""
    return max(1, min(MAX_DAYS, int(digits))) if digits else default


@dataclass(frozen=True)
class _Request:
    """What a report is made from, and with which rights (re-checked before it is sent)."""

    unit: Unit
    days: int
    identities: bool


async def _request(s: Session, args: list[str], *, with_identities: bool) -> _Request | None:
    """The report a supervisor asks for: their first scope; None for anyone else."""
    actor, registry = await s.actor(), await s.registry()
    mine = scopes(actor, registry)
    if not mine:
        return None
    return _Request(mine[0], days_asked(args), with_identities and can_reveal(actor, registry))


async def _rights_hold(s: Session, request: _Request) -> bool:
    """Still a supervisor of that scope (and still allowed identities, if the file has them)?"""
    actor, registry = await s.actor(), await s.registry()
    in_scope = any(u.code == request.unit.code for u in scopes(actor, registry))
    return in_scope and (can_reveal(actor, registry) or not request.identities)


# --- /stats ------------------------------------------------------------------------------------


async def stats(services: Services, person: Person, args: list[str]) -> None:
    async with _snapshot(services, person) as s:
        request = await _request(s, args, with_identities=False)
        read = await _read_stats(s, request) if request else None
    png = await asyncio.to_thread(charts.render, *read[1]) if read else b""
    async with session(services, person) as s:
        if request is None or read is None or not await _rights_hold(s, request):
            await s.say(views.refusal(s.t))
            return
        upload_id = await uploads.add(s.tx, f"stats-{request.unit.code}-{request.days}d.png", "image/png", png)
        caption = words.stats_caption(s.t, request.days, read[0], (await s.registry()).units)
        await s.queue(
            Outgoing(
                s.person.chat_id,
                "sendPhoto",
                {"photo": {"upload": upload_id}, "caption": caption, "parse_mode": "HTML"},
            )
        )


async def _read_stats(s: Session, request: _Request) -> tuple[Figures, tuple]:
    """The figures for the caption and the chart's arguments, all read in the snapshot."""
    registry, unit, now = await s.registry(), request.unit, time.time()
    scope, since = Scope.of(unit), first_day(now, request.days)
    found = await figures.figures(s.tx, scope, now, median_days=request.days)
    filed, late = await figures.per_day(s.tx, scope, since)
    group = {Level.MINISTRY: "unit_province", Level.PROVINCE: "unit_district"}.get(unit.level, "unit_code")
    rows = await figures.by_unit(s.tx, scope, group, since, now)
    # Provinces and districts by their place names (Siem Reap, not "Siem Reap Provincial Police
    # Commissariat" 25 times over); posts under a district by their unit names.
    by_place = s.services.gazetteer if group != "unit_code" else None
    named = [(_row_name(registry, by_place, code, s.t.lang), f, o) for code, f, o in rows]
    return found, (words.chart_text(s.t, unit, request.days), *_daily_series(s.t, since, now, filed, late), named)


def _row_name(registry: Registry, places: Gazetteer | None, code: str, lang: str) -> str:
    place = places.get(code) if places else None
    if place is not None:
        return place.name(lang)
    unit = registry.get(code)
    return unit.name(lang) if unit else code


def _daily_series(
    t: Translator, since: float, now: float, filed: list[tuple[str, int]], late: list[tuple[str, int]]
) -> tuple[list[str], list[int], list[int]]:
    filed_by, late_by = dict(filed), dict(late)
    days, counts, overdue = [], [], []
    day = since
    while day <= now:  # `since` is a Phnom Penh midnight: one entry per calendar day, today last
        key = datetime.fromtimestamp(day + PHNOM_PENH, UTC).strftime("%Y-%m-%d")
        days.append(t.digits(f"{int(key[8:])}/{int(key[5:7])}"))
        counts.append(filed_by.get(key, 0))
        overdue.append(late_by.get(key, 0))
        day += DAY
    return days, counts, overdue


def first_day(now: float, days: int) -> float:
    """The Phnom Penh midnight that starts a view of `days` calendar days ending today: "the last 7
    days" are today and the 6 before it, exactly 7 bars (Cambodia has no daylight saving time)."""
    today = (now + PHNOM_PENH) // DAY * DAY - PHNOM_PENH
    return today - (days - 1) * DAY


# --- /export -----------------------------------------------------------------------------------


async def export(services: Services, person: Person, args: list[str]) -> None:
    """The complaints in scope as a spreadsheet: CSV, or .xlsx with `/export 30 xlsx`.
    Pseudonymous, unless the supervisor has reveal rights."""
    as_xlsx = any(arg.lower().lstrip(".") == "xlsx" for arg in args)
    async with _snapshot(services, person) as s:
        request = await _request(s, [a for a in args if a.lower().lstrip(".") != "xlsx"], with_identities=True)
        if request is not None:
            now = time.time()
            rows = await figures.export_rows(s.tx, Scope.of(request.unit), now - request.days * DAY)
            making = (s.t, rows, await s.registry(), request.identities, services.categories, now, as_xlsx)
    data = await asyncio.to_thread(spreadsheet, *making) if request else b""
    async with session(services, person) as s:
        if request is None or not await _rights_hold(s, request):
            await s.say(views.refusal(s.t))
            return
        unit, days = request.unit, request.days
        name, mime = (f"complaints-{unit.code}-{days}d", XLSX if as_xlsx else "text/csv")
        upload_id = await uploads.add(s.tx, f"{name}.{'xlsx' if as_xlsx else 'csv'}", mime, data)
        await audit.record(
            s.tx,
            s.person.user_id,
            (await s.actor()).role_at(unit.code, await s.registry()),
            "export",
            unit.code,
            days=days,
            rows=len(rows),
            identities=request.identities,
        )
        caption = words.export_caption(s.t, len(rows), days)
        await s.queue(
            Outgoing(s.person.chat_id, "sendDocument", {"document": {"upload": upload_id}, "caption": caption})
        )


def spreadsheet(
    t: Translator,
    rows: list[dict],
    registry: Registry,
    identities: bool,
    categories: Categories,
    now: float,
    as_xlsx: bool = False,
) -> bytes:
    """The export file (run in a worker thread: it touches neither the database nor the loop)."""
    header = export_views.header(t, identities=identities)
    cells = (export_views.cells(t, row, registry, categories, identities=identities, now=now) for row in rows)
    return spreadsheets.to_xlsx(header, cells) if as_xlsx else spreadsheets.to_csv(header, cells)
