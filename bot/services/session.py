"""What every service needs: the shared components, and one transaction per incoming update.

A `Session` is opened for each update a person sends. Its state changes and everything the bot
answers are written in one transaction: either both happen or neither does, and a crash after
the commit still delivers the answers (the outbox sender picks them up after a restart).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from bot.config import Settings
from bot.domain.access import Actor
from bot.domain.categories import Categories
from bot.domain.places import Gazetteer
from bot.domain.policy import Policy
from bot.domain.units import Registry
from bot.i18n import Catalogs, Translator
from bot.outgoing import Outgoing, Screen
from db.database import Database, Tx
from db.repositories import members, outbox, units, users
from db.repositories.outbox import OutboxRow
from db.repositories.users import User


@dataclass(frozen=True, eq=False)  # one of each per process: compared by identity
class Services:
    """Every component the services use, all built before the bot handles its first update
    (bot/app.py builds them in order; nothing is set on them afterwards)."""

    settings: Settings
    db: Database
    catalogs: Catalogs
    gazetteer: Gazetteer
    categories: Categories
    policy: Policy
    # Hands committed outbox rows to the sender (without it, the sender's scan finds them a second later).
    outbox_push: Callable[[list[OutboxRow]], None]
    # Waits until everything sent so far is recorded (see OutboxSender.settle).
    settle_sends: Callable[[], Awaitable[None]]
    # Runs the deadline sweep now rather than at its next interval.
    wake_sweeper: Callable[[], None]
    # The bot's @username on Telegram (from getMe), for t.me links.
    bot_username: str
    directory: UnitDirectory = field(default_factory=lambda: UnitDirectory())


class UnitDirectory:
    """The unit registry, reloaded only when the units table changed (a bind, an import…)."""

    def __init__(self) -> None:
        self._registry: Registry | None = None
        self._version: tuple[int, float] | None = None

    async def registry(self, tx: Tx) -> Registry:
        version = await units.version(tx)
        if self._registry is None or version != self._version:
            self._registry, self._version = await units.load(tx), version
        return self._registry


@dataclass(frozen=True)
class PressAnswer:
    """The answer to a button press: a short text (a toast, or an alert box)."""

    text: str | None = None
    alert: bool = False


@dataclass(frozen=True)
class Person:
    """Who sent an update, as Telegram describes them."""

    user_id: int
    chat_id: int
    first_name: str | None = None
    username: str | None = None
    last_name: str | None = None

    @property
    def display_name(self) -> str:
        name = " ".join(p for p in (self.first_name, self.last_name) if p) or str(self.user_id)
        return f"{name} (@{self.username})" if self.username else name


class Work:
    """One transaction and the messages it queues: a state change and its announcements commit
    together. Timers and delivery hooks use it directly; a person's update uses a Session."""

    def __init__(self, services: Services, tx: Tx) -> None:
        self.services = services
        self.tx = tx
        self._queued: list[OutboxRow] = []

    def t_for(self, lang: str | None) -> Translator:
        return self.services.catalogs.get(lang)

    async def registry(self) -> Registry:
        return await self.services.directory.registry(self.tx)

    async def queue(self, item: Outgoing) -> int:
        """Queue a message; it is handed to the sender once (and only if) the transaction commits."""
        row_id = await outbox.add(self.tx, item)
        if not self._queued:
            self.tx.after_commit(lambda: self.services.outbox_push(self._queued))
        self._queued.append(
            OutboxRow(row_id, item.chat_id, item.method, item.params, item.priority, 0, time.time(), item.complaint_id)
        )
        return row_id


class Session(Work):
    def __init__(self, services: Services, tx: Tx, person: Person, user: User) -> None:
        super().__init__(services, tx)
        self.person = person
        self.user = user
        self.t: Translator = services.catalogs.get(user.lang)

    def use_language(self, lang: str) -> None:
        self.t = self.services.catalogs.get(lang)

    async def actor(self) -> Actor:
        return Actor(
            self.person.user_id,
            is_admin=self.person.user_id in self.services.settings.admin_ids,
            memberships=await members.memberships(self.tx, self.person.user_id),
        )

    async def say(self, screen: Screen) -> int:
        """Answer in the person's own chat."""
        return await self.queue(screen.send(self.person.chat_id))

    async def replace(self, message_id: int | None, screen: Screen) -> None:
        """Edit the bot's message the person pressed a button on, or send anew if there is none."""
        if message_id is None:
            await self.say(screen)
        else:
            await self.queue(screen.edit(self.person.chat_id, message_id))


@asynccontextmanager
async def session(services: Services, person: Person) -> AsyncIterator[Session]:
    async with services.db.transaction() as tx:
        user = await users.touch(tx, person.user_id)
        if person.chat_id < 0:
            # They acted in this group, so they are in it: a revocation removes them from it too.
            await members.set_presence(tx, person.chat_id, person.user_id, True)
        yield Session(services, tx, person, user)


@asynccontextmanager
async def work(services: Services) -> AsyncIterator[Work]:
    async with services.db.transaction() as tx:
        yield Work(services, tx)
