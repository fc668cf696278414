"""A citizen's view of their own complaints: one complaint with its history, and the list.

Both say where the complaint really stands, read from its row: waiting for the unit or being handled
by it, overdue once its deadline has passed, the level above that was asked to see to it, and how it
ended. Units are named; officers never are.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from html import escape

from bot import callbacks
from bot.domain import tracking
from bot.domain.case import EventKind
from bot.domain.categories import Categories
from bot.domain.complaint import Complaint, Feedback, Status
from bot.domain.places import path_label
from bot.domain.units import Unit
from bot.i18n import N_, Translator
from bot.outgoing import Button, Screen, inline_keyboard, user_text
from bot.views.common import field
from db.repositories.complaints import Event

PAGE_SIZE = 5
HISTORY_SHOWN = 10  # the latest events; older ones are summarised by a count

# The icon of each status (cards use them too); a complaint past its deadline shows ⏰ to its citizen.
STATUS_ICONS = {Status.SUBMITTED: "🕓", Status.ACKNOWLEDGED: "👮", Status.RESOLVED: "✅", Status.REJECTED: "⛔"}
OVERDUE_ICON = "⏰"
# History rows no view shows, to units or citizens: a look-up of the citizen's contact (/reveal) is
# kept in the audit log only; older versions also wrote it to the append-only history.
NEVER_SHOWN = frozenset({"revealed"})

# What the citizen reads of each event: the unit, never an officer's own name. Missed deadlines and
# reminders are between the police: the citizen reads where their complaint went because of them.
ACTION_LABELS = {
    EventKind.FILED: N_("Complaint filed"),
    EventKind.ROUTED: N_("Sent to %(unit)s"),
    EventKind.WAITING: N_("Waiting for the police group to be connected"),
    EventKind.ACKNOWLEDGED: N_("Acknowledged by %(unit)s"),
    EventKind.REPLIED: N_("Message from %(unit)s"),
    EventKind.CITIZEN_MESSAGE: N_("Your message"),
    EventKind.TRANSFERRED: N_("Transferred to %(target)s"),
    EventKind.REASSIGNED: N_("Transferred to %(target)s"),  # by a level above: to the citizen, a transfer
    EventKind.REJECTED: N_("Closed without action by %(unit)s"),
    EventKind.RESOLVED: N_("Resolved by %(unit)s"),
    EventKind.RATED: N_("Your rating"),
    EventKind.ESCALATED: N_("Escalated to %(target)s, because it was not acted on in time"),
    EventKind.TAKEN_OVER: N_("Taken over by %(target)s"),
    EventKind.APPEALED: N_("Reopened on your appeal, at %(target)s"),
    EventKind.REOPENED: N_("Reopened, at %(target)s"),
}


class Standing(StrEnum):
    """Where a complaint stands, as its citizen is told."""

    NO_UNIT_YET = "no_unit_yet"  # filed; no police group it could go to is connected yet
    WAITING = "waiting"  # with a unit, not acknowledged yet
    HANDLED = "handled"  # acknowledged: the unit is working on it
    RESOLVED = "resolved"
    REJECTED = "rejected"


STANDING_LABELS = {
    Standing.NO_UNIT_YET: N_("Filed: waiting for the police group of this place to be connected"),
    Standing.WAITING: N_("Sent to %(unit)s: waiting for them to acknowledge it"),
    Standing.HANDLED: N_("Acknowledged: %(unit)s is handling it"),
    Standing.RESOLVED: N_("Resolved by %(unit)s"),
    Standing.REJECTED: N_("Closed without action by %(unit)s"),
}
# Past the deadline: said plainly, without blame; the escalation line says who now sees to it.
OVERDUE_LABELS = {
    Standing.WAITING: N_("Overdue: still waiting for %(unit)s to acknowledge it"),
    Standing.HANDLED: N_("Overdue: %(unit)s is handling it, and the time to resolve it has passed"),
}
DUE_LABELS = {
    Standing.WAITING: N_("To be acknowledged by"),
    Standing.HANDLED: N_("To be resolved by"),
}


@dataclass(frozen=True)
class Situation:
    """What the citizen is told of their complaint now, read from its row."""

    standing: Standing
    handler: Unit | None  # who handles it now (or closed it)
    due: float | None  # the deadline running now, if any
    overdue: bool
    escalated_to: Unit | None  # the level above asked to see that it is handled (while overdue)

    @property
    def icon(self) -> str:
        return OVERDUE_ICON if self.overdue else STANDING_ICONS[self.standing]

    def label(self, t: Translator) -> str:
        unit = "<b>" + escape(self.handler.name(t.lang)) + "</b>" if self.handler else t("the police")
        labels = OVERDUE_LABELS if self.overdue else STANDING_LABELS
        return t(labels[self.standing], unit=unit)


STANDING_ICONS = {
    Standing.NO_UNIT_YET: "🕓",
    Standing.WAITING: STATUS_ICONS[Status.SUBMITTED],
    Standing.HANDLED: STATUS_ICONS[Status.ACKNOWLEDGED],
    Standing.RESOLVED: STATUS_ICONS[Status.RESOLVED],
    Standing.REJECTED: STATUS_ICONS[Status.REJECTED],
}


def situation(complaint: Complaint, units: dict[str, Unit], now: float) -> Situation:
    handler = units.get(complaint.unit_code or "")
    if complaint.status == Status.RESOLVED:
        return Situation(Standing.RESOLVED, handler, None, False, None)
    if complaint.status == Status.REJECTED:
        return Situation(Standing.REJECTED, handler, None, False, None)
    if handler is None:
        return Situation(Standing.NO_UNIT_YET, None, None, False, None)
    if complaint.status == Status.ACKNOWLEDGED:
        standing, due = Standing.HANDLED, complaint.resolve_due_at
    else:
        standing, due = Standing.WAITING, complaint.ack_due_at
    overdue = due is not None and due < now
    above = units.get(complaint.escalated_to or "")
    # Once acted on again (acknowledged, taken over, transferred) the escalation is over.
    escalated = above if overdue and above is not None and above.code != handler.code else None
    return Situation(standing, handler, due, overdue, escalated)


def event_line(t: Translator, event: Event, units: dict[str, Unit]) -> str:
    def name(code: str | None) -> str:
        unit = units.get(code or "")
        return escape(unit.name(t.lang)) if unit else t("the police")

    # The stored action is the EventKind's value, and a StrEnum key is found by its value.
    label = None if event.action in NEVER_SHOWN else ACTION_LABELS.get(event.action)  # type: ignore[call-overload]
    if label is None:  # between the police only, or never shown
        return ""
    text = t(label, unit=name(event.unit_code or event.detail.get("unit")), target=name(event.detail.get("unit")))
    if event.action == EventKind.RATED:
        text += ": " + ("👍" if event.detail.get("rating") == Feedback.SATISFIED else "👎")
    snippet = event.detail.get("snippet")
    if snippet:
        text += ": “" + user_text(snippet) + "”"
    return f"• {t.datetime(event.at)}: {text}"


def _category(t: Translator, categories: Categories, key: str) -> str:
    category = categories.get(key)
    return escape(category.label(t.lang) if category else key)


def _state_lines(t: Translator, complaint: Complaint, now_is: Situation) -> list[str]:
    """Status, deadline, escalation and outcome, in the words the citizen reads."""
    lines = [field(t, t("Status"), now_is.icon + " " + now_is.label(t))]
    if now_is.due is not None:
        if now_is.overdue:
            lines.append(field(t, t("Deadline passed"), t.datetime(now_is.due)))
        else:
            lines.append(field(t, t(DUE_LABELS[now_is.standing]), t.datetime(now_is.due)))
    if now_is.escalated_to is not None:
        lines += [
            "⬆️ " + field(t, t("Escalated to"), "<b>" + escape(now_is.escalated_to.name(t.lang)) + "</b>"),
            "<i>"
            + t(
                "The police above the unit were asked to see that your complaint is handled. You do not need to "
                "do anything: you will get a message here at every step."
            )
            + "</i>",
        ]
    if complaint.closed_at is not None and now_is.standing in (Standing.RESOLVED, Standing.REJECTED):
        lines.append(field(t, t("Closed on"), t.datetime(complaint.closed_at)))
    if complaint.feedback and now_is.standing == Standing.RESOLVED:
        lines.append(field(t, t("Your rating"), "👍" if complaint.feedback == Feedback.SATISFIED else "👎"))
    return lines


def _evidence_line(t: Translator, complaint: Complaint, evidence_count: int) -> str | None:
    """What the citizen attached. Their files are in this chat already, above: nothing is sent again."""
    parts = []
    if evidence_count:
        parts.append("📎 " + t.plural("your %(num)s attachment", "your %(num)s attachments", evidence_count))
    if complaint.latitude is not None:
        parts.append("📍 " + t("the location you sent"))
    return field(t, t("Evidence"), " · ".join(parts)) if parts else None


def complaint_detail(
    t: Translator,
    complaint: Complaint,
    events: list[Event],
    categories: Categories,
    units: dict[str, Unit],
    *,
    evidence_count: int,
    now: float,
) -> Screen:
    number = tracking.display(complaint.tracking_no, t.lang)
    lines = [
        "<b>" + t("Complaint %(number)s", number=number) + "</b>",
        "",
        *_state_lines(t, complaint, situation(complaint, units, now)),
        field(t, t("Category"), _category(t, categories, complaint.category)),
        field(t, t("Place"), escape(path_label(complaint.commune_code, t.lang))),
        field(t, t("Filed on"), t.datetime(complaint.created_at)),
        field(t, t("Last change"), t.datetime(complaint.updated_at)),
    ]
    evidence = _evidence_line(t, complaint, evidence_count)
    if evidence:
        lines.append(evidence)
    lines += ["", "<b>" + t("History") + "</b>"]
    shown = [line for line in (event_line(t, e, units) for e in events) if line]  # internal events left out
    hidden = len(shown) - HISTORY_SHOWN
    if hidden > 0:
        lines.append("… " + t.plural("%(num)s earlier event", "%(num)s earlier events", hidden))
    lines += shown[-HISTORY_SHOWN:]
    keyboard = inline_keyboard(
        [
            [
                Button(t("📋 My complaints"), callbacks.encode("m", "mine")),
                Button(t("🏠 Menu"), callbacks.encode("m", "home")),
            ]
        ]
    )
    return Screen("\n".join(lines), keyboard)


def _list_entry(t: Translator, complaint: Complaint, categories: Categories, units: dict[str, Unit], now: float) -> str:
    now_is = situation(complaint, units, now)
    number = tracking.display(complaint.tracking_no, t.lang)
    category = _category(t, categories, complaint.category)
    lines = [f"{now_is.icon} <b>{number}</b> · {category} · {t.date(complaint.created_at)}", "    " + now_is.label(t)]
    if now_is.escalated_to is not None:
        lines.append(
            "    ⬆️ " + t("Escalated to %(unit)s", unit="<b>" + escape(now_is.escalated_to.name(t.lang)) + "</b>")
        )
    return "\n".join(lines)


def my_complaints(
    t: Translator,
    complaints: list[Complaint],
    total: int,
    page: int,
    categories: Categories,
    units: dict[str, Unit],
    *,
    now: float,
) -> Screen:
    if total == 0:
        text = t("You have not filed any complaint yet.")
        keyboard = inline_keyboard(
            [
                [Button(t("📝 File a complaint"), callbacks.encode("m", "new"))],
                [Button(t("🏠 Menu"), callbacks.encode("m", "home"))],
            ]
        )
        return Screen(text, keyboard)
    pages = -(-total // PAGE_SIZE)
    lines = [
        "<b>"
        + t("My complaints")
        + "</b>  "
        + t("(page %(page)s of %(pages)s)", page=t.number(page + 1), pages=t.number(pages)),
        "",
    ]
    rows = []
    for complaint in complaints:
        lines.append(_list_entry(t, complaint, categories, units, now))
        rows.append(
            [
                Button(
                    f"🔎 {tracking.display(complaint.tracking_no, t.lang)}",
                    callbacks.encode("sc", complaint.tracking_no),
                )
            ]
        )
    pager = []
    if page > 0:
        pager.append(Button("◀️", callbacks.encode("mc", page - 1)))
    if page < pages - 1:
        pager.append(Button("▶️", callbacks.encode("mc", page + 1)))
    rows += [pager, [Button(t("🏠 Menu"), callbacks.encode("m", "home"))]]
    return Screen("\n".join(lines), inline_keyboard(rows))


def ask_number(t: Translator) -> Screen:
    return Screen(
        t(
            "Please type the tracking number of your complaint, e.g. %(example)s",
            example=tracking.display(tracking.EXAMPLE, t.lang),
        )
    )


def not_found(t: Translator, typed_number: str) -> Screen:
    # Deliberately the same answer for "no such number" and "someone else's number".
    return Screen(
        t(
            "No complaint with the number %(number)s was found among your complaints.",
            number=tracking.display(typed_number, t.lang),
        )
    )


def not_found_for_staff(t: Translator, typed_number: str) -> Screen:
    # The same answer for "no such number" and "outside the units you work for".
    return Screen(
        t(
            "No complaint with the number %(number)s was found among the units you work for.",
            number=tracking.display(typed_number, t.lang),
        )
    )


def bad_number(t: Translator, reason: str) -> Screen:
    if reason == tracking.TrackingInput.BAD_CHECK_DIGIT:
        text = t("That number is not right: please check it. A digit may be mistyped or two digits swapped.")
    else:
        text = t(
            "A tracking number has 10 digits, e.g. %(example)s. Please check it and try again.",
            example=tracking.display(tracking.EXAMPLE, t.lang),
        )
    return Screen(text)
