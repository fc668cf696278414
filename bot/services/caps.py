"""The caps on complaints per citizen (policy [limits]): open at once, and filed per Phnom Penh day.

Checked at /new and at Submit. A citizen over a cap is told why, kindly, with their open complaints'
numbers and the hotline for emergencies; nothing is filed and their draft is kept.
"""

from __future__ import annotations

import time

from bot.domain import tracking
from bot.outgoing import Screen
from bot.services.session import Session
from bot.views.common import emergency_line
from db.repositories import quotas


async def refusal(s: Session, *, has_draft: bool) -> Screen | None:
    """Why the citizen cannot file a complaint now, or None if they can."""
    limits = s.services.policy.limits
    open_numbers = await quotas.open_numbers(s.tx, s.user.user_id)
    filed_today = await quotas.filed_since(s.tx, s.user.user_id, limits.day_start(time.time()))
    cap = limits.cap_reached(len(open_numbers), filed_today)
    if cap is None:
        return None
    t = s.t
    if cap == "open":
        why = t.plural(
            "You already have %(num)s open complaint, the most one person can have at a time. You can file a "
            "new one when it is closed.",
            "You already have %(num)s open complaints, the most one person can have at a time. You can file a "
            "new one when one of them is closed.",
            limits.open_complaints,
        )
    else:
        why = t.plural(
            "You have already filed %(num)s complaint today, the most one person can file in one day. You can "
            "file again tomorrow.",
            "You have already filed %(num)s complaints today, the most one person can file in one day. You can "
            "file again tomorrow.",
            limits.complaints_per_day,
        )
    lines = ["🙏 " + why]
    if open_numbers:
        numbers = ", ".join("<b>" + tracking.display(n, t.lang) + "</b>" for n in open_numbers)
        lines.append(t("Your open complaints: %(numbers)s (see /mycomplaints).", numbers=numbers))
    if has_draft:
        lines.append(t("Your draft is kept: you can submit it when you can file again."))
    lines.append(emergency_line(t))
    return Screen("\n\n".join(lines))
