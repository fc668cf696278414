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


# Each kind: a prefix and the exact shape of what may follow it.
_PATTERNS = {
    "lang": re.compile(r"lang:(?P<action>km|en)"),
    "menu": re.compile(r"m:(?P<action>new|status|mine|help|lang|home)"),
    "intake": re.compile(
        r"n:(?P<seq>\d{1,9}):(?P<action>cat|place|page|back|cancel|discard|keep|edit|submit|noop)"
        r"(?::(?P<args>[a-z0-9_]{1,24}(?::[a-z0-9_]{1,24}){0,2}))?"
    ),
    "mine": re.compile(r"mc:(?P<action>\d{1,4})"),  # a page of the citizen's own complaints
    "show": re.compile(r"sc:(?P<action>\d{10})"),  # one of the citizen's complaints, by tracking number
    # A complaint's card in a unit's group: c:<complaint id>:<action>[:<reject reason>]
    "card": re.compile(
        r"c:(?P<seq>\d{1,12}):(?P<action>ack|reply|resolve|transfer|reject|back|rr)(?::(?P<args>[a-z_]{1,16}))?"
    ),
    "answer": re.compile(r"ra:(?P<seq>\d{1,12})(?P<action>)"),  # the citizen answers the police
    "feedback": re.compile(r"fb:(?P<seq>\d{1,12}):(?P<action>up|down)"),
    "group_lang": re.compile(r"gl:(?P<action>km|en)"),
    "overdue": re.compile(r"ov:(?P<action>\d{1,4})"),  # a page of the overdue list
    # An escalation card or digest at a level above the unit: e:<complaint id>:<action>
    "escalation": re.compile(r"e:(?P<seq>\d{1,12}):(?P<action>remind|take|reassign|open)"),
    "revoke": re.compile(r"o:(?P<seq>\d{1,12}):(?P<action>revoke)"),
    "forget": re.compile(r"fg:(?P<action>yes|no)"),  # the citizen confirms /forget
    "invite_cancel": re.compile(r"iv:(?P<seq>\d{1,12}):(?P<action>cancel)"),  # an outstanding invitation, by number
}


def decode(data: str | None) -> Press | None:
    """The press, or None for data this bot never issues."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    for kind, pattern in _PATTERNS.items():
        match = pattern.fullmatch(data)
        if match:
            groups = match.groupdict()
            args = tuple(groups["args"].split(":")) if groups.get("args") else ()
            seq = int(groups["seq"]) if groups.get("seq") else None
            return Press(kind, groups["action"], args, seq)
    return None


def intake(seq: int, action: str, *args: object) -> str:
    return encode("n", seq, action, *args)
