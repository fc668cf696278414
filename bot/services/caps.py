"""The caps on complaints per citizen (policy [limits]): open at once, and filed per Phnom Penh day.

Checked at /new and at Submit. A citizen over a cap is told why, kindly, with their open complaints'
numbers and the hotline for emergencies; nothing is filed and their draft is kept.
"""

from __future__ import annotations

import time

from bot.outgoing import Screen
from bot.services.session import Session
from bot.views import caps as views
from db.repositories import quotas


async def refusal(s: Session, *, has_draft: bool) -> Screen | None:
    """Why the citizen cannot file a complaint now, or None if they can."""
    limits = s.services.policy.limits
    open_numbers = await quotas.open_numbers(s.tx, s.user.user_id)
    filed_today = await quotas.filed_since(s.tx, s.user.user_id, limits.day_start(time.time()))
    cap = limits.cap_reached(len(open_numbers), filed_today)
    if cap is None:
        return None
    limit = limits.open_complaints if cap == "open" else limits.complaints_per_day
    return views.over_a_cap(s.t, cap, limit, open_numbers, has_draft=has_draft)
