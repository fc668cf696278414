"""The simulated people of the intake benchmark (bench/intake.py), and the database they start from."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from bench.harness import Person, any_message, contains, has_button
from sandbox.fake_telegram.actors import FakeUser
from sandbox.fake_telegram.models import Message

SENTENCES = [
    "A man sells drugs near the school every night.",
    "The police at the checkpoint asked me for money to pass.",
    "My motorbike was stolen in front of the market yesterday evening.",
    "They play cards for money behind the pagoda until late.",
    "A truck blocks the road every morning and nobody does anything.",
    "Three young men beat my neighbour in front of his house.",
    "I reported this last month but nothing happened.",
    "មានគេលក់គ្រឿងញៀននៅជិតសាលារៀនរាល់យប់។",
    "ប៉ូលិសនៅប៉ុស្តិ៍ត្រួតពិនិត្យបានសុំលុយពីខ្ញុំ។",
    "It happens around nine o'clock, near the big tree by the river.",
]
TYPED_PLACE = "Svay Dankum"  # one commune in Siem Reap, matched exactly (as in tests/test_intake_flow.py)


def describe(rng: random.Random) -> str:
    return " ".join(rng.sample(SENTENCES, rng.randint(1, 3)))


def is_description_prompt(message: Message) -> bool:
    """The typing steps show a reply keyboard [✅ Done] over [⬅️ Back, ✖️ Cancel] (as in the tests)."""
    return len((message.reply_markup or {}).get("keyboard", [])) == 2


def equals(data: str) -> Callable[[Message], bool]:
    return has_button(lambda d: d == data)


def place_codes(message: Message, seq: int, digits: int) -> list[str]:
    pattern = re.compile(rf"n:{seq}:place:\d{{{digits}}}")
    return [d for _, d in message.buttons() if d is not None and pattern.fullmatch(d)]


class Citizen(Person):
    """A citizen who files complaint after complaint, as tests/test_intake_flow.py does."""

    seq = 1

    async def start_seeded(self) -> None:
        """The citizen's draft is already in the database: /start opens the chat, the menu answers."""
        await self.say("/start", equals("m:new"), "start")

    async def start_from_scratch(self) -> None:
        """Through the interface: language, menu, category, place; ends at the description step."""
        picker = await self.say("/start", equals("lang:en"), "start")
        menu = await self.press(picker, "lang:en", equals("m:new"), "language")
        categories = await self.press(menu, "m:new", has_button(lambda d: ":cat:" in d), "menu")
        await self.to_description(categories)

    async def to_description(self, categories: Message) -> None:
        rng = self.rng
        seq = int(next(d for _, d in categories.buttons() if d and ":cat:" in d).split(":")[1])
        category = rng.choice([d for _, d in categories.buttons() if d and d.startswith(f"n:{seq}:cat:")])
        places = await self.press(categories, category, equals(f"n:{seq}:place:17"), "category")
        if rng.random() < 0.5:
            await self.say(TYPED_PLACE, is_description_prompt, "place typed")
        else:  # Siem Reap, then a district and a commune with the buttons (each press edits the message)
            same = places.message_id
            districts = await self.press(
                places, f"n:{seq}:place:17", lambda m: m.message_id == same and bool(place_codes(m, seq, 4)), "province"
            )
            communes = await self.press(
                districts,
                rng.choice(place_codes(districts, seq, 4)),
                lambda m: m.message_id == same and bool(place_codes(m, seq, 6)),
                "district",
            )
            await self.press(communes, rng.choice(place_codes(communes, seq, 6)), is_description_prompt, "commune")
        self.seq = seq

    async def file_complaints(self) -> None:
        """From the description step: describe, skip evidence, stay anonymous, submit; then a new one."""
        rng = self.rng
        while True:
            seq = self.seq
            for _ in range(rng.randint(1, 3)):
                await self.say(describe(rng), contains("Saved ("), "description")
            await self.say("✅ Done", contains("Evidence"), "done")
            await self.say("⏭ Skip", contains("How can the police reach you?"), "skip evidence")
            review = await self.say("🙈 Stay anonymous", equals(f"n:{seq}:submit"), "anonymous")
            receipt = await self.press(review, f"n:{seq}:submit", contains("Tracking number"), "submit")
            self.crowd.count("complaints")
            if rng.random() < 0.5:
                menu = await self.press(receipt, "m:home", equals("m:new"), "menu")
                categories = await self.press(menu, "m:new", has_button(lambda d: ":cat:" in d), "new")
            else:
                categories = await self.say("/new", has_button(lambda d: ":cat:" in d), "/new")
            await self.to_description(categories)


class EchoPerson(Person):
    async def chat(self) -> None:
        await self.say("/start", any_message, "start")
        while True:
            await self.say(describe(self.rng), any_message, "text")


# --- setup ----------------------------------------------------------------------------------------


async def seed_database(database_url: str, users: list[FakeUser], rng: random.Random) -> None:
    """Users with English chosen and one open draft each, at the description step, written through
    the project's own repositories and intake domain (one transaction)."""
    from bot.domain import intake
    from bot.domain.categories import load_categories
    from bot.domain.places import Gazetteer
    from db.database import open_database
    from db.migrate import migrate
    from db.repositories import drafts
    from db.repositories import users as users_repo

    gazetteer = Gazetteer.load()
    commune = next(m.place.code for m in gazetteer.search(TYPED_PLACE) if m.exact)
    path = [p.code for p in gazetteer.path(commune)]
    valid = {c.key for c in load_categories(None).active()}
    db = await open_database(database_url)
    try:
        await migrate(db)
        async with db.transaction() as tx:
            for user in users:
                draft = intake.choose_category(intake.Draft(), rng.choice(sorted(valid)), valid)
                draft = intake.choose_place(draft, commune, path)
                draft = intake.add_description(draft, describe(rng))
                await users_repo.touch(tx, user.id)
                await users_repo.set_lang(tx, user.id, "en")
                seq = await users_repo.next_draft_seq(tx, user.id)
                await drafts.create(tx, user.id, seq, draft)
    finally:
        await db.close()
