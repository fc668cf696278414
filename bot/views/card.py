"""What a police unit sees: the complaint card in its group, prompts, and messages from citizens.

The citizen appears only as a pseudonym ("Citizen 7F3A"); their name, username and Telegram id
never appear here, and their phone only if they chose to share it at the review.
"""

from __future__ import annotations

import time
from html import escape

from bot import callbacks
from bot.domain import phone as phones
from bot.domain import tracking
from bot.domain.categories import Categories
from bot.domain.complaint import Action, Complaint, RejectReason, Status, allowed
from bot.domain.places import path_label
from bot.domain.textsplit import head_then_rest
from bot.domain.units import Unit
from bot.i18n import N_, Translator
from bot.outgoing import Button, Screen, inline_keyboard, user_text
from bot.views.common import duration_label, field
from bot.views.status import NEVER_SHOWN, STATUS_ICONS
from db.repositories.complaints import Event

# Of the citizen's account, the card shows this much, leaving room for its labels and history within
# Telegram's 4,096; the rest follows under the card in messages of FOLLOW_UP_CHARS (account_parts).
CARD_ACCOUNT_CHARS = 2500
FOLLOW_UP_CHARS = 3800

CARD_STATUS = {
    Status.SUBMITTED: N_("Waiting to be acknowledged"),
    Status.ACKNOWLEDGED: N_("Acknowledged: being handled"),
    Status.RESOLVED: N_("Resolved"),
    Status.REJECTED: N_("Rejected"),
}
REJECT_REASONS = {
    RejectReason.NOT_POLICE: N_("Not a police matter"),
    RejectReason.DUPLICATE: N_("Duplicate"),
    RejectReason.ABUSIVE: N_("Abusive or insulting"),
}
# One line per event in a card's or a status view's history.
EVENT_LABELS = {
    "filed": N_("Filed by the citizen"),
    "routed": N_("Sent to %(unit)s"),
    "waiting": N_("Waiting: no police unit has a Telegram group yet"),
    "acknowledged": N_("Acknowledged by %(actor)s"),
    "officer_message": N_("Message to the citizen from %(actor)s"),
    "citizen_message": N_("Message from the citizen"),
    "transferred": N_("Transferred to %(unit)s by %(actor)s: %(reason)s"),
    "rejected": N_("Rejected by %(actor)s (%(reason)s): %(note)s"),
    "resolved": N_("Resolved by %(actor)s: %(note)s"),
    "feedback": N_("Citizen's rating: %(rating)s"),
    "overdue": N_("Deadline missed by %(unit)s"),
    "escalated": N_("Escalated to %(unit)s"),
    "reminded": N_("%(unit)s reminded the unit (%(actor)s)"),
    "taken_over": N_("Taken over by %(unit)s (%(actor)s)"),
    "appealed": N_("Appealed by the citizen: reopened at %(unit)s"),
    "reassigned": N_("Reassigned to %(unit)s by %(actor)s: %(reason)s"),
    "reopened": N_("Reopened at %(unit)s by %(actor)s: %(reason)s"),
}
STEP_MISSED = N_("%(unit)s did not act on it in time")
CARD_HISTORY = 4


def citizen_label(t: Translator, complaint: Complaint) -> str:
    return t("Citizen %(pseudonym)s", pseudonym=complaint.pseudonym)


def event_line(t: Translator, event: Event, units: dict[str, Unit]) -> str:
    detail = event.detail
    unit = units.get(detail.get("unit", ""))
    reason = detail.get("reason", "")
    if event.action == "rejected" and reason in RejectReason._value2member_map_:
        reason = t(REJECT_REASONS[RejectReason(reason)])
    values = {
        "actor": user_text(detail.get("actor", "")),  # a person's own Telegram name: contained too
        "unit": escape(unit.name(t.lang)) if unit else escape(detail.get("unit", "")),
        "reason": user_text(reason),
        "note": user_text(detail.get("note", "")),
        "rating": "👍" if detail.get("rating") == "up" else "👎",
    }
    label = EVENT_LABELS.get(event.action)
    if event.action == "overdue" and detail.get("stage", "0") != "0":
        label = STEP_MISSED  # a level above had an escalation step, not the unit's own deadline
    text = t(label, **values) if label else escape(event.action)
    snippet = detail.get("snippet")
    if snippet:
        text += ": “" + user_text(snippet) + "”"
    return f"{t.datetime(event.at)} · {text}"


def card(
    t: Translator,
    complaint: Complaint,
    categories: Categories,
    *,
    unit: Unit,
    responsible: Unit | None,
    events: list[Event],
    units: dict[str, Unit],
    evidence_count: int,
    spoken: list[int | None] | None = None,  # lengths of the voice messages that tell what happened
    moved_to: Unit | None = None,
    history_size: int = CARD_HISTORY,
    with_buttons: bool = True,
    superseded: bool = False,  # an older card of the unit, replaced by a newer one (after a reopen)
    now: float | None = None,
) -> Screen:
    """The card; `moved_to`: the final state of a card whose complaint was transferred away.

    The description is at most 3,000 characters; the oldest history lines are left out if the
    whole would not fit Telegram's 4,096."""
    number = tracking.display(complaint.tracking_no, t.lang)
    category = categories.get(complaint.category)
    status = complaint.status
    who = citizen_label(t, complaint)
    if complaint.phone:
        who += " · 📞 " + phones.display(complaint.phone)
    else:
        who += " · " + t("anonymous")
    lines = [
        f"{STATUS_ICONS[status]} <b>" + t("Complaint %(number)s", number=number) + "</b>",
        field(
            t,
            t("Status"),
            "↪️ " + t("Transferred to %(unit)s", unit=escape(moved_to.name(t.lang)))
            if moved_to
            else t(CARD_STATUS[status]),
        ),
        field(t, t("Category"), escape(category.label(t.lang) if category else complaint.category)),
        field(t, t("Place"), escape(path_label(complaint.commune_code, t.lang))),
        field(t, t("Filed on"), t.datetime(complaint.created_at)),
    ]
    if not moved_to:
        lines += deadline_lines(t, complaint, now if now is not None else time.time(), units)
    lines.append(field(t, t("From"), who))
    if responsible and responsible.code != unit.code:
        lines.append(
            "⚠️ "
            + t(
                "For %(unit)s, which has no Telegram group the bot can reach; sent here instead.",
                unit=escape(responsible.name(t.lang)),
            )
        )
    account = account_parts(complaint.description)
    lines += ["", field(t, t("What happened"))]
    if account:
        lines.append(user_text(account[0]))
    if spoken:
        lengths = ", ".join(duration_label(t, seconds) for seconds in spoken)
        told = t.plural(
            "The citizen told it in a voice message (%(lengths)s), below: please listen to it.",
            "The citizen told it in voice messages (%(lengths)s), below: please listen to them.",
            len(spoken),
            lengths=lengths,
        )
        lines.append("🎤 " + told)
    if len(account) > 1:
        lines.append(
            "… "
            + t.plural(
                "(continued in %(num)s message below)", "(continued in %(num)s messages below)", len(account) - 1
            )
        )
    extras = []
    if evidence_count:
        extras.append("📎 " + t.plural("%(num)s attachment below", "%(num)s attachments below", evidence_count))
    if complaint.latitude is not None:
        extras.append("📍 " + t("location below"))
    if extras:
        lines += ["", " · ".join(extras)]
    # "Filed" and "sent to this unit" are what the card itself says.
    shown = [
        e
        for e in events
        if e.action != "filed"
        and e.action not in NEVER_SHOWN
        and not (e.action == "routed" and e.unit_code == unit.code)
    ]
    history = [event_line(t, e, units) for e in shown][-history_size:]
    while history and len("\n".join([*lines, *history])) > 3900:
        history.pop(0)
    if history:
        lines += ["", "<i>" + t("History") + "</i>", *history]
    if superseded:
        lines += ["", "ℹ️ " + t("This complaint has a newer card below: act on that one.")]
    buttons = card_buttons(t, complaint) if with_buttons and not moved_to and not superseded else []
    return Screen("\n".join(lines), inline_keyboard(buttons))


def account_parts(description: str) -> list[str]:
    """The citizen's account as the card shows it (first) and the messages that follow the card."""
    return head_then_rest(description, CARD_ACCOUNT_CHARS, FOLLOW_UP_CHARS)


def account_follow_up(t: Translator, tracking_no: str, part: int, parts: int, text: str) -> str:
    """One message under the card carrying more of the account: part 2 of 3, and so on."""
    heading = t(
        "Complaint %(number)s, what happened (%(part)s of %(parts)s)",
        number=tracking.display(tracking_no, t.lang),
        part=t.number(part),
        parts=t.number(parts),
    )
    return "📄 <b>" + heading + "</b>\n\n" + user_text(text)


def deadline_lines(t: Translator, complaint: Complaint, now: float, units: dict[str, Unit]) -> list[str]:
    """The deadline the unit works against, marked when it has passed, and where it went up to."""
    lines = []
    if complaint.status == Status.SUBMITTED and complaint.ack_due_at:
        due, label = complaint.ack_due_at, t("Deadline to acknowledge")
    elif complaint.status == Status.ACKNOWLEDGED and complaint.resolve_due_at:
        due, label = complaint.resolve_due_at, t("Deadline to resolve")
    else:
        return lines
    if due < now:
        lines.append("⚠️ " + field(t, t("Overdue"), t("the deadline was %(due)s", due=t.datetime(due))))
    else:
        lines.append(field(t, label, t.datetime(due)))
    above = units.get(complaint.escalated_to or "")
    if above is not None:
        lines.append("⬆️ " + t("Escalated to %(unit)s", unit=escape(above.name(t.lang))))
    return lines


def card_buttons(t: Translator, complaint: Complaint) -> list[list[Button]]:
    def button(action: Action, label: str) -> Button | None:
        return (
            Button(label, callbacks.encode("c", complaint.id, action.value))
            if allowed(complaint.status, action)
            else None
        )

    rows = [
        [button(Action.ACKNOWLEDGE, t("✅ Acknowledge")), button(Action.REPLY, t("💬 Reply"))],
        [
            button(Action.RESOLVE, t("✔️ Resolve")),
            button(Action.TRANSFER, t("↪️ Transfer")),
            button(Action.REJECT, t("⛔ Reject")),
        ],
    ]
    return [[b for b in row if b] for row in rows]


def reject_reasons(t: Translator, complaint: Complaint) -> list[list[Button]]:
    rows = [
        [Button(t(label), callbacks.encode("c", complaint.id, "rr", reason.value))]
        for reason, label in REJECT_REASONS.items()
    ]
    return [*rows, [Button(t("⬅️ Back"), callbacks.encode("c", complaint.id, "back"))]]


PROMPTS = {
    "reply": N_(
        "%(mention)s, reply to this message with your answer to the citizen about complaint %(number)s "
        "(text, photo, voice message or document)."
    ),
    "resolve": N_(
        "%(mention)s, reply to this message with a short note on the outcome of complaint %(number)s. "
        "The citizen will see it."
    ),
    "transfer": N_(
        "%(mention)s, reply to this message with the code of the unit to transfer complaint %(number)s "
        "to, then the reason, e.g. %(example)s. The citizen will see the reason."
    ),
    "reject": N_(
        "%(mention)s, reply to this message with a short explanation for rejecting complaint %(number)s. "
        "The citizen will see it."
    ),
}


def mention(user_id: int, name: str) -> str:
    return f'<a href="tg://user?id={user_id}">{user_text(name)}</a>'


def prompt(t: Translator, action: str, complaint: Complaint, user_id: int, name: str) -> Screen:
    """A force-reply question: works with group privacy mode on (replies to the bot reach it)."""
    text = t(
        PROMPTS[action],
        mention=mention(user_id, name),
        number=tracking.display(complaint.tracking_no, t.lang),
        example="<code>" + t("0102 wrong district") + "</code>",
    )
    markup = {"force_reply": True, "selective": True, "input_field_placeholder": t("Your answer…")[:64]}
    return Screen(text, markup)


def from_citizen(t: Translator, complaint: Complaint) -> str:
    """The frame of a citizen's message shown in the unit's group."""
    return "💬 " + t(
        "%(citizen)s wrote about complaint %(number)s:",
        citizen=citizen_label(t, complaint),
        number=tracking.display(complaint.tracking_no, t.lang),
    )


def not_escalated_here(t: Translator, complaint: Complaint, handler: Unit | None) -> str:
    """A level pressed an escalation button after the escalation ended (another level took the
    complaint over, or the unit acted): nothing happens, and it is told why."""
    return t(
        "Complaint %(number)s is no longer escalated to your unit: %(unit)s handles it now.",
        number=tracking.display(complaint.tracking_no, t.lang),
        unit=handler.name(t.lang) if handler else t("another unit"),
    )
