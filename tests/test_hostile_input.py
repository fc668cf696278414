"""One hostile message must not freeze the bot (issue 8): a 4,096-character text at a place step is
answered quickly, while other chats carry on, and no costly matching runs inside a write transaction
(every other chat waits for the one database lock)."""

from __future__ import annotations

import contextvars
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from bot.domain.places import Gazetteer
from bot.services import intake_typed as intake_service
from db.database import Database
from tests.conftest import Conversation
from tests.test_intake_flow import choose_language, has_button, is_description_prompt, to_description

TELEGRAM_MAX = 4096
MANY_SHORT_WORDS = ("ka " * TELEGRAM_MAX)[:TELEGRAM_MAX]  # the slowest input before the fix: ~5 s
KHMER_NO_SPACES = ("ស្វាយដង្គំសៀមរាប" * TELEGRAM_MAX)[:TELEGRAM_MAX]


async def to_place_step(chat: Conversation) -> None:
    menu = await choose_language(chat)
    await chat.press(menu, "m:new")
    categories = await chat.fake.wait_for_message(chat.chat_id, has_button(":cat:drugs"))
    await chat.press(categories, next(d for _, d in categories.buttons() if d.endswith(":cat:drugs")))
    await chat.edited(categories, has_button(":place:17"))


def draft_step(bot, chat: Conversation) -> str:
    row = bot.query("SELECT data FROM drafts WHERE user_id = ?", (chat.user.id,))[0]
    return json.loads(row["data"])["step"]


async def test_a_long_text_at_the_place_step_is_answered_while_another_citizen_carries_on(bot, fake, citizen):
    attacker, neighbour = citizen("Attacker", language_code="en"), citizen("Neighbour", language_code="en")
    await to_place_step(attacker)
    await to_place_step(neighbour)

    # Each long text is queued right before one of the neighbour's messages.
    neighbour_turns = [
        ("Svay Dankum", is_description_prompt),
        ("Drugs are sold behind the market every night.", lambda m: "Saved" in m.plain_text),
    ]
    for text, (said, answered) in zip((MANY_SHORT_WORDS, KHMER_NO_SPACES), neighbour_turns, strict=True):
        attacker.user.send(text)
        neighbour.user.send(said)
        await fake.wait_for_message(neighbour.chat_id, answered)
        answer = await attacker.reply("No place called")
        # The answer quotes only the start of the text (all that was matched), and fits in a message.
        assert text[:20] in answer.plain_text and "…" in answer.plain_text
        assert len(answer.plain_text) < 300
        assert draft_step(bot, attacker) == "province"

    # The attacker's own conversation still works too.
    attacker.user.send("Svay Dankum")
    await fake.wait_for_message(attacker.chat_id, is_description_prompt)
    assert draft_step(bot, attacker) == "description"


@pytest.fixture
def costly_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int, bool]]:
    """(what, length of its text, inside a write transaction?) for each call into place matching and
    into match_key from the intake service, in the bot running in this process."""
    in_write: contextvars.ContextVar[bool] = contextvars.ContextVar("in_write", default=False)
    calls: list[tuple[str, int, bool]] = []
    transaction = Database.transaction

    @asynccontextmanager
    async def marked_transaction(self: Database) -> AsyncIterator[object]:
        token = in_write.set(True)  # a context variable: other chats' transactions do not count
        try:
            async with transaction(self) as tx:
                yield tx
        finally:
            in_write.reset(token)

    def recorded(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def record(*args: Any, **kwargs: Any) -> Any:
            text = args[1] if name.startswith("Gazetteer") else args[0]
            calls.append((name, len(text), in_write.get()))
            return function(*args, **kwargs)

        return record

    monkeypatch.setattr(Database, "transaction", marked_transaction)
    for method in ("search", "search_in_context"):
        monkeypatch.setattr(Gazetteer, method, recorded(f"Gazetteer.{method}", getattr(Gazetteer, method)))
    monkeypatch.setattr(intake_service, "match_key", recorded("match_key", intake_service.match_key))
    intake_service.place_matches.cache_clear()  # texts matched by earlier tests would not be searched again
    return calls


async def test_place_matching_runs_outside_the_write_transaction(bot, fake, citizen, costly_calls):
    chat = citizen(language_code="en")
    await to_place_step(chat)
    await chat.say("Samraong", expect="Several places match")  # communes of that name in several provinces
    await chat.say(MANY_SHORT_WORDS, expect="No place called")
    chat.user.send("Svay Dankum")
    await fake.wait_for_message(chat.chat_id, is_description_prompt)

    searched = [call for call in costly_calls if call[0].startswith("Gazetteer")]
    assert {length for _, length, _ in searched} >= {len("Samraong"), TELEGRAM_MAX, len("Svay Dankum")}
    assert [call for call in searched if call[2]] == []  # computed before the session, read back inside


async def test_long_texts_at_other_steps_are_not_normalized_inside_the_transaction(bot, fake, citizen, costly_calls):
    chat = citizen(language_code="en")
    menu = await choose_language(chat)
    await chat.press(menu, "m:new")
    await chat.reply("what is it about?")
    await chat.say(KHMER_NO_SPACES, expect="Please choose one of the categories")

    other = citizen("Other", language_code="en")
    await to_description(other)
    await other.say(KHMER_NO_SPACES, expect="Saved")  # a long account is kept (issue 11)

    long_inside = [call for call in costly_calls if call[2] and call[1] > intake_service._LABEL_TEXT_MAX]
    assert long_inside == []
