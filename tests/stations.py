"""Test helpers for police units: groups bound to units, enrolled officers, complaints filed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.domain import tracking
from sandbox.fake_telegram import FakeTelegram
from sandbox.fake_telegram.actors import FakeGroup, FakeUser
from sandbox.fake_telegram.fake import WAIT
from sandbox.fake_telegram.models import Message
from tests.conftest import Conversation, RunningBot, start_bot
from tests.test_intake_flow import choose_language, has_button, is_description_prompt

POST = "171001"  # Sangkat Sla Kram, Krong Siem Reap
POST_NAME = "Sla Kram"
DISTRICT = "1710"
PROVINCE = "17"
OTHER_POST = "171002"


@dataclass
class World:
    fake: FakeTelegram
    bot: RunningBot
    admin: FakeUser
    groups: dict[str, FakeGroup] = field(default_factory=dict)
    officers: dict[str, FakeUser] = field(default_factory=dict)
    answered: set[tuple[int, int]] = field(default_factory=set)  # prompts a test already replied to

    def query(self, sql: str, params: tuple = ()) -> list:
        return self.bot.query(sql, params)

    async def bind(
        self, code: str, *, title: str | None = None, supergroup: bool = True, lang: str = "en"
    ) -> FakeGroup:
        """A group bound to the unit, its cards in `lang` (units start in Khmer). Like an administrator
        would, the admin first makes the bot an administrator allowed to ban users (/bind needs it)."""
        group = self.fake.group(title or f"Unit {code}", supergroup=supergroup, members=[self.admin])
        group.set_bot_status("administrator", by=self.admin)
        group.send(self.admin, f"/bind {code}")
        await self.fake.wait_for_message(group.id, lambda m: f"({code})" in m.plain_text)
        if lang == "en":
            await self.english_group(group)
        self.groups[code] = group
        return group

    async def english_group(self, group: FakeGroup) -> None:
        """Switch a bound group's cards to English (the admin must be in it)."""
        group.send(self.admin, "/language")
        picker = await self.fake.wait_for_message(group.id, lambda m: "gl:en" in [d for _, d in m.buttons()])
        self.admin.press(picker, "gl:en")
        await self.fake.wait_for_edit(group.id, picker.message_id)

    async def english(self, user: FakeUser) -> FakeUser:
        """The person chooses English in their private chat (replies to their commands follow it)."""
        user.send("/language")
        picker = await self.fake.wait_for_message(user.chat_id, lambda m: "lang:en" in [d for _, d in m.buttons()])
        user.press(picker, "lang:en")
        await self.fake.wait_for_edit(user.chat_id, picker.message_id)
        return user

    async def invite(self, code: str, role: str = "officer", name: str = "Officer") -> FakeUser:
        self.admin.send(f"/invite {code} {role}")
        message = await self.fake.wait_for_message(self.admin.chat_id, lambda m: "t.me/" in m.plain_text)
        token = re.search(r"start=(inv_[\w-]+)", message.plain_text).group(1)
        person = self.fake.user(name, language_code="en")
        person.send(f"/start {token}")
        await self.fake.next_bot_message(person.chat_id)  # "You are now …" (in Khmer: no language chosen)
        await self.english(person)
        group = self.groups.get(code)
        if group is not None:
            group.add_member(person, by=self.admin)
        self.officers[f"{code}:{name}"] = person
        return person

    async def card(self, code: str, number: str, *, timeout: float = WAIT) -> Message:
        """The card of complaint `number` in the group of unit `code`."""
        shown = (tracking.display(number, "km"), tracking.display(number, "en"))
        return await self.fake.wait_for_message(
            self.groups[code].id,
            lambda m: any(n in m.plain_text for n in shown) and bool(m.buttons()),
            timeout=timeout,
        )

    def current(self, message: Message) -> Message:
        return self.fake.message(message.chat_id, message.message_id)


async def make_world(fake: FakeTelegram, tmp_path: Path, **env: str) -> World:
    admin = fake.user("Admin", language_code="en", username="ministry_admin")
    admin.send("/start")
    running = await start_bot(fake, tmp_path / "bot.sqlite3", ADMIN_IDS=str(admin.id), **env)
    picker = await fake.next_bot_message(admin.chat_id)
    admin.press(picker, "lang:en")
    await fake.wait_for_edit(admin.chat_id, picker.message_id)
    fake.consume_all(admin.chat_id)
    return World(fake, running, admin)


async def file_complaint(
    chat: Conversation,
    *,
    category: str = "drugs",
    commune: str = POST,
    text: str = "Drugs are sold at night.",
    more_text: tuple[str, ...] = (),  # further messages of the account
    spoken: tuple[int, ...] = (),  # voice messages telling what happened, by length in seconds
    share_phone: bool = False,
    evidence: tuple[str, ...] = (),
    location: tuple[float, float] | None = None,
) -> str:
    """A citizen files a complaint through the real intake; returns its tracking number."""
    fake = chat.fake
    menu = await choose_language(chat)
    await chat.press(menu, "m:new")
    categories = await fake.wait_for_message(chat.chat_id, has_button(f":cat:{category}"))
    await chat.press(categories, next(d for _, d in categories.buttons() if d.endswith(f":cat:{category}")))
    # The category's question is edited into the place's, a level at a time.
    picker = await chat.edited(categories, has_button(":place:17"))
    for code in (commune[:2], commune[:4], commune):
        current = fake.message(chat.chat_id, picker.message_id)
        await chat.press(current, next(d for _, d in current.buttons() if d.endswith(f":place:{code}")))
        if code != commune:
            await fake.wait_for_edit(chat.chat_id, picker.message_id)
    await fake.wait_for_message(chat.chat_id, is_description_prompt)
    if location:  # offered on the description step's keyboard
        chat.user.tap("📍 Send my location", location=location)
        await chat.reply("Location saved")
    if text:
        await chat.say(text, expect="Saved")
    for part in more_text:
        await chat.say(part, expect="Saved")
    for seconds in spoken:
        chat.user.send_voice(duration=seconds)
        await chat.reply("Saved your voice message")
    await chat.say("✅ Done", expect="Evidence")
    for kind in evidence:
        getattr(chat.user, f"send_{kind}")()
        await chat.reply("Saved")
    await chat.say("✅ Done" if evidence else "⏭ Skip", expect="reach you")
    if share_phone:
        await chat.say("012 345 678", expect="012 345 678")
    else:
        await chat.say("🙈 Stay anonymous", expect="anonymous")
    review = await chat.reply("Please check your complaint")
    await chat.press(review, next(d for _, d in review.buttons() if d.endswith(":submit")))
    receipt = await chat.reply("Your complaint has been filed")
    return tracking.parse(receipt.plain_text.split("Tracking number: ")[1].split()[0])[0]
