"""Inline-button data: short ASCII strings, parsed strictly, never trusted.

Telegram limits callback_data to 64 bytes, and a modified client can send any data it likes, so
every press is parsed against these patterns (anything else is "forged") and then re-authorized
against the database by the handler. Labels never travel in the data: Khmer is 3 bytes a letter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64


@dataclass(frozen=True)
class Press:
    kind: str  # a key of _PATTERNS
    action: str
    args: tuple[str, ...] = ()
    draft_seq: int | None = None  # the number the data carries: a draft, complaint or member id

    @property
    def target(self) -> int:
        assert self.draft_seq is not None
        return self.draft_seq


def encode(*parts: object) -> str:
    data = ":".join(str(p) for p in parts)
    if not data or len(data.encode()) > MAX_BYTES or not data.isascii():
        raise ValueError(f"callback data must be 1-{MAX_BYTES} ASCII bytes: {data!r}")
    return data


def _shape(regex: str) -> re.Pattern[str]:
    # ASCII: without it \d also takes Khmer and other digits, which int() reads (c:៤:ack is not ours).
    return re.compile(regex, re.ASCII)


# Each kind: a prefix and the exact shape of what may follow it. The prefixes differ, so at most one
# kind matches any data.
_PATTERNS = {
    "lang": _shape(r"lang:(?P<action>km|en)"),
    "menu": _shape(r"m:(?P<action>new|status|mine|help|lang|home)"),
    "intake": _shape(
        r"n:(?P<seq>\d{1,9}):(?P<action>cat|place|page|back|cancel|discard|keep|edit|submit|noop)"
        r"(?::(?P<args>[a-z0-9_]{1,24}(?::[a-z0-9_]{1,24}){0,2}))?"
    ),
    "mine": _shape(r"mc:(?P<action>\d{1,4})"),  # a page of the citizen's own complaints
    "show": _shape(r"sc:(?P<action>\d{10})"),  # one of the citizen's complaints, by tracking number
    # A complaint's card in a unit's group: c:<complaint id>:<action>[:<reject reason>]
    "card": _shape(
        r"c:(?P<seq>\d{1,12}):(?P<action>ack|reply|resolve|transfer|reject|back|rr)(?::(?P<args>[a-z_]{1,16}))?"
    ),
    "answer": _shape(r"ra:(?P<seq>\d{1,12})(?P<action>)"),  # the citizen answers the police
    "feedback": _shape(r"fb:(?P<seq>\d{1,12}):(?P<action>up|down)"),
    "group_lang": _shape(r"gl:(?P<action>km|en)"),
    "overdue": _shape(r"ov:(?P<action>\d{1,4})"),  # a page of the overdue list
    # An escalation card or digest at a level above the unit: e:<complaint id>:<action>
    "escalation": _shape(r"e:(?P<seq>\d{1,12}):(?P<action>remind|take|reassign|open)"),
    "revoke": _shape(r"o:(?P<seq>\d{1,12}):(?P<action>revoke)"),
    "forget": _shape(r"fg:(?P<action>yes|no)"),  # the citizen confirms /forget
    "invite_cancel": _shape(r"iv:(?P<seq>\d{1,12}):(?P<action>cancel)"),  # an outstanding invitation, by number
}


KINDS = tuple(_PATTERNS)


def pattern(kind: str) -> re.Pattern[str]:
    """What python-telegram-bot's CallbackQueryHandler routes to `kind`. It matches at the start of
    the data only, so this is anchored at the end too; the handler still parses with `decode`."""
    return _shape(rf"(?:{_PATTERNS[kind].pattern})\Z")


def decode(data: str | None) -> Press | None:
    """The press, or None for data this bot never issues."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    for kind, shape in _PATTERNS.items():
        match = shape.fullmatch(data)
        if match:
            groups = match.groupdict()
            args = tuple(groups["args"].split(":")) if groups.get("args") else ()
            seq = int(groups["seq"]) if groups.get("seq") else None
            return Press(kind, groups["action"], args, seq)
    return None


def intake(seq: int, action: str, *args: object) -> str:
    return encode("n", seq, action, *args)
