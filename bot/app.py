"""Wiring: settings → data files and database → the bot's identity → sender and services →
python-telegram-bot Application → run loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import BotCommand, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ContextTypes, ExtBot

from bot import instances
from bot.config import Settings
from bot.domain.categories import Categories, load_categories
from bot.domain.places import Gazetteer
from bot.domain.policy import Policy, load_policy
from bot.http import AiohttpRequest
from bot.i18n import N_, Catalogs
from bot.ops import OpsServer
from bot.outgoing import Screen
from bot.sender import OutboxSender
from bot.services import chat_health, deadlines, retention, units_admin
from bot.services.session import Services, session, work
from bot.updates import UpdatePump
from bot.webhook import WebhookServer, delete_webhook, set_webhook
from db.database import AlreadyHandled, Database, Tx, current_update, open_database
from db.migrate import migrate
from db.repositories.outbox import OutboxRow
from handlers import group, presses, private
from handlers.common import person_of

log = logging.getLogger(__name__)

HOUSEKEEPING_INTERVAL = 3600.0


# PTB's own message quotes the token: never print it.
TOKEN_REJECTED = "Telegram rejected BOT_TOKEN: check the token @BotFather gave you."


class FatalError(Exception):
    """The bot cannot run (e.g. Telegram rejects the token); the message says why, in one line."""


@dataclass(frozen=True)
class Grounds:
    """What every process working on the bot's data stands on: the data files and the database."""

    settings: Settings
    db: Database
    catalogs: Catalogs
    gazetteer: Gazetteer
    categories: Categories
    policy: Policy

    def services(
        self,
        *,
        outbox_push: Callable[[list[OutboxRow]], None],
        settle_sends: Callable[[], Awaitable[None]],
        wake_sweeper: Callable[[], None],
        bot_username: str,
    ) -> Services:
        return Services(
            settings=self.settings,
            db=self.db,
            catalogs=self.catalogs,
            gazetteer=self.gazetteer,
            categories=self.categories,
            policy=self.policy,
            outbox_push=outbox_push,
            settle_sends=settle_sends,
            wake_sweeper=wake_sweeper,
            bot_username=bot_username,
        )


async def open_grounds(settings: Settings) -> Grounds:
    # Files first: a broken data file must not leave a database connection open behind it.
    catalogs, gazetteer = Catalogs.load(), Gazetteer.load()
    categories = load_categories(settings.categories_file)
    policy = load_policy(settings.policy_file, {c.key for c in categories.category}).with_overrides(
        acknowledge=settings.ack_deadline, resolve=settings.resolve_deadline, escalation_step=settings.escalation_step
    )
    db = await open_database(settings.database_url)
    try:
        await migrate(db)
    except BaseException:
        await db.close()
        raise
    return Grounds(settings, db, catalogs, gazetteer, categories, policy)


async def _nothing_to_settle() -> None:
    return None


async def build_services(settings: Settings) -> Services:
    """Services for work outside the bot process (e.g. on a stopped bot's database): what they queue
    waits in the outbox for the bot's sender to find, there is no sweeper to wake, and no bot name
    to make links with (nothing done this way makes one)."""
    grounds = await open_grounds(settings)
    return grounds.services(
        outbox_push=lambda rows: None, settle_sends=_nothing_to_settle, wake_sweeper=lambda: None, bot_username=""
    )


def build_bot(settings: Settings) -> ExtBot:
    """The Bot API client (the one python-telegram-bot's ApplicationBuilder would make), not yet
    connected: `_identify` connects it."""
    return ExtBot(
        settings.bot_token.get_secret_value(),
        base_url=settings.api_base_url,
        base_file_url=settings.file_base_url,
        # aiohttp instead of httpx as the transport: see bot/http.py for the measurements.
        request=AiohttpRequest(pool_size=160),
        get_updates_request=AiohttpRequest(pool_size=2),
    )


def connect(
    grounds: Grounds, bot: ExtBot, bell: instances.Bell, *, owner: str = "local"
) -> tuple[Callable[[], OutboxSender], instances.SenderRelay, Services]:
    """The services and a maker of outbox senders, which need each other: the services hand the
    sender what they queue (through the relay: only the leader sends), and the sender reports
    refused messages and upgraded groups back to them (bot.services.chat_health). A sender reports
    only while it runs, after both exist, so its report hooks reach the services by name."""

    async def on_permanent_failure(tx: Tx, row: OutboxRow, error: str) -> None:
        await failure_report(tx, row, error)

    async def on_chat_migrated(tx: Tx, old_chat_id: int, new_chat_id: int) -> None:
        await migration_report(tx, old_chat_id, new_chat_id)

    beaten: list[float] = []

    async def heartbeat() -> None:
        await instances.beat(grounds.db, "sender", owner, beaten)

    def new_sender() -> OutboxSender:
        return OutboxSender(
            bot,
            grounds.db,
            concurrency=128,
            on_permanent_failure=on_permanent_failure,
            on_chat_migrated=on_chat_migrated,
            heartbeat=heartbeat,
        )

    relay = instances.SenderRelay(bell)
    services = grounds.services(
        outbox_push=relay.push,
        settle_sends=relay.settle,
        wake_sweeper=lambda: bell.ring(instances.SWEEP),
        bot_username=bot.username,
    )
    failure_report, migration_report = chat_health.failure_hook(services), chat_health.migration_hook(services)
    return new_sender, relay, services


def build_application(bot: ExtBot, services: Services) -> Application:
    app = Application.builder().bot(bot).updater(None).build()  # our UpdatePump polls (it stores updates first)
    app.bot_data["services"] = services  # how the handlers reach the services: before any update
    presses.register(app)
    group.register(app)
    private.register(app)
    app.add_error_handler(on_error)
    return app


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log without the update's content (it holds citizens' words), and tell the citizen."""
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(context.error, AlreadyHandled):  # by another instance, at the same moment: nothing to tell
        log.warning("update %s was handled by another instance first; this one's effects are undone", update_id)
        return
    mark = current_update.get()
    if mark is not None and mark.may_retry(context.error):  # nothing of it was kept: it runs again
        mark.retry = True
        log.warning("update %s met a write conflict (%s); handling it again", update_id, type(context.error).__name__)
        return
    log.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None or update.effective_chat.type != "private":
        return
    try:
        async with session(context.application.bot_data["services"], person_of(update)) as s:
            await s.say(Screen(s.t("Sorry, something went wrong on our side. Please try again in a moment.")))
    except Exception:
        log.exception("could not tell the citizen about the error")


async def publish_commands(app: Application, services: Services) -> None:
    """The command menu, in both languages at once: Telegram has no Khmer interface, so a
    language-specific list would rarely be shown to Khmer readers."""
    km, en = services.catalogs.get("km"), services.catalogs.get("en")
    entries = [
        ("new", N_("File a complaint")),
        ("status", N_("Check a complaint")),
        ("mycomplaints", N_("My complaints")),
        ("language", N_("Language")),
        ("help", N_("Help")),
        ("cancel", N_("Cancel the complaint I am writing")),
        ("forget", N_("Forget me")),
    ]
    commands = [BotCommand(name, f"{km(text)} · {en(text)}"[:256]) for name, text in entries]
    try:
        await app.bot.set_my_commands(commands)
    except TelegramError as error:  # cosmetic: the bot works without a menu
        log.warning("could not publish the command menu: %s", error)


async def _identify(bot: ExtBot, stop: asyncio.Event) -> bool:
    """getMe until Telegram answers (the bot may start while the network is still down): then the
    bot knows its own name. False if stopped first."""
    delay = 1.0
    while not stop.is_set():
        try:
            await bot.initialize()
            return True
        except InvalidToken:
            raise FatalError(TOKEN_REJECTED) from None
        except NetworkError as error:
            log.warning("Telegram is not reachable (%s); retrying in %.0fs", error, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * 2, 30.0)
    return False


async def _housekeeping(pump: UpdatePump, services: Services, stop: asyncio.Event) -> None:
    """Retention, every hour: see bot/services/retention.py for what is kept how long."""
    while not stop.is_set():
        try:
            updates = await pump.prune()
            done = await retention.housekeep(services)
            if updates or any(done.values()):
                log.info("housekeeping: pruned %d processed updates; retention %s", updates, done)
        except Exception:
            log.exception("housekeeping failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), HOUSEKEEPING_INTERVAL)


async def _sweeper(services: Services, stop: asyncio.Event, wake: asyncio.Event, owner: str = "local") -> None:
    """Fire passed deadlines every SWEEP_INTERVAL, at once on start (what fell due while the bot
    was down, or before this instance took over), and at once when a unit's chat is lost."""
    interval = services.settings.sweep_interval.after(0)
    beaten: list[float] = []
    while not stop.is_set():
        wake.clear()
        try:
            fired = await deadlines.sweep(services)
            if fired:
                log.info("deadlines fired: %d", fired)
            await instances.beat(services.db, "sweep", owner, beaten)
        except Exception:
            log.exception("deadline sweep failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(_first(stop, wake), interval)


async def _prepare(services: Services) -> None:
    """The first start's registry, once even when several instances start together."""
    while (held := await instances.try_hold(services.db, "setup")) is None:
        await asyncio.sleep(0.2)
    try:
        async with work(services) as w:
            await units_admin.prepare_registry(w)
    finally:
        await held.release()


async def _first(*events: asyncio.Event) -> None:
    waits = [asyncio.create_task(e.wait()) for e in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()


async def run(
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    on_ready: Callable[[Application], Awaitable[None]] | None = None,
) -> None:
    """Run until `stop` is set. Nothing is lost when the process is killed instead.

    Everything is built before the first update is handled, in order: the data files and the
    database, the bot's identity (getMe), the sender and the services, then the Application."""
    stop = stop or asyncio.Event()
    bot = build_bot(settings)  # opens nothing yet
    grounds = await open_grounds(settings)
    app: Application | None = None
    receiver: WebhookServer | None = None
    ops: OpsServer | None = None
    try:
        if not await _identify(bot, stop):
            return
        owner = instances.new_instance_id(settings.instance_id)
        sweep_now = asyncio.Event()
        bell = instances.Bell(grounds.db)  # what another instance does wakes the leader's loops
        new_sender, relay, services = connect(grounds, bot, bell, owner=owner)
        app = build_application(bot, services)
        await app.initialize()  # the bot is already initialised: no call to Telegram
        await _prepare(services)
        chat_leases = instances.ChatLeases(services.db, owner)
        await chat_leases.start()
        pump = UpdatePump(
            app,
            services.db,
            chat_leases,
            poll_timeout=settings.poll_timeout,
            max_concurrent=settings.max_concurrent_updates,
        )
        await app.start()
        await publish_commands(app, services)

        def duties() -> list[tuple[str, instances.Duty]]:
            sender = new_sender()
            return [
                ("outbox", lambda over: instances.send_while_leading(sender, relay, over)),
                ("housekeeping", lambda over: _housekeeping(pump, services, over)),
                ("deadlines", lambda over: _sweeper(services, over, sweep_now, owner)),
            ]

        answers = {instances.OUTBOX: relay.wake, instances.SWEEP: sweep_now.set}
        leadership = instances.Leadership(services.db, owner, duties, bell=bell, answers=answers)
        if settings.ops_address is not None:  # /healthz, /readyz, /metrics (bot/ops.py)
            ops = OpsServer(
                services.db,
                settings.ops_address,
                instance=owner,
                leading=leadership.leading.is_set,
                sweep_interval_seconds=settings.sweep_interval.after(0),
            )
            await ops.start()
        tasks = [
            asyncio.create_task(pump.attend(), name="unattended chats"),
            asyncio.create_task(chat_leases.renew_forever(stop), name="chat leases"),
            asyncio.create_task(leadership.run(stop), name="leadership"),
        ]
        if settings.webhook_url:
            receiver = WebhookServer(pump, settings)
            await receiver.start()
            await set_webhook(app, settings)
        else:
            await delete_webhook(app)
            tasks.append(asyncio.create_task(pump.run(), name="updates"))
        log.info("bot @%s is running (instance %s, %s)", app.bot.username, owner, _mode(settings))
        if on_ready:
            await on_ready(app)
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait([stopped, *tasks], return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        if receiver is not None:
            await receiver.stop()  # no new updates; Telegram retries what it could not deliver
        await pump.stop()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(tasks[2]), 20.0)  # the leader's sender records its sends
        for task in tasks:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        await chat_leases.release_all()
        for task, result in zip(tasks, results, strict=True):
            if isinstance(result, InvalidToken):
                raise FatalError(TOKEN_REJECTED)
            if isinstance(result, Exception):
                log.error("%s stopped with an error", task.get_name(), exc_info=result)
        if app.running:
            await app.stop()
    finally:
        if receiver is not None:
            await receiver.stop()
        if app is not None:
            if app.running:  # stopped by an error or a cancellation half-way through
                await app.stop()
            await app.shutdown()  # nothing if it was never initialised
        await bot.shutdown()  # its HTTP sessions, also after a start-up that did not complete
        if ops is not None:
            await ops.stop()
        await grounds.db.close()
        log.info("bot stopped")


def _mode(settings: Settings) -> str:
    return f"webhook at {settings.webhook_listen}{settings.webhook_path}" if settings.webhook_url else "polling"
