"""Where a button was pressed, for the buttons that work only where their unit is bound.

A complaint's card is posted in its unit's chat (and forum topic); a copy of its buttons pressed
anywhere else (another group the officer is in, another topic) was forged or copied, and acting on
it would post prompts and answers about the complaint where they do not belong.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.units import Unit


@dataclass(frozen=True)
class Place:
    """The chat is the session's (the chat the press came from); this adds the forum topic."""

    thread_id: int | None  # the topic of the pressed message; None in a chat without topics or in General
    # Telegram omits a message it no longer shows (e.g. too old); then only the chat can be checked,
    # which is the boundary that matters: every member of a group can read all of its topics.
    topic_known: bool = True

    def is_bound_place_of(self, unit: Unit, chat_id: int) -> bool:
        return unit.chat_id == chat_id and (not self.topic_known or self.thread_id == unit.thread_id)
