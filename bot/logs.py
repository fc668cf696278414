"""Logging set-up: one place that decides what may reach a log file.

The bot token is a password to the whole bot (anyone holding it can read every complaint that
arrives), and python-telegram-bot prints it at DEBUG ("Set Bot API URL: …/bot<token>"); HTTP
libraries put it in URLs of their errors. So every handler of the root logger formats through a
mask that replaces the token, and its secret half on its own, whatever the level and whoever logs.

LOG_FORMAT=json writes one JSON object per line (time, level, logger, message, and exception or
stack text when there is one) for a log collector; the mask applies to the encoded line, which
still holds every secret as written (JSON escapes none of a token's or webhook secret's characters).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime

from bot.metrics import count_logged_errors

MASK = "<BOT_TOKEN>"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class MaskingFormatter(logging.Formatter):
    """Formats as `inner` does, then removes the secrets (also from tracebacks and stack info)."""

    def __init__(self, inner: logging.Formatter, secrets: list[str]) -> None:
        super().__init__()
        self._inner = inner
        # Longest first: the whole token before its secret half, so the mask reads as one word.
        self._secrets = sorted({s for s in secrets if len(s) >= 8}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        text = self._inner.format(record)
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (newlines in messages and tracebacks are escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


def formatter_for(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else logging.Formatter(FORMAT)


def secrets_of(token: str) -> list[str]:
    """The token, and the part after the colon (the bot id before it is public)."""
    return [token, token.partition(":")[2]]


def mask_secrets(
    token: str,
    logger: logging.Logger | None = None,
    *,
    inner: logging.Formatter | None = None,
    also: Iterable[str] = (),
) -> None:
    """Put the mask on every handler of `logger` (the root logger by default), formatting with
    `inner` when given (else what the handler had). `also`: other secrets (e.g. WEBHOOK_SECRET)."""
    for handler in (logger or logging.getLogger()).handlers:
        wrapped = inner or handler.formatter or logging.Formatter(FORMAT)
        if isinstance(wrapped, MaskingFormatter):
            wrapped = wrapped._inner
        handler.setFormatter(MaskingFormatter(wrapped, [*secrets_of(token), *also]))


def configure(level: str, token: str, *, log_format: str = "text", also: Iterable[str] = ()) -> None:
    """`log_format`: "text" or "json" (LOG_FORMAT); `also`: secrets to mask besides the token."""
    logging.basicConfig(level=level, format=FORMAT)
    mask_secrets(token, inner=formatter_for(log_format), also=also)
    count_logged_errors()  # every ERROR record counts in bot_errors_total (/metrics)
    # httpx logs every request URL at INFO; the URLs are masked, but the lines are noise.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
