"""Who may manage a unit, asked about anyone (not only the person acting), and the refusals."""

from __future__ import annotations

from html import escape

from bot.domain.access import Actor
from bot.domain.textnorm import strip_invisible, to_latin_digits
from bot.i18n import Translator
from bot.services.session import Work
from db.repositories import members


def not_allowed(t: Translator, unit_name: str, *, html: bool = True) -> str:
    return t(
        "Only a system administrator or a supervisor over %(unit)s can do this.",
        unit=escape(unit_name) if html else unit_name,
    )


def parse_code(text: str) -> str:
    return to_latin_digits(strip_invisible(text)).strip().upper()


async def actor_of(w: Work, user_id: int) -> Actor:
    """Someone's rights as they stand now: an invitation's creator at enrolment, a revoked person
    (who may still belong to other units), a person who joined a group."""
    return Actor(
        user_id,
        is_admin=user_id in w.services.settings.admin_ids,
        memberships=await members.memberships(w.tx, user_id),
    )
