"""What the levels above a unit see when it misses a deadline: escalation cards, missed-deadline
notices for the ministry, reminders under the unit's card, and digests when there are many."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from bot import callbacks
from bot.domain import tracking
from bot.domain.complaint import Complaint, Status
from bot.domain.places import path_label
from bot.domain.units import Unit
from bot.i18n import N_, Translator
from bot.outgoing import Button, Screen, inline_keyboard, user_text
from bot.views.common import field

DESCRIPTION_SHOWN = 1200  # of up to 3,000 characters: the card itself has it all
DIGEST_ITEMS = 20  # a button each: a digest stays easy to use on a phone
DIGEST_CHARS = 3800  # under Telegram's 4,096

MISSED = {
    "acknowledge": N_("%(unit)s did not acknowledge complaint %(number)s in time (due %(due)s)."),
    "resolve": N_("%(unit)s did not resolve complaint %(number)s in time (due %(due)s)."),
}
# A level above had only its escalation step: it was asked to act, not to acknowledge.
STEP_MISSED = N_("%(unit)s did not act on complaint %(number)s in time (due %(due)s).")
LINE_KIND = {
    "escalated": N_("escalated to you"),
    "missed": N_("deadline missed"),
    "reminder": N_("overdue"),
}


@dataclass(frozen=True)
class Item:
    kind: str  # escalated | missed | reminder
    complaint: Complaint
    handler: Unit  # the unit handling it
    clock_kind: str  # the time that ran out: acknowledge | resolve
    due_at: float
    late: Unit | None = None  # the level that let its time pass (the handler, or a level above)
    reply_to_outbox: int | None = None

    def single(self, t: Translator) -> Screen:
        if self.kind == "escalated":
            return escalation_card(t, self)
        if self.kind == "missed":
            return Screen("⏰ " + _missed(t, self), open_button(t, self.complaint))
        return Screen(
            "⏰ "
            + t(
                "This complaint is overdue: it had to be acted on by %(due)s. Please act now.",
                due=t.datetime(self.due_at),
            )
        )


def _number(t: Translator, complaint: Complaint) -> str:
    return tracking.display(complaint.tracking_no, t.lang)


def _missed(t: Translator, item: Item) -> str:
    late = item.late or item.handler
    return t(
        MISSED[item.clock_kind] if late.code == item.handler.code else STEP_MISSED,
        unit="<b>" + escape(late.name(t.lang)) + "</b>",
        number="<b>" + _number(t, item.complaint) + "</b>",
        due=t.datetime(item.due_at),
    )


def escalation_card(t: Translator, item: Item, *, live: bool = True, now: str | None = None) -> Screen:
    """The card a level above gets. `live`: that level may still act on it (buttons); otherwise
    `now` says where the complaint stands, and there are no buttons."""
    complaint = item.complaint
    description = complaint.description
    if len(description) > DESCRIPTION_SHOWN:
        description = description[:DESCRIPTION_SHOWN] + "…"
    lines = [
        "⏰ <b>" + t("Escalated to you: complaint %(number)s", number=_number(t, complaint)) + "</b>",
        _missed(t, item),
        field(t, t("Handled by"), escape(item.handler.name(t.lang))),
        field(t, t("Place"), escape(path_label(complaint.commune_code, t.lang))),
        field(t, t("Filed on"), t.datetime(complaint.created_at)),
        "",
        user_text(description),
        "",
    ]
    if live:
        lines.append(
            t("Remind the unit, take the complaint over (your unit then handles it), or reassign it to another unit.")
        )
        return Screen("\n".join(lines), inline_keyboard(escalation_buttons(t, complaint)))
    lines.append("ℹ️ " + (now or ""))
    return Screen("\n".join(lines), inline_keyboard([]))


def escalation_buttons(t: Translator, complaint: Complaint) -> list[list[Button]]:
    def button(label: str, action: str) -> Button:
        return Button(label, callbacks.encode("e", complaint.id, action))

    return [
        [button(t("🔔 Remind the unit"), "remind"), button(t("🙋 Take over"), "take")],
        [button(t("↪️ Reassign"), "reassign")],
    ]


def open_button(t: Translator, complaint: Complaint) -> dict:
    return inline_keyboard([[Button("🔎 " + _number(t, complaint), callbacks.encode("e", complaint.id, "open"))]])


def digests(t: Translator, items: list[Item]) -> list[Screen]:
    """Many items for one chat: a few messages listing them, each under Telegram's limits, with a
    button per complaint that opens its full card."""
    screens, lines, buttons = [], [], []

    def flush() -> None:
        header = (
            "⏰ <b>"
            + t.plural("%(num)s complaint needs attention", "%(num)s complaints need attention", len(lines))
            + "</b>"
        )
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        screens.append(Screen("\n".join([header, "", *lines]), inline_keyboard(rows)))
        lines.clear()
        buttons.clear()

    for item in items:
        line = "• " + " · ".join(
            [
                "<b>" + _number(t, item.complaint) + "</b>",
                escape((item.late or item.handler).name(t.lang)),
                t(LINE_KIND[item.kind]),
                t("due %(due)s", due=t.datetime(item.due_at)),
            ]
        )
        if lines and (len(lines) >= DIGEST_ITEMS or sum(len(x) + 1 for x in lines) + len(line) > DIGEST_CHARS):
            flush()
        lines.append(line)
        buttons.append(Button("🔎 " + _number(t, item.complaint), callbacks.encode("e", item.complaint.id, "open")))
    if lines:
        flush()
    return screens


def standing(t: Translator, complaint: Complaint, handler: Unit | None) -> str:
    """Where the complaint stands now, on an escalation card that no longer takes actions."""
    unit = "<b>" + escape(handler.name(t.lang)) + "</b>" if handler else t("the police")
    if complaint.status == Status.RESOLVED:
        return t("Resolved by %(unit)s.", unit=unit)
    if complaint.status == Status.REJECTED:
        return t("Closed without action by %(unit)s.", unit=unit)
    if complaint.status == Status.ACKNOWLEDGED:
        return t("Now handled by %(unit)s (acknowledged).", unit=unit)
    return t("Now with %(unit)s, waiting to be acknowledged.", unit=unit)


def reminded_by(t: Translator, complaint: Complaint, level: Unit) -> Screen:
    """Under the handling unit's card: a level above asks it to act."""
    return Screen(
        "🔔 "
        + t(
            "%(level)s reminds you: complaint %(number)s is overdue. Please act now.",
            level="<b>" + escape(level.name(t.lang)) + "</b>",
            number=_number(t, complaint),
        )
    )
