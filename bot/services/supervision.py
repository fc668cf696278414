"""Supervisors' commands: /status, /overdue, /stats, /export, /reveal, and the daily summaries.

Everything is limited to the units a supervisor oversees (their unit and everything under it;
administrators see all); officers and citizens asking get a polite refusal.
"""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime

from bot import charts
from bot.domain import tracking
from bot.domain.access import Actor
from bot.domain.places import path_label
from bot.domain.textnorm import to_latin_digits
from bot.domain.units import MINISTRY, Level, Registry, Unit
from bot.i18n import Translator
from bot.outgoing import Outgoing, Screen
from bot.services.session import Session, Work
from bot.services.units_admin import parse_code
from bot.views import status as status_views
from bot.views import supervision as views
from db.repositories import audit, complaints, figures, uploads
from db.repositories.figures import Scope

DAY = 86400.0
MAX_DAYS = 366
SUMMARY_LEVELS = (Level.DISTRICT, Level.PROVINCE, Level.MINISTRY)


def scopes(actor: Actor, registry: Registry) -> list[Unit]:
    return [u for code in actor.scopes() if (u := registry.get(code))]


async def status(s: Session, args: list[str]) -> bool:
    """/status for staff; False if the person has no scope and the caller should answer as for a
    citizen. /status alone: the whole scope; /status CODE: one unit; numbers are handled elsewhere."""
    actor, registry = await s.actor(), await s.registry()
    mine = scopes(actor, registry)
    if not args:
        if not mine:
            return False
        now = time.time()
        for scope in mine[:3]:
            found = await figures.figures(s.tx, Scope.of(scope), now)
            await s.say(views.overview(s.t, scope, found, registry.units))
        return True
    unit = registry.get(parse_code(args[0]))
    if unit is None:
        return False
    if not actor.can_manage(unit.code, registry):
        await s.say(views.refusal(s.t))
        return True
    now = time.time()
    found = await figures.figures(s.tx, Scope.of(unit), now)
    items = await figures.open_items(s.tx, Scope.of(unit), now, overdue_only=False, limit=15)
    await s.say(views.unit_view(s.t, unit, found, items, registry.units, s.services.categories, now))
    return True


async def overdue(s: Session, page: int = 0, message_id: int | None = None) -> None:
    actor, registry = await s.actor(), await s.registry()
    mine = scopes(actor, registry)
    if not mine:
        await s.say(views.refusal(s.t))
        return
    scope, now = Scope.of(mine[0]), time.time()
    total = await figures.count_open(s.tx, scope, now, overdue_only=True)
    page = max(0, min(page, max(0, (total - 1) // views.OVERDUE_PAGE)))
    items = await figures.open_items(
        s.tx, scope, now, overdue_only=True, limit=views.OVERDUE_PAGE, offset=page * views.OVERDUE_PAGE
    )
    await s.replace(message_id, views.overdue_list(s.t, items, total, page, registry.units, s.services.categories, now))


def _days(args: list[str], default: int = 30) -> int:
    digits = "".join(ch for ch in to_latin_digits(args[0]) if ch.isdigit()) if args else ""
    return max(1, min(MAX_DAYS, int(digits))) if digits else default


async def stats(s: Session, args: list[str]) -> None:
    actor, registry = await s.actor(), await s.registry()
    mine = scopes(actor, registry)
    if not mine:
        await s.say(views.refusal(s.t))
        return
    unit, days, now = mine[0], _days(args), time.time()
    scope, since = Scope.of(unit), now - days * DAY
    found = await figures.figures(s.tx, scope, now)
    filed, late = await figures.per_day(s.tx, scope, since)
    group = {Level.MINISTRY: "unit_province", Level.PROVINCE: "unit_district"}.get(unit.level, "unit_code")
    rows = await figures.by_unit(s.tx, scope, group, since, now)
    named = [(registry.get(code).name(s.t.lang) if registry.get(code) else code, f, o) for code, f, o in rows]
    png = charts.render(_chart_text(s.t, unit, days), *_daily_series(s.t, since, now, filed, late), named)
    upload_id = await uploads.add(s.tx, f"stats-{unit.code}-{days}d.png", "image/png", png)
    caption = "\n".join(
        [
            "📈 <b>" + s.t("Last %(days)s days", days=s.t.number(days)) + "</b>",
            *views.figures_lines(s.t, found, registry.units)[:5],
        ]
    )
    await s.queue(
        Outgoing(
            s.person.chat_id,
            "sendPhoto",
            {"photo": {"upload": upload_id}, "caption": caption[:1000], "parse_mode": "HTML"},
        )
    )


def _chart_text(t: Translator, unit: Unit, days: int) -> charts.ChartText:
    return charts.ChartText(
        title=t("Complaints, last %(days)s days · %(unit)s", days=t.number(days), unit=unit.name(t.lang)),
        filed=t("filed"),
        overdue=t("became overdue"),
        per_day=t("Per day"),
        per_unit=t("By unit: filed, and overdue now"),
        numbers=t.number,
    )


def _daily_series(
    t: Translator, since: float, now: float, filed: list[tuple[str, int]], late: list[tuple[str, int]]
) -> tuple[list[str], list[int], list[int]]:
    filed_by, late_by = dict(filed), dict(late)
    days, counts, overdue = [], [], []
    day = since
    while day <= now + 1:
        key = datetime.fromtimestamp(day + 7 * 3600, UTC).strftime("%Y-%m-%d")
        days.append(t.digits(f"{int(key[8:])}/{int(key[5:7])}"))
        counts.append(filed_by.get(key, 0))
        overdue.append(late_by.get(key, 0))
        day += DAY
    return days, counts, overdue


async def export(s: Session, args: list[str]) -> None:
    """A CSV of the complaints in scope, UTF-8 with BOM (spreadsheet programs then show Khmer).
    Pseudonymous, unless the supervisor has reveal rights."""
    actor, registry = await s.actor(), await s.registry()
    mine = scopes(actor, registry)
    if not mine:
        await s.say(views.refusal(s.t))
        return
    unit, days = mine[0], _days(args)
    rows = await figures.export_rows(s.tx, Scope.of(unit), time.time() - days * DAY)
    reveal = can_reveal(actor, registry)
    data = _csv(s.t, rows, registry, reveal, s.services)
    upload_id = await uploads.add(s.tx, f"complaints-{unit.code}-{days}d.csv", "text/csv", data)
    await audit.record(
        s.tx,
        s.person.user_id,
        actor.role_at(unit.code, registry),
        "export",
        unit.code,
        days=days,
        rows=len(rows),
        identities=reveal,
    )
    caption = s.t("%(count)s complaints of the last %(days)s days.", count=s.t.number(len(rows)), days=s.t.number(days))
    await s.queue(Outgoing(s.person.chat_id, "sendDocument", {"document": {"upload": upload_id}, "caption": caption}))


def _csv(t: Translator, rows: list[dict], registry: Registry, reveal: bool, services) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    header = [
        t("Tracking number"),
        t("Filed on"),
        t("Category"),
        t("Place"),
        t("Unit"),
        t("Status"),
        t("Acknowledged"),
        t("Closed"),
        t("Citizen"),
        t("Rating"),
        t("What happened"),
    ]
    if reveal:
        header += [t("Telegram user id"), t("Telegram name"), t("Phone")]
    writer.writerow(header)
    for r in rows:
        category = services.categories.get(r["category"])
        unit = registry.get(r["unit_code"] or "")
        line = [
            tracking.display(r["tracking_no"], "en"),
            t.datetime(r["created_at"]),
            category.label(t.lang) if category else r["category"],
            path_label(r["commune_code"], t.lang),
            unit.name(t.lang) if unit else "",
            r["status"],
            t.datetime(r["acknowledged_at"]) if r["acknowledged_at"] else "",
            t.datetime(r["closed_at"]) if r["closed_at"] else "",
            t("Citizen %(pseudonym)s", pseudonym=r["pseudonym"]),
            r["feedback"] or "",
            r["description"],
        ]
        if reveal:
            line += [
                r["citizen_id"],
                " ".join(x for x in (r["first_name"], r["username"] and "@" + r["username"]) if x),
                r["phone"] or "",
            ]
        writer.writerow(line)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def can_reveal(actor: Actor, registry: Registry) -> bool:
    """Seeing who filed a complaint: administrators and supervisors at the ministry level."""
    return actor.is_admin or MINISTRY in actor.scopes()


async def reveal(s: Session, args: list[str], *, private: bool) -> None:
    actor, registry = await s.actor(), await s.registry()
    if not can_reveal(actor, registry):
        await s.say(views.refusal(s.t))
        return
    if not private:
        await s.say(Screen(s.t("Use /reveal in your private chat with the bot, never in a group.")))
        return
    number, _ = tracking.parse(args[0]) if args else (None, None)
    reason = " ".join(args[1:]).strip()
    if number is None or len(reason) < 5:
        await s.say(
            Screen(
                s.t(
                    "Send /reveal followed by the tracking number and the reason, e.g. "
                    "/reveal 482-913-0574 the citizen asked to be called back."
                )
            )
        )
        return
    complaint = await complaints.by_number(s.tx, number)
    if complaint is None:
        await s.say(status_views.not_found_for_staff(s.t, number))
        return
    user = await s.tx.fetchone("SELECT first_name, username FROM users WHERE user_id = ?", (complaint.citizen_id,))
    await complaints.add_event(
        s.tx,
        complaint.id,
        "supervisor",
        s.person.user_id,
        "revealed",
        complaint.status,
        complaint.status,
        actor_role=actor.role_at(MINISTRY, registry),
        detail={"actor": s.person.display_name, "reason": reason},
    )
    await audit.record(
        s.tx,
        s.person.user_id,
        actor.role_at(MINISTRY, registry),
        "reveal",
        complaint.unit_code,
        tracking_no=complaint.tracking_no,
        reason=reason,
    )
    await s.say(
        views.revealed(
            s.t,
            complaint.tracking_no,
            user["first_name"] if user else None,
            user["username"] if user else None,
            complaint.citizen_id,
            complaint.phone,
            complaint.pseudonym,
        )
    )


async def send_daily_summaries(w: Work) -> int:
    """To every bound district, province and ministry group: its scope's figures and oldest items."""
    registry, now, sent = await w.registry(), time.time(), 0
    for unit in registry.units.values():
        if unit.level not in SUMMARY_LEVELS or not unit.reachable:
            continue
        t = w.t_for(unit.lang)
        scope = Scope.of(unit)
        found = await figures.figures(w.tx, scope, now)
        oldest = await figures.open_items(w.tx, scope, now, overdue_only=False, limit=5)
        screen = views.daily_summary(t, unit, found, oldest, registry.units, w.services.categories, now)
        await w.queue(screen.send(unit.chat_id, priority="notify", thread_id=unit.thread_id))
        sent += 1
    return sent
