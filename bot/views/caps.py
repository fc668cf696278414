"""Why a citizen cannot file a complaint now (policy [limits]), said kindly: which cap, their open
complaints' numbers, whether their draft is kept, and the hotline for emergencies."""

from __future__ import annotations

from bot.domain import tracking
from bot.i18n import Translator
from bot.outgoing import Screen
from bot.views.common import emergency_line


def over_a_cap(t: Translator, cap: str, limit: int, open_numbers: list[str], *, has_draft: bool) -> Screen:
    """`cap`: "open" (too many open at once) or "daily" (too many filed today); `limit`: that cap."""
    if cap == "open":
        why = t.plural(
            "You already have %(num)s open complaint, the most one person can have at a time. You can file a "
            "new one when it is closed.",
            "You already have %(num)s open complaints, the most one person can have at a time. You can file a "
            "new one when one of them is closed.",
            limit,
        )
    else:
        why = t.plural(
            "You have already filed %(num)s complaint today, the most one person can file in one day. You can "
            "file again tomorrow.",
            "You have already filed %(num)s complaints today, the most one person can file in one day. You can "
            "file again tomorrow.",
            limit,
        )
    lines = ["🙏 " + why]
    if open_numbers:
        numbers = ", ".join("<b>" + tracking.display(n, t.lang) + "</b>" for n in open_numbers)
        lines.append(t("Your open complaints: %(numbers)s (see /mycomplaints).", numbers=numbers))
    if has_draft:
        lines.append(t("Your draft is kept: you can submit it when you can file again."))
    lines.append(emergency_line(t))
    return Screen("\n\n".join(lines))
