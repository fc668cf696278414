"""A citizen's view of their own complaints: one complaint with its history, and the list."""

from __future__ import annotations

from html import escape

from bot import callbacks
from bot.domain import tracking
from bot.domain.categories import Categories
from bot.domain.complaint import Complaint, Status
from bot.domain.places import path_label
from bot.domain.units import Unit
from bot.i18n import N_, Translator
from bot.outgoing import Button, Screen, inline_keyboard, user_text
from bot.views.common import field
from db.repositories.complaints import Event

PAGE_SIZE = 5
HISTORY_SHOWN = 10  # the latest events; older ones are summarised by a count

STATUS_LABELS = {
    Status.SUBMITTED: N_("Filed: waiting for the police to acknowledge it"),
    Status.ACKNOWLEDGED: N_("Acknowledged: an officer is handling it"),
    Status.RESOLVED: N_("Resolved"),
    Status.REJECTED: N_("Rejected"),
}
STATUS_ICONS = {Status.SUBMITTED: "🕓", Status.ACKNOWLEDGED: "👮", Status.RESOLVED: "✅", Status.REJECTED: "⛔"}
# History rows no view shows, to units or citizens: a look-up of the citizen's contact (/reveal) is
# kept in the audit log only; older versions also wrote it to the append-only history.
NEVER_SHOWN = frozenset({"revealed"})

# What the citizen reads of each event: the unit, never an officer's own name.
ACTION_LABELS = {
    "filed": N_("Complaint filed"),
    "routed": N_("Sent to %(unit)s"),
    "waiting": N_("Waiting for the police group to be connected"),
    "acknowledged": N_("Acknowledged by %(unit)s"),
    "officer_message": N_("Message from %(unit)s"),
    "citizen_message": N_("Your message"),
    "transferred": N_("Transferred to %(target)s"),
    "rejected": N_("Closed without action by %(unit)s"),
    "resolved": N_("Resolved by %(unit)s"),
    "feedback": N_("Your rating"),
    "escalated": N_("Passed to %(target)s, because it was not handled in time"),
    "taken_over": N_("Taken over by %(target)s"),
    "appealed": N_("Reopened on your appeal, at %(target)s"),
}


def event_line(t: Translator, event: Event, units: dict[str, Unit]) -> str:
    def name(code: str | None) -> str:
        unit = units.get(code or "")
        return escape(unit.name(t.lang)) if unit else t("the police")

    label = None if event.action in NEVER_SHOWN else ACTION_LABELS.get(event.action)
    if label is None:  # internal, or never shown
        return ""
    text = t(label, unit=name(event.unit_code or event.detail.get("unit")), target=name(event.detail.get("unit")))
    snippet = event.detail.get("snippet")
    if snippet:
        text += ": “" + user_text(snippet) + "”"
    return f"• {t.datetime(event.at)}: {text}"


def _category(t: Translator, categories: Categories, key: str) -> str:
    category = categories.get(key)
    return escape(category.label(t.lang) if category else key)


def complaint_detail(
    t: Translator, complaint: Complaint, events: list[Event], categories: Categories, units: dict[str, Unit]
) -> Screen:
    number = tracking.display(complaint.tracking_no, t.lang)
    lines = [
        "<b>" + t("Complaint %(number)s", number=number) + "</b>",
        "",
        field(t, t("Status"), STATUS_ICONS[complaint.status] + " " + t(STATUS_LABELS[complaint.status])),
        field(t, t("Category"), _category(t, categories, complaint.category)),
        field(t, t("Place"), escape(path_label(complaint.commune_code, t.lang))),
        field(t, t("Filed on"), t.datetime(complaint.created_at)),
        field(t, t("Last change"), t.datetime(complaint.updated_at)),
        "",
        "<b>" + t("History") + "</b>",
    ]
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


def my_complaints(t: Translator, complaints: list[Complaint], total: int, page: int, categories: Categories) -> Screen:
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
        number = tracking.display(complaint.tracking_no, t.lang)
        lines.append(
            f"{STATUS_ICONS[complaint.status]} <b>{number}</b> · {_category(t, categories, complaint.category)} · "
            f"{t.date(complaint.created_at)}\n    {t(STATUS_LABELS[complaint.status])}"
        )
        rows.append([Button(f"🔎 {number}", callbacks.encode("sc", complaint.tracking_no))])
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
