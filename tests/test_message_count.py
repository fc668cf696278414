"""A fast citizen files two complaints back to back: every answer comes at once (issue 11).

Each step sends one prompt and confirms a choice by editing the question in place, so a complaint
costs at most 8 new messages from /new to the receipt, and the per-chat windows of the bot's sender
(bot/ratelimit.py: 4 a second, 28 in 30 seconds to one private chat, edits included) never make a
citizen who acts at a person's pace wait.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sandbox.fake_telegram.models import Message
from tests.conftest import Conversation
from tests.stations import POST
from tests.test_intake_flow import choose_language, has_button, is_description_prompt

PACE = 1.0  # seconds between a fast person's actions: read the answer, tap or type the next one
PROMPT_WITHIN = 2.0  # every answer is there this soon after the action
MAX_MESSAGES = 8  # new messages from /new to the receipt (edits of a screen are not counted)

NEW_MESSAGE_METHODS = {"sendmessage", "sendphoto", "sendvideo", "senddocument", "sendvoice", "sendaudio",
                       "sendanimation", "sendvideonote", "sendmediagroup", "sendlocation", "sendcontact",
                       "copymessage", "copymessages", "forwardmessage", "forwardmessages"}  # fmt: skip
EDIT_METHODS = {"editmessagetext", "editmessagereplymarkup", "editmessagecaption"}


@dataclass
class FastCitizen:
    chat: Conversation
    latencies: list[tuple[str, float]] = field(default_factory=list)

    @property
    def fake(self):
        return self.chat.fake

    def _shown(self) -> dict[int, int]:
        return {m.message_id: m.edit_count for m in self.fake.bot_messages(self.chat_id)}

    @property
    def chat_id(self) -> int:
        return self.chat.chat_id

    async def act(self, what: str, action: Callable[[], object], answer: Callable[[Message], bool]) -> Message:
        """Do `action`, wait for a message that is new or newly edited and matches `answer`, note how
        long it took, then pause like a person reading it."""
        before = self._shown()
        started = time.monotonic()
        action()

        def answered() -> Message | None:
            for message in self.fake.bot_messages(self.chat_id):
                changed = before.get(message.message_id, -1) < message.edit_count
                if changed and answer(message):
                    return message
            return None

        message = await self.fake.wait_for(answered, timeout=15, what=f"the answer to {what}")
        self.latencies.append((what, time.monotonic() - started))
        await asyncio.sleep(PACE)
        return message

    def say(self, what: str, text: str, answer: Callable[[Message], bool]):
        return self.act(what, lambda: self.chat.user.send(text), answer)

    def press(self, what: str, message: Message, data_suffix: str, answer: Callable[[Message], bool]):
        current = self.fake.message(self.chat_id, message.message_id)
        data = next(d for _, d in current.buttons() if d and d.endswith(data_suffix))
        return self.act(what, lambda: self.chat.user.press(current, data), answer)


def contains(text: str) -> Callable[[Message], bool]:
    return lambda m: text in (m.plain_text or "")


async def file_fast(citizen: FastCitizen, *, typed_place: bool) -> None:
    """/new to the receipt: Drugs by button, the place by buttons or typed, one text, no evidence,
    anonymous or a typed phone number, submit."""
    categories = await citizen.say("/new", "/new", has_button(":cat:drugs"))
    picker = await citizen.press("the category", categories, ":cat:drugs", has_button(":place:17"))
    if typed_place:
        await citizen.say("a typed commune", "Sla Kram, Siem Reap", is_description_prompt)
    else:
        for code, shows in ((POST[:2], POST[:4]), (POST[:4], POST)):
            picker = await citizen.press(f"place {code}", picker, f":place:{code}", has_button(f":place:{shows}"))
        await citizen.press("the commune", picker, f":place:{POST}", is_description_prompt)
    await citizen.say("the account", "Drugs are sold at night behind the market.", contains("Saved"))
    await citizen.say("✅ Done", "✅ Done", contains("Evidence"))
    await citizen.say("⏭ Skip", "⏭ Skip", contains("reach you"))
    if typed_place:
        review = await citizen.say("a phone number", "012 345 678", has_button(":submit"))
    else:
        review = await citizen.say("🙈 Stay anonymous", "🙈 Stay anonymous", has_button(":submit"))
    await citizen.press("✅ Submit", review, ":submit", contains("Your complaint has been filed"))


def sent_to(fake, chat_id: int, since: float, methods: set[str]) -> int:
    return sum(
        1
        for c in fake.calls
        if c.time >= since
        and c.status == 200
        and c.method.lower() in methods
        and str(c.params.get("chat_id")) == str(chat_id)
    )


async def test_two_complaints_back_to_back_at_a_fast_pace_wait_for_nothing(bot, fake, citizen):
    chat = citizen(language_code="en")
    await choose_language(chat)
    person = FastCitizen(chat)
    counts = []
    for typed_place in (False, True):
        since = time.time()
        await file_fast(person, typed_place=typed_place)
        counts.append(
            (sent_to(fake, chat.chat_id, since, NEW_MESSAGE_METHODS), sent_to(fake, chat.chat_id, since, EDIT_METHODS))
        )
    print(f"\nmessages (new, edits) per complaint: {counts}")
    print(
        "slowest answers: " + ", ".join(f"{w} {s:.2f}s" for w, s in sorted(person.latencies, key=lambda x: -x[1])[:4])
    )
    assert bot.query("SELECT COUNT(*) AS n FROM complaints")[0]["n"] == 2
    assert all(new <= MAX_MESSAGES for new, _ in counts), counts
    slow = [(w, round(s, 2)) for w, s in person.latencies if s > PROMPT_WITHIN]
    assert not slow, slow
