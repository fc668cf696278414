"""Logging set-up: one place that decides what may reach a log file.

The bot token is a password to the whole bot (anyone holding it can read every complaint that
arrives), and python-telegram-bot prints it at DEBUG ("Set Bot API URL: …/bot<token>"); HTTP
libraries put it in URLs of their errors. So every handler of the root logger formats through a
mask that replaces the token, and its secret half on its own, whatever the level and whoever logs.
"""

from __future__ import annotations

import logging

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


def secrets_of(token: str) -> list[str]:
    """The token, and the part after the colon (the bot id before it is public)."""
    return [token, token.partition(":")[2]]


def mask_secrets(token: str, logger: logging.Logger | None = None) -> None:
    """Put the mask on every handler of `logger` (the root logger by default)."""
    for handler in (logger or logging.getLogger()).handlers:
        inner = handler.formatter or logging.Formatter(FORMAT)
        if isinstance(inner, MaskingFormatter):
            inner = inner._inner
        handler.setFormatter(MaskingFormatter(inner, secrets_of(token)))


def configure(level: str, token: str) -> None:
    logging.basicConfig(level=level, format=FORMAT)
    mask_secrets(token)
    # httpx logs every request URL at INFO; the URLs are masked, but the lines are noise.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
