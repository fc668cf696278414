"""The sandbox's cast: who is who, set up through the bot itself, as a ministry would do it.

An administrator makes the bot an administrator of each group (allowed to ban users, which `/bind`
requires), binds one province's chain of units (a commune post, its district and province, and the
ministry) to groups with `/bind`, and enrols an officer per unit and a supervisor with
`/invite` links that the people open. No database is written from here: the bot does it all, so
the sandbox shows the same bot a ministry would run.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bot.domain.places import Gazetteer
from bot.domain.units import Unit, default_registry
from bot.i18n import Translator
from sandbox.fake_telegram import FakeTelegram
from sandbox.fake_telegram.actors import FakeGroup, FakeUser
from sandbox.fake_telegram.models import Message

# Sangkat Sla Kram, Krong Siem Reab, Siem Reab province: a post with its whole chain above it.
PROVINCE, DISTRICT, POST, MINISTRY = "17", "1710", "171001", "KH"
CHAIN = (POST, DISTRICT, PROVINCE, MINISTRY)
OFFICER_NAMES = {POST: "Dara", DISTRICT: "Vicheka", PROVINCE: "Sophal", MINISTRY: "Chanthou"}
# Short enough to watch an escalation during a demo; each can be overridden in the environment.
DEMO_DEADLINES = {"ACK_DEADLINE": "3m", "RESOLVE_DEADLINE": "15m", "ESCALATION_STEP": "3m", "SWEEP_INTERVAL": "10s"}
STEP_TIMEOUT = 30.0


@functools.cache
def chain_units() -> dict[str, Unit]:
    """The demo's units as the bot knows them (its own registry, built from the gazetteer), so that
    the groups' titles, the page and the start-up text call each unit what the bot calls it."""
    registry = default_registry(Gazetteer.load())
    return {code: registry.units[code] for code in CHAIN}


def group_title(code: str) -> str:
    """A Telegram group has one title for everyone: the unit's Khmer name, then its English one."""
    unit = chain_units()[code]
    return f"{unit.name_km} · {unit.name_en}"


def unit_named(t: Translator, code: str) -> str:
    """A unit in running text, as the bot writes it (bot/views/units.py unit_label, without bold)."""
    return f"{chain_units()[code].name(t.lang)} ({code})"


@dataclass
class Cast:
    admin: int
    citizen: int
    supervisor: int
    officers: dict[str, int] = field(default_factory=dict)  # unit code -> user id
    groups: dict[str, int] = field(default_factory=dict)  # unit code -> chat id

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Cast:
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def create_people(fake: FakeTelegram) -> tuple[FakeUser, FakeUser, FakeUser, dict[str, FakeUser]]:
    """The people of the demo (before the bot starts: the administrator's id is its ADMIN_IDS)."""
    admin = fake.user("Ministry IT", username="ministry_it", language_code="en")
    citizen = fake.user("Sokha", last_name="Chan", language_code="km", phone="+85512345678")
    supervisor = fake.user("Vanna", username="vanna_supervisor", language_code="km")
    officers = {code: fake.user(name, language_code="km") for code, name in OFFICER_NAMES.items()}
    return admin, citizen, supervisor, officers


async def _reply(fake: FakeTelegram, chat_id: int, contains: str) -> Message:
    return await fake.wait_for_message(chat_id, lambda m: contains in m.plain_text, timeout=STEP_TIMEOUT)


async def _enrol(fake: FakeTelegram, admin: FakeUser, person: FakeUser, code: str, role: str) -> None:
    admin.send(f"/invite {code} {role}")
    link = await _reply(fake, admin.chat_id, "t.me/")
    token = re.search(r"start=(inv_[\w-]+)", link.plain_text)
    if token is None:
        raise RuntimeError(f"the bot's invitation did not contain a link: {link.plain_text!r}")
    person.send(f"/start {token.group(1)}")
    await fake.next_bot_message(person.chat_id, timeout=STEP_TIMEOUT)


async def stage(fake: FakeTelegram, admin: FakeUser, citizen: FakeUser, supervisor: FakeUser, officers) -> Cast:
    """Bind the groups and enrol everyone through the running bot; returns who is who."""
    admin.send("/start")
    picker = await fake.next_bot_message(admin.chat_id, timeout=STEP_TIMEOUT)
    admin.press(picker, "lang:en")
    await fake.wait_for_edit(admin.chat_id, picker.message_id, timeout=STEP_TIMEOUT)
    groups: dict[str, FakeGroup] = {}
    for code in CHAIN:
        members = [admin, officers[code]] + ([supervisor] if code != MINISTRY else [])
        group = fake.group(group_title(code), supergroup=True, members=members)
        # /bind needs the bot to be an administrator allowed to ban users: the admin promotes it first.
        group.set_bot_status("administrator", by=admin)
        group.send(admin, f"/bind {code}")
        await fake.wait_for_message(group.id, lambda m, code=code: f"({code})" in m.plain_text, timeout=STEP_TIMEOUT)
        groups[code] = group
    for code in CHAIN:
        await _enrol(fake, admin, officers[code], code, "officer")
    await _enrol(fake, admin, supervisor, PROVINCE, "supervisor")
    await asyncio.sleep(0)
    return Cast(
        admin=admin.id,
        citizen=citizen.id,
        supervisor=supervisor.id,
        officers={code: user.id for code, user in officers.items()},
        groups={code: group.id for code, group in groups.items()},
    )


def describe(cast: Cast, fake: FakeTelegram, deadlines: dict[str, str], t: Translator) -> list[str]:
    """Who is who, for the console (English) and the page's Demo panel (in the page's language)."""
    name = {uid: fake.world.users[uid].first_name for uid in (cast.citizen, cast.supervisor, *cast.officers.values())}
    officer = {code: name[uid] for code, uid in cast.officers.items()}
    return [
        t(
            "Citizen: %(name)s (private chat with the bot; press Start, then file a complaint).",
            name=name[cast.citizen],
        ),
        t("%(unit)s: officer %(name)s in its group.", unit=unit_named(t, POST), name=officer[POST]),
        t("%(unit)s: officer %(name)s.", unit=unit_named(t, DISTRICT), name=officer[DISTRICT]),
        t(
            "%(unit)s: officer %(name)s; supervisor %(supervisor)s "
            "(scope: the province; try /status, /overdue, /stats, /export).",
            unit=unit_named(t, PROVINCE),
            name=officer[PROVINCE],
            supervisor=name[cast.supervisor],
        ),
        t(
            "%(unit)s: officer %(name)s; it hears of every missed deadline.",
            unit=unit_named(t, MINISTRY),
            name=officer[MINISTRY],
        ),
        t("File the complaint in Sangkat Sla Kram (Siemreap → Siem Reab → Sla Kram) to reach the post."),
        t(
            "Deadlines: acknowledge within %(ack)s, each level up gets %(step)s, resolve within %(resolve)s; "
            "checked every %(sweep)s.",
            ack=deadlines["ACK_DEADLINE"],
            step=deadlines["ESCALATION_STEP"],
            resolve=deadlines["RESOLVE_DEADLINE"],
            sweep=deadlines["SWEEP_INTERVAL"],
        ),
    ]
