"""What a supervisor reads when reopening a closed complaint (/reopen)."""

from __future__ import annotations

from html import escape

from bot.domain import tracking
from bot.domain.complaint import Complaint
from bot.domain.units import Unit
from bot.i18n import Translator
from bot.outgoing import Screen


def usage(t: Translator) -> Screen:
    return Screen(
        t(
            "Send /reopen followed by the tracking number and the reason, e.g. "
            "/reopen 482-913-0574 rejected by mistake: it is a police matter."
        )
    )


def still_open(t: Translator, complaint: Complaint) -> Screen:
    return Screen(
        t(
            "Complaint %(number)s is still open: only a resolved or rejected complaint can be reopened.",
            number=tracking.display(complaint.tracking_no, t.lang),
        )
    )


def reopened(t: Translator, complaint: Complaint, unit: Unit) -> Screen:
    return Screen(
        "🔁 "
        + t(
            "Complaint %(number)s is reopened and sent back to %(unit)s. The citizen is told.",
            number=tracking.display(complaint.tracking_no, t.lang),
            unit="<b>" + escape(unit.name(t.lang)) + "</b>",
        )
    )
