"""What supervisors read: their scope at a glance, a unit's queue, the overdue list, summaries."""

from __future__ import annotations

from html import escape

from bot import callbacks
from bot.domain import phone as phones
from bot.domain import tracking
from bot.domain.categories import Categories
from bot.domain.units import Unit
from bot.i18n import Translator
from bot.outgoing import Button, Screen, inline_keyboard, user_text
from bot.views.common import field
from db.repositories.figures import Figures, OpenItem
from db.repositories.reveals import Reveal

OVERDUE_PAGE = 10


def duration(t: Translator, seconds: float | None) -> str:
    if seconds is None:
        return "–"
    hours = seconds / 3600
    if hours < 1:
        return t("%(n)s min", n=t.number(max(1, round(seconds / 60))))
    if hours < 48:
        return t("%(n)s h", n=t.number(round(hours)))
    return t("%(n)s days", n=t.number(round(hours / 24)))


def unit_name(t: Translator, units: dict[str, Unit], code: str | None) -> str:
    unit = units.get(code or "")
    return escape(unit.name(t.lang)) if unit else escape(code or "–")


def figures_lines(t: Translator, figures: Figures, units: dict[str, Unit]) -> list[str]:
    n = t.number
    lines = [
        field(
            t,
            t("Open"),
            t(
                "%(waiting)s waiting to be acknowledged, %(progress)s being handled",
                waiting=n(figures.waiting),
                progress=n(figures.in_progress),
            ),
        ),
        field(
            t,
            t("Overdue"),
            t(
                "%(ack)s to acknowledge, %(resolve)s to resolve",
                ack=n(figures.overdue_ack),
                resolve=n(figures.overdue_resolve),
            ),
        ),
        field(
            t,
            t("Acknowledged"),
            t(
                "%(week)s in 7 days, %(month)s in 30 days",
                week=n(figures.acknowledged_7),
                month=n(figures.acknowledged_30),
            ),
        ),
        field(
            t,
            t("Resolved"),
            t("%(week)s in 7 days, %(month)s in 30 days", week=n(figures.resolved_7), month=n(figures.resolved_30)),
        ),
        field(
            t,
            t("Median time"),
            t(
                "to acknowledge %(ack)s, to resolve %(resolve)s (%(days)s days)",
                ack=duration(t, figures.median_ack_s),
                resolve=duration(t, figures.median_resolve_s),
                days=n(figures.median_days),
            ),
        ),
    ]
    if figures.worst_units:
        lines += ["", "<b>" + t("Most overdue") + "</b>"]
        lines += [f"• {unit_name(t, units, code)}: {n(count)}" for code, count in figures.worst_units]
    return lines


def overview(t: Translator, scope: Unit, figures: Figures, units: dict[str, Unit]) -> Screen:
    header = "📊 <b>" + t("Status of %(unit)s and the units under it", unit=escape(scope.name(t.lang))) + "</b>"
    footer = t("/overdue: the overdue list · /status CODE: one unit · /stats: chart · /export: spreadsheet")
    return Screen("\n".join([header, "", *figures_lines(t, figures, units), "", footer]))


def item_line(t: Translator, item: OpenItem, units: dict[str, Unit], categories: Categories, now: float) -> str:
    category = categories.get(item.category)
    late = item.due_at is not None and item.due_at < now
    mark = "🔴" if late else ("🕓" if item.status == "submitted" else "👮")
    due = (
        t("late by %(time)s", time=duration(t, now - item.due_at))
        if late and item.due_at
        else (t("due %(date)s", date=t.datetime(item.due_at)) if item.due_at else "")
    )
    return " · ".join(
        [
            f"{mark} <b>{tracking.display(item.tracking_no, t.lang)}</b>",
            escape(category.label(t.lang) if category else item.category),
            unit_name(t, units, item.unit_code),
            due,
        ]
    )


def unit_view(
    t: Translator,
    unit: Unit,
    figures: Figures,
    items: list[OpenItem],
    units: dict[str, Unit],
    categories: Categories,
    now: float,
) -> Screen:
    lines = [
        "📋 <b>" + escape(unit.name(t.lang)) + f"</b> ({unit.code})",
        "",
        *figures_lines(t, figures, units),
        "",
        "<b>" + t("Open complaints, oldest deadline first") + "</b>",
    ]
    lines += [item_line(t, i, units, categories, now) for i in items] or [t("None.")]
    return Screen("\n".join(lines))


def overdue_list(
    t: Translator,
    items: list[OpenItem],
    total: int,
    page: int,
    units: dict[str, Unit],
    categories: Categories,
    now: float,
) -> Screen:
    pages = max(1, -(-total // OVERDUE_PAGE))
    lines = [
        "🔴 <b>"
        + t("Overdue complaints")
        + "</b>  "
        + t("(page %(page)s of %(pages)s)", page=t.number(page + 1), pages=t.number(pages))
    ]
    lines += [item_line(t, i, units, categories, now) for i in items] or [t("Nothing is overdue.")]
    pager = []
    if page > 0:
        pager.append(Button("◀️", callbacks.encode("ov", page - 1)))
    if page < pages - 1:
        pager.append(Button("▶️", callbacks.encode("ov", page + 1)))
    return Screen("\n".join(lines), inline_keyboard([pager]) if pager else None)


def daily_summary(
    t: Translator,
    scope: Unit,
    figures: Figures,
    oldest: list[OpenItem],
    units: dict[str, Unit],
    categories: Categories,
    now: float,
) -> Screen:
    lines = [
        "🗓 <b>" + t("Daily summary for %(unit)s", unit=escape(scope.name(t.lang))) + "</b>",
        "",
        *figures_lines(t, figures, units),
    ]
    if oldest:
        lines += ["", "<b>" + t("Oldest open complaints") + "</b>"]
        lines += [item_line(t, i, units, categories, now) for i in oldest]
    return Screen("\n".join(lines))


def ask_in_private(t: Translator, link: str) -> Screen:
    """The pointer a group gets instead of a staff answer (figures and cards are for one person)."""
    text = "🔒 " + t(
        "Please ask me in a private chat: figures, complaint details and exports are never posted in a group."
    )
    button = {"text": t("💬 Open the private chat"), "url": link}
    return Screen(text, {"inline_keyboard": [[button]]})


def refusal(t: Translator) -> Screen:
    return Screen(t("Sorry, this command is for supervisors only, within the units they supervise."))


def revealed(
    t: Translator,
    number: str,
    first_name: str | None,
    username: str | None,
    user_id: int,
    phone: str | None,
    pseudonym: str,
) -> Screen:
    shown = tracking.display(number, t.lang)
    title = "🔓 <b>" + t("Contact of the citizen who filed %(number)s", number=shown) + "</b>"
    if user_id < 0:  # pseudonymised by /forget (db/repositories/forgetting.py)
        lines = [
            title,
            field(t, t("Pseudonym"), escape(pseudonym)),
            t("The citizen asked the bot to forget them: this closed complaint no longer leads to them."),
            "",
            t("This look-up is recorded with your name and reason."),
        ]
        return Screen("\n".join(lines))
    lines = [
        title,
        field(t, t("Pseudonym"), escape(pseudonym)),
        field(t, t("Telegram name"), user_text(first_name or "–") + (f" (@{user_text(username)})" if username else "")),
        field(t, t("Telegram user id"), str(user_id)),
        field(t, t("Phone"), phones.display(phone) if phone else t("not shared")),
        "",
        t("This look-up is recorded with your name and reason."),
    ]
    return Screen("\n".join(lines))


REVEALS_SHOWN = 10
REASON_SHOWN = 300


def reveals(t: Translator, number: str, found: list[Reveal]) -> Screen:
    """For the ministry level only, in a private chat: who looked up the citizen's contact and why.
    Never part of the card or the history, which units read."""
    lines = [
        "🔓 <b>" + t("Contact look-ups for %(number)s", number=tracking.display(number, t.lang)) + "</b>",
        t("From the audit log; units never see these."),
    ]
    if len(found) > REVEALS_SHOWN:
        lines.append("… " + t.plural("%(num)s earlier look-up", "%(num)s earlier look-ups", len(found) - REVEALS_SHOWN))
    for reveal in found[-REVEALS_SHOWN:]:
        reason = reveal.reason if len(reveal.reason) <= REASON_SHOWN else reveal.reason[: REASON_SHOWN - 1] + "…"
        actor = reveal.actor_name or str(reveal.actor_id)
        lines.append(f"• {t.datetime(reveal.at)} · {user_text(actor)}: {user_text(reason)}")
    return Screen("\n".join(lines))
