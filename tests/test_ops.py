"""The operations server (bot/ops.py): /healthz, /readyz and /metrics over real HTTP, on the real bot
running against the fake Telegram, with a real SQLite file."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from pathlib import Path

import aiohttp
import pytest

from bot import health
from bot.config import ConfigError, load_settings
from bot.ops import OpsServer
from db.database import Database
from db.migrate import migrate
from tests import dbaccess
from tests.conftest import RunningBot, start_bot


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def get(port: int, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}{path}") as response:
        return response.status, await response.text()


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text format (0 when absent)."""
    wanted = name + ("{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}" if labels else "")
    for line in text.splitlines():
        if line.startswith(wanted + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def write(bot: RunningBot, sql: str, params: tuple = ()) -> None:
    """A write from outside the bot (another process would do the same), on either engine. Call it in
    a thread: the bot shares the test's event loop and must be free to finish its own writes."""
    assert bot.db_path is not None
    conn = dbaccess.connect(bot.db_path, timeout=10)
    try:
        conn.execute(sql, params)
        conn.commit()
    finally:
        conn.close()


async def started(fake, tmp_path: Path) -> tuple[RunningBot, int]:
    port = free_port()
    bot = await start_bot(fake, tmp_path / "bot.sqlite3", OPS_LISTEN=f"127.0.0.1:{port}")
    return bot, port


async def healthy(port: int) -> dict:
    """/healthz once the leader's first sender and sweep heartbeats are written (a second or two)."""
    deadline = time.monotonic() + 15
    while True:
        status, text = await get(port, "/healthz")
        if status == 200 or time.monotonic() > deadline:
            assert status == 200, text
            return json.loads(text)
        await asyncio.sleep(0.2)


async def test_a_running_bot_is_healthy_and_names_its_role(fake, tmp_path):
    bot, port = await started(fake, tmp_path)
    try:
        body = await healthy(port)
        assert body["status"] == "ok" and body["database"] == "ok"
        assert body["role"] == "leader"  # the only instance leads
        assert body["sender"]["owner"] == body["instance"] == body["sweep"]["owner"]
        assert body["sender"]["age_seconds"] <= health.SENDER_LIMIT
        status, text = await get(port, "/readyz")
        assert status == 200 and json.loads(text)["role"] == "leader"
    finally:
        await bot.stop()


async def test_a_stale_sweep_heartbeat_is_503_naming_the_sweep(fake, tmp_path):
    bot, port = await started(fake, tmp_path)
    try:
        await healthy(port)
        # The sweep last ran ten minutes ago (SWEEP_INTERVAL is 60 s: the limit is 120 s).
        await asyncio.to_thread(write, bot, "UPDATE heartbeats SET at = ? WHERE name = 'sweep'", (time.time() - 600,))
        status, text = await get(port, "/healthz")
        body = json.loads(text)
        assert status == 503 and body["status"] == "failing"
        assert len(body["problems"]) == 1 and "sweep" in body["problems"][0] and "limit 120 s" in body["problems"][0]
        # This instance can still store updates: the load balancer keeps sending to it.
        assert (await get(port, "/readyz"))[0] == 200
    finally:
        await bot.stop()


async def test_metrics_count_updates_sent_messages_and_read_the_outbox(fake, tmp_path):
    bot, port = await started(fake, tmp_path)
    try:
        await healthy(port)
        _, before = await get(port, "/metrics")
        citizen = fake.user("Sokha")
        citizen.send("/start")
        await fake.next_bot_message(citizen.chat_id)

        async def scraped() -> str:
            _, text = await get(port, "/metrics")
            moved = sample(text, "bot_messages_sent_total", method="sendMessage") > sample(
                before, "bot_messages_sent_total", method="sendMessage"
            )
            return text if moved else ""

        after = await poll(scraped)
        assert (
            sample(after, "bot_updates_handled_total", kind="message")
            == sample(before, "bot_updates_handled_total", kind="message") + 1
        )
        assert sample(after, "bot_update_seconds_count") == sample(before, "bot_update_seconds_count") + 1
        assert sample(after, "bot_leader") == 1 and sample(after, "bot_database_up") == 1
        assert "bot_outbox_pending " in after and "bot_inbox_backlog " in after
        assert sample(after, "bot_heartbeat_age_seconds", loop="sender") <= health.SENDER_LIMIT

        # A message to a chat that does not exist: Telegram refuses it for good, the sender parks it.
        parked_before = sample(after, "bot_messages_parked_total", method="sendMessage")
        await asyncio.to_thread(
            write,
            bot,
            "INSERT INTO outbox (chat_id, method, payload, priority, next_attempt_at, created_at) "
            "VALUES (?, 'sendMessage', ?, 'notify', ?, ?)",
            (-100999, json.dumps({"text": "hello"}), time.time(), time.time()),
        )

        async def parked() -> str:
            _, text = await get(port, "/metrics")
            counted = sample(text, "bot_messages_parked_total", method="sendMessage") > parked_before
            # The gauge sees it once the sender has recorded the attempt (its send log writes every 50 ms).
            return text if counted and sample(text, "bot_outbox_parked_recent") == 1 else ""

        text = await poll(parked)
        assert sample(text, "bot_errors_total", where="bot.sender") >= 1  # the park is logged as an error
    finally:
        await bot.stop()


async def poll(check, timeout: float = 15.0) -> str:
    deadline = time.monotonic() + timeout
    while not (result := await check()):
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.2)
    return result


async def test_the_gauges_read_the_shared_database(tmp_path):
    """What waits in the database shows, whichever instance is asked: an old pending message, a
    deadline the sweep has not fired, an update not handled yet."""
    db = await dbaccess.open_db(tmp_path / "bot.sqlite3")
    try:
        await migrate(db)
        now = time.time()
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO outbox (chat_id, method, payload, priority, next_attempt_at, created_at) "
                "VALUES (1, 'sendMessage', '{}', 'reply', ?, ?)",
                (now, now - 90),
            )
            await tx.execute(
                "INSERT INTO inbox (update_id, chat_key, payload, received_at) VALUES (7, 'c1', '{}', ?)", (now - 30,)
            )
        state = await health.read_state(db)
        assert state.error is None
        assert state.values["bot_outbox_pending"] == 1
        assert 89 <= state.values["bot_outbox_oldest_pending_seconds"] <= 120
        assert state.values["bot_inbox_backlog"] == 1
        assert 29 <= state.values["bot_inbox_oldest_seconds"] <= 60
        assert state.values["bot_deadlines_overdue"] == 0 and state.heartbeats == {}
        status, body = health.verdict(state, role="standby", instance="b", sweep_interval_seconds=60)
        assert status == 503 and all("never reported" in p for p in body["problems"])
    finally:
        await db.close()


GAUGE_TABLES = ("outbox", "deadlines", "complaints", "inbox", "heartbeats")


@dbaccess.sqlite_only  # SQLite's query plans; PostgreSQL's planner chooses by its statistics
async def test_every_scrape_query_reads_an_index(tmp_path, monkeypatch):
    """A scrape runs every 15 s on every instance: no gauge may scan a table that grows."""
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        await migrate(db)
        plans: list[tuple[str, list[str]]] = []
        real_read = db.read

        class Explaining:
            def __init__(self, tx):
                self._tx = tx

            async def fetchone(self, sql, params=()):
                await self._explain(sql, params)
                return await self._tx.fetchone(sql, params)

            async def fetchval(self, sql, params=()):
                await self._explain(sql, params)
                return await self._tx.fetchval(sql, params)

            async def _explain(self, sql, params):
                rows = await self._tx.fetchall("EXPLAIN QUERY PLAN " + sql, params)
                plans.append((sql, [r[3] for r in rows]))

        from contextlib import asynccontextmanager

        @asynccontextmanager
        async def read():
            async with real_read() as tx:
                yield Explaining(tx)

        monkeypatch.setattr(db, "read", read)
        state = await health.read_state(db)
        assert state.error is None
        assert len(plans) == 9
        for sql, steps in plans:
            scans = [s for s in steps if s.startswith("SCAN") and any(t in s.split() for t in GAUGE_TABLES)]
            assert not [s for s in scans if "INDEX" not in s], (sql, steps)
    finally:
        await db.close()


@dbaccess.sqlite_only  # "busy" is SQLite's one connection held; a PostgreSQL pool has more
async def test_a_closed_or_busy_database_is_503_within_bounded_time(tmp_path):
    db = await Database.open(tmp_path / "bot.sqlite3")
    await migrate(db)
    ops = OpsServer(db, ("127.0.0.1", 0), instance="bot-1", leading=lambda: False, sweep_interval_seconds=60)
    await ops.start()
    try:
        assert ops.port is not None
        # Busy: a transaction holds the only connection longer than a scrape may wait.
        release = asyncio.Event()

        async def hold() -> None:
            async with db.read():
                await release.wait()

        holder = asyncio.create_task(hold())
        await asyncio.sleep(0.05)
        started_at = time.monotonic()
        status, text = await get(ops.port, "/healthz")
        assert status == 503 and "did not answer within 2 s" in json.loads(text)["problems"][0]
        assert time.monotonic() - started_at < health.READ_TIMEOUT + 1.5
        assert json.loads(text)["role"] == "standby"
        release.set()
        await holder

        await db.close()  # gone
        status, text = await get(ops.port, "/healthz")
        body = json.loads(text)
        assert status == 503 and body["database"] == "failed" and "database failed" in body["problems"][0]
        assert (await get(ops.port, "/readyz"))[0] == 503
        status, text = await get(ops.port, "/metrics")
        assert status == 200 and sample(text, "bot_database_up") == 0
    finally:
        await ops.stop()


def test_logged_errors_are_counted_by_logger():
    from bot import metrics

    metrics.count_logged_errors()
    metrics.count_logged_errors()  # once, however often installed
    logger = logging.getLogger("bot.ops_test")
    before = metrics.ERRORS.labels(where="bot.ops_test")._value.get()
    logger.error("something failed")
    logger.warning("only a warning")
    assert metrics.ERRORS.labels(where="bot.ops_test")._value.get() == before + 1


@pytest.mark.parametrize(
    ("name", "value"), [("OPS_LISTEN", "9100"), ("OPS_LISTEN", "host:port"), ("LOG_FORMAT", "xml")]
)
def test_bad_ops_settings_are_refused_with_a_hint(name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings(_env_file=None, BOT_TOKEN="1:abc", **{name: value})


def test_the_ops_server_is_off_unless_configured():
    settings = load_settings(_env_file=None, BOT_TOKEN="1:abc")
    assert settings.ops_address is None and settings.log_format == "text"
    settings = load_settings(_env_file=None, BOT_TOKEN="1:abc", OPS_LISTEN="0.0.0.0:9100", LOG_FORMAT="JSON")
    assert settings.ops_address == ("0.0.0.0", 9100) and settings.log_format == "json"


@pytest.mark.e2e
async def test_run_bot_serves_ops_and_writes_json_lines(fake, tmp_path):
    """The unmodified `python run_bot.py` with OPS_LISTEN and LOG_FORMAT=json: healthy, counting,
    every log line a JSON object without the token, and a clean stop on SIGTERM."""
    import os
    import signal
    import sys

    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_URL", "TELEGRAM_API_URL")},
        "BOT_TOKEN": fake.token,
        "TELEGRAM_API_URL": fake.url,
        "DATABASE_URL": dbaccess.url_for(tmp_path / "bot.sqlite3"),
        "POLL_TIMEOUT": "1",
        "PTB_TIMEDELTA": "1",
        "OPS_LISTEN": f"127.0.0.1:{port}",
        "LOG_FORMAT": "json",
    }
    log_path = tmp_path / "bot.log"
    root = Path(__file__).resolve().parent.parent
    with log_path.open("wb") as log_file:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "run_bot.py", cwd=root, env=env, stdout=log_file, stderr=asyncio.subprocess.STDOUT
        )
        try:
            await fake.wait_until_polling(timeout=20)
            body = await healthy(port)
            assert body["role"] == "leader"
            citizen = fake.user("Sokha")
            citizen.send("/start")
            await fake.next_bot_message(citizen.chat_id, timeout=20)

            async def counted() -> str:
                _, text = await get(port, "/metrics")
                return text if sample(text, "bot_updates_handled_total", kind="message") == 1 else ""

            await poll(counted)
        finally:
            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(process.wait(), 20) == 0
    lines = log_path.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert any(r["message"].startswith("bot @") and "is running" in r["message"] for r in records)
    assert all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    assert fake.token not in log_path.read_text(encoding="utf-8")
