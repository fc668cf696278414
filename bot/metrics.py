"""Prometheus metrics of the bot, in prometheus-client's default registry.

Counters and the histogram live in memory and cost a few hundred nanoseconds on the hot path. The gauges
that describe shared state (the outbox, deadlines, the inbox) are not kept up to date by the code that
changes that state: they are read from the database when /metrics is scraped (bot/ops.py,
bot/health.py), so every instance reports the same truth about the shared database.
"""

import logging
import time

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

UPDATES_HANDLED = Counter(
    "bot_updates_handled",
    "Telegram updates handled, by kind (message, callback_query, my_chat_member, ...).",
    ["kind"],
)

UPDATE_SECONDS = Histogram(
    "bot_update_seconds",
    "Time to handle one update, from the worker picking it up to its transaction committed.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

WEBHOOK_REQUESTS = Counter(
    "bot_webhook_requests",
    "Requests to the webhook endpoint, by HTTP status answered.",
    ["status"],
)

ERRORS = Counter(
    "bot_errors",
    "Errors caught and logged instead of crashing a loop, by where they happened.",
    ["where"],
)

MESSAGES_SENT = Counter(
    "bot_messages_sent",
    "Outbox messages Telegram accepted, by Bot API method.",
    ["method"],
)

MESSAGES_PARKED = Counter(
    "bot_messages_parked",
    "Outbox messages Telegram refused for good (400/403), parked with the reason, by Bot API method.",
    ["method"],
)


class _ErrorCounter(logging.Handler):
    """Counts every record logged at ERROR or above, by logger (bot.sender, bot.updates, ...): the
    bot logs every error it catches, so this sees all of them without a line at each place."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        ERRORS.labels(where=record.name).inc()


def count_logged_errors(logger: logging.Logger | None = None) -> None:
    """Install the error counter on `logger` (the root logger by default), once."""
    logger = logger or logging.getLogger()
    if not any(isinstance(h, _ErrorCounter) for h in logger.handlers):
        logger.addHandler(_ErrorCounter())


# --- gauges read from the database at scrape time (bot/health.py reads them) ----------------------

# Counts stop here: a scrape must stay cheap even with a huge backlog (which this already shows).
COUNT_CAP = 100_000

GAUGES = {  # name: help (COUNT_CAP spelled out in render_state)
    "bot_outbox_pending": "Messages waiting in the outbox (counted up to COUNT_CAP).",
    "bot_outbox_oldest_pending_seconds": "Age of the oldest message waiting in the outbox (0: none waits).",
    "bot_outbox_parked_recent": "Messages parked (refused for good) among those attempted in the last 24 hours.",
    "bot_deadlines_overdue": "Deadlines past due that the sweep has not fired yet (should stay near 0).",
    "bot_complaints_overdue": "Open complaints past their current deadline (to acknowledge or to resolve).",
    "bot_inbox_backlog": "Updates stored but not handled yet (counted up to COUNT_CAP).",
    "bot_inbox_oldest_seconds": "Age of the oldest update stored but not handled yet (0: none waits).",
}


def render_state(values: dict[str, float], heartbeats: dict[str, float], *, leader: bool, database_up: bool) -> bytes:
    """The scrape-time gauges in Prometheus text format (a registry of their own, made per scrape:
    nothing global to go stale, and two bots in one test process do not mix)."""
    registry = CollectorRegistry(auto_describe=False)
    Gauge("bot_database_up", "1 if the database answered the scrape's queries.", registry=registry).set(
        1 if database_up else 0
    )
    Gauge("bot_leader", "1 on the instance that sends, sweeps deadlines and keeps house.", registry=registry).set(
        1 if leader else 0
    )
    for name, value in values.items():
        Gauge(name, GAUGES[name].replace("COUNT_CAP", f"{COUNT_CAP:,}"), registry=registry).set(value)
    if heartbeats:
        ages = Gauge(
            "bot_heartbeat_age_seconds",
            "Seconds since the leader's loop last reported (sender, sweep), whichever instance leads.",
            ["loop"],
            registry=registry,
        )
        for loop, age in heartbeats.items():
            ages.labels(loop=loop).set(age)
    return generate_latest(registry)


def render_process() -> bytes:
    """The counters, the histogram and the process's own figures (prometheus-client's default registry)."""
    return generate_latest(REGISTRY)


def observe_update(update: object, started: float) -> None:
    """One update handled (`update` a telegram.Update, None if it could not be parsed), `started`
    from time.perf_counter()."""
    kinds = getattr(update, "ALL_TYPES", ())
    kind = next((k for k in kinds if getattr(update, k, None) is not None), "other" if update else "unparsable")
    UPDATES_HANDLED.labels(kind=kind).inc()
    UPDATE_SECONDS.observe(time.perf_counter() - started)
