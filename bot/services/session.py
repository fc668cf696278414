"""What every service needs: the shared components, and one transaction per incoming update.

A `Session` is opened for each update a person sends. Its state changes and everything the bot
answers are written in one transaction: either both happen or neither does, and a crash after
the commit still delivers the answers (the outbox sender picks them up after a restart).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.config import Settings
from bot.domain.categories import Categories
from bot.domain.places import Gazetteer
from bot.i18n import Catalogs, Translator
from bot.outgoing import Outgoing, Screen
from db.database import Database, Tx
from db.repositories import outbox, users
from db.repositories.users import User


@dataclass
class Services:
    settings: Settings
    db: Database
    catalogs: Catalogs
    gazetteer: Gazetteer
    categories: Categories
    wake_sender: Callable[[], None] = lambda: None


@dataclass(frozen=True)
class Person:
    """Who sent an update, as Telegram describes them."""

    user_id: int
    chat_id: int
    first_name: str | None = None
    username: str | None = None


class Session:
    def __init__(self, services: Services, tx: Tx, person: Person, user: User) -> None:
        self.services = services
        self.tx = tx
        self.person = person
        self.user = user
        self.t: Translator = services.catalogs.get(user.lang)
        self._woken = False

    def use_language(self, lang: str) -> None:
        self.t = self.services.catalogs.get(lang)

    async def queue(self, item: Outgoing) -> int:
        row_id = await outbox.add(self.tx, item)
        if not self._woken:
            self.tx.after_commit(self.services.wake_sender)
            self._woken = True
        return row_id

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
        user = await users.touch(tx, person.user_id, person.first_name, person.username)
        yield Session(services, tx, person, user)
