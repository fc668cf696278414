"""Staff answers that belong in a private chat only, and the way back to it from a group.

Figures, queues, complaint cards with their history, charts, exports and the citizen's contact
must never be posted in a group: whoever else is in it (the post's officers, for a province's
figures; a family, in a group the bot was merely added to) would read them. So in any group these
commands get the same short pointer, whoever asks, with a button that opens the private chat.

The button is a deep link (https://t.me/<bot>?start=ask_<command>[_<argument>]) that runs the same
command there. Its payload is only a shortcut: it is parsed strictly and the command then checks,
in the private chat, who is asking, exactly as if they had typed it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain import tracking
from bot.domain.textnorm import to_latin_digits
from bot.services.session import Session
from bot.services.units_admin import parse_code
from bot.views import supervision as views

PAYLOAD_PREFIX = "ask_"
# What may follow each command in a payload: a tracking number or a unit code for /status and
# /officers, a number of days for /stats and /export; never free text (a /reveal reason stays typed).
ARGUMENT_SHAPES: dict[str, re.Pattern[str] | None] = {
    "status": re.compile(r"KH|[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{10}"),
    "officers": re.compile(r"KH|[0-9]{2}|[0-9]{4}|[0-9]{6}"),
    "stats": re.compile(r"[0-9]{1,3}"),
    "export": re.compile(r"[0-9]{1,3}"),
    "overdue": None,
    "reveal": None,
    "invite": None,  # the role and unit are typed there: a link must not create an invitation
    "reopen": None,  # the reason is typed there
}
_PAYLOAD = re.compile(rf"{PAYLOAD_PREFIX}(?P<command>[a-z]{{1,10}})(?:_(?P<argument>[0-9A-Z]{{1,10}}))?")


@dataclass(frozen=True)
class Asked:
    """A staff command carried by a deep link into the private chat."""

    command: str
    args: tuple[str, ...] = ()


def parse_payload(payload: str) -> Asked | None:
    """The command a /start payload asks for, or None if it is not exactly one this bot issues."""
    match = _PAYLOAD.fullmatch(payload)
    if match is None or match["command"] not in ARGUMENT_SHAPES:
        return None
    shape, argument = ARGUMENT_SHAPES[match["command"]], match["argument"]
    if argument is None:
        return Asked(match["command"])
    if shape is None or not shape.fullmatch(argument):
        return None
    return Asked(match["command"], (argument,))


def is_private(s: Session) -> bool:
    """Telegram gives a private chat the id of the person in it; a group's id is never a user's."""
    return s.person.chat_id == s.person.user_id


async def _argument(s: Session, command: str, args: list[str]) -> str | None:
    """What the typed arguments mean, in the payload's strict form (None: nothing to carry)."""
    if not args:
        return None
    if command in ("stats", "export"):
        digits = "".join(ch for ch in to_latin_digits(args[0]) if ch.isdigit())
        return digits[:3] if digits else None
    if command not in ("status", "officers"):
        return None
    number, _ = tracking.parse(" ".join(args))
    if number is not None and command == "status":
        return number
    code = parse_code(args[0])
    return code if (await s.registry()).get(code) is not None else None


async def deep_link(s: Session, command: str, args: list[str]) -> str:
    payload = PAYLOAD_PREFIX + command
    argument = await _argument(s, command, args)
    if argument is not None:
        payload += "_" + argument
    assert parse_payload(payload) is not None, payload  # what we issue, we accept
    return f"https://t.me/{s.services.bot_username}?start={payload}"


async def point(s: Session, command: str, args: list[str], thread_id: int | None) -> None:
    """The only answer a group gets to a private-only command: the same for everyone who asks, so
    it tells the group nothing, not even whether the person asking is staff."""
    link = await deep_link(s, command, args)
    await s.queue(views.ask_in_private(s.t, link).send(s.person.chat_id, thread_id=thread_id))
