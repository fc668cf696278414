"""Settings from environment variables (and a `.env` file), validated before anything starts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain.deadlines import Duration

# What to tell the operator when a setting is missing or wrong: one line, the fix included.
_HINTS = {
    "BOT_TOKEN": "set BOT_TOKEN to the token @BotFather gave you, e.g. BOT_TOKEN=123456789:AAE…",
    "TELEGRAM_API_URL": "use an http(s) URL without a path, e.g. TELEGRAM_API_URL=https://api.telegram.org",
    "DATABASE_URL": "use e.g. sqlite:///data/bot.sqlite3 (relative), sqlite:////var/lib/bot/bot.sqlite3 (absolute) "
    "or postgresql://user:password@host:5432/dbname",
    "ADMIN_IDS": "use comma-separated numeric Telegram user ids, e.g. ADMIN_IDS=12345678,87654321",
    "LOG_LEVEL": "use one of DEBUG, INFO, WARNING, ERROR, e.g. LOG_LEVEL=INFO",
    "CATEGORIES_FILE": "point it at a readable TOML file, e.g. CATEGORIES_FILE=bot/data/categories.toml",
    "POLL_TIMEOUT": "use a whole number of seconds between 0 and 50, e.g. POLL_TIMEOUT=25",
    "MAX_CONCURRENT_UPDATES": "use a whole number between 1 and 1024, e.g. MAX_CONCURRENT_UPDATES=256",
    "MINISTRY_CHAT_ID": "use the numeric id of the ministry's Telegram group, e.g. MINISTRY_CHAT_ID=-1001234567890",
    "ACK_DEADLINE": "use a duration such as 90s, 30m, 24h, 3d or 1wd (working days), e.g. ACK_DEADLINE=1wd",
    "RESOLVE_DEADLINE": "use a duration such as 90s, 30m, 24h, 3d or 15wd (working days), e.g. RESOLVE_DEADLINE=15wd",
    "ESCALATION_STEP": "use a duration such as 90s, 30m, 24h, 3d or 1wd (working days), e.g. ESCALATION_STEP=1wd",
    "SWEEP_INTERVAL": "use a duration in calendar time such as 10s or 1m, e.g. SWEEP_INTERVAL=60s",
    "POLICY_FILE": "point it at a readable TOML file, e.g. POLICY_FILE=bot/data/policy.toml",
    "INVITE_TTL": "use a duration such as 24h or 7d, e.g. INVITE_TTL=7d",
    "RETENTION_DRAFTS": "use a duration in calendar time such as 30d, e.g. RETENTION_DRAFTS=30d",
    "RETENTION_MESSAGES": "use a duration in calendar time such as 30d, e.g. RETENTION_MESSAGES=30d",
    "RETENTION_FILES": "use a duration in calendar time such as 24h, e.g. RETENTION_FILES=24h",
    "WEBHOOK_URL": "use the public https URL Telegram should call, e.g. WEBHOOK_URL=https://bot.example.gov.kh/telegram",
    "WEBHOOK_SECRET": "set 1-256 characters of A-Z a-z 0-9 _ - (required with WEBHOOK_URL), e.g. from "
    "`openssl rand -hex 32`",
    "webhook_secret": "set WEBHOOK_SECRET to 1-256 characters of A-Z a-z 0-9 _ -, e.g. from `openssl rand -hex 32`",
    "WEBHOOK_LISTEN": "use host:port for the bot's own HTTP server, e.g. WEBHOOK_LISTEN=127.0.0.1:8443",
    "WEBHOOK_MAX_CONNECTIONS": "use a whole number between 1 and 100, e.g. WEBHOOK_MAX_CONNECTIONS=40",
    "INSTANCE_ID": "use up to 64 characters of A-Z a-z 0-9 . _ : -, one per instance, e.g. INSTANCE_ID=bot-1",
    "OPS_LISTEN": "use host:port for /healthz and /metrics, e.g. OPS_LISTEN=127.0.0.1:9100 (unset: no ops server)",
    "LOG_FORMAT": "use text or json, e.g. LOG_FORMAT=json",
}


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line saying which and how to fix it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True, arbitrary_types_allowed=True
    )

    bot_token: SecretStr = Field(alias="BOT_TOKEN")  # SecretStr: never printed in logs or reprs
    telegram_api_url: str = Field("https://api.telegram.org", alias="TELEGRAM_API_URL")
    database_url: str = Field("sqlite:///data/bot.sqlite3", alias="DATABASE_URL")
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(frozenset(), alias="ADMIN_IDS")
    log_level: str = Field("INFO", alias="LOG_LEVEL")
    categories_file: Path | None = Field(None, alias="CATEGORIES_FILE")
    # Seconds a getUpdates call waits for news; Telegram allows up to 50.
    poll_timeout: int = Field(25, ge=0, le=50, alias="POLL_TIMEOUT")
    # Updates of different chats handled at once (one chat's updates are always in order).
    max_concurrent_updates: int = Field(256, ge=1, le=1024, alias="MAX_CONCURRENT_UPDATES")
    # The ministry's working group: bound to unit KH at start-up when set.
    ministry_chat_id: int | None = Field(None, alias="MINISTRY_CHAT_ID")
    # Deadlines and escalation: the policy file, and overrides of its defaults (e.g. seconds in a demo).
    policy_file: Path | None = Field(None, alias="POLICY_FILE")
    # NoDecode: durations are written 90s or 1wd, not JSON (pydantic-settings would try JSON first).
    ack_deadline: Annotated[Duration | None, NoDecode] = Field(None, alias="ACK_DEADLINE")
    resolve_deadline: Annotated[Duration | None, NoDecode] = Field(None, alias="RESOLVE_DEADLINE")
    escalation_step: Annotated[Duration | None, NoDecode] = Field(None, alias="ESCALATION_STEP")
    # How often deadlines are checked.
    sweep_interval: Annotated[Duration, NoDecode] = Field(Duration(60, "s"), alias="SWEEP_INTERVAL")
    # How long an invitation link stays valid.
    invite_ttl: Annotated[Duration, NoDecode] = Field(Duration(7, "d"), alias="INVITE_TTL")
    # Retention (bot/services/retention.py): unfinished drafts are deleted after RETENTION_DRAFTS of
    # silence; sent messages are deleted after RETENTION_MESSAGES (their Telegram ids stay, for
    # edits and replies); charts and exports, once sent, after RETENTION_FILES.
    retention_drafts: Annotated[Duration, NoDecode] = Field(Duration(30, "d"), alias="RETENTION_DRAFTS")
    retention_messages: Annotated[Duration, NoDecode] = Field(Duration(30, "d"), alias="RETENTION_MESSAGES")
    retention_files: Annotated[Duration, NoDecode] = Field(Duration(24, "h"), alias="RETENTION_FILES")
    # Webhook mode (bot/webhook.py) instead of long polling when WEBHOOK_URL is set: Telegram calls
    # WEBHOOK_URL (https, usually a reverse proxy that terminates TLS) with WEBHOOK_SECRET in a header;
    # the bot's own HTTP server listens on WEBHOOK_LISTEN, at the URL's path.
    webhook_url: str | None = Field(None, alias="WEBHOOK_URL")
    webhook_secret: SecretStr | None = Field(None, alias="WEBHOOK_SECRET", validate_default=True)
    webhook_listen: str = Field("127.0.0.1:8443", alias="WEBHOOK_LISTEN")
    # Requests Telegram makes at once (its default is 40).
    webhook_max_connections: int = Field(40, ge=1, le=100, alias="WEBHOOK_MAX_CONNECTIONS")
    # This instance's name among several sharing one database (bot/instances.py); random when unset.
    instance_id: str | None = Field(None, alias="INSTANCE_ID")
    # Operations (bot/ops.py): /healthz, /readyz and /metrics on their own port, never the public one;
    # off when unset.
    ops_listen: str | None = Field(None, alias="OPS_LISTEN")
    # text: one readable line per record; json: one JSON object per line, for a log collector.
    log_format: str = Field("text", alias="LOG_FORMAT")

    @field_validator("bot_token", mode="before")
    @classmethod
    def _token(cls, value: object) -> object:
        if not isinstance(value, str) or not re.fullmatch(r"\d+:[A-Za-z0-9_-]+", value.strip()):
            raise ValueError("not a bot token")
        return value.strip()

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not re.fullmatch(r"https?://[^/\s]+", value):
            raise ValueError("not an http(s) base URL")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        value = value.strip()
        if value.startswith(("postgresql://", "postgres://")):
            if not re.fullmatch(r"postgres(ql)?://[^/\s]*/[^/\s?]+(\?\S*)?", value):
                raise ValueError("a PostgreSQL URL needs a host and a database name")
            return value
        if not value.startswith("sqlite:///") or value == "sqlite:///":
            raise ValueError("use a sqlite:/// or postgresql:// URL")
        return value

    @property
    def database_is_postgres(self) -> bool:
        return self.database_url.startswith(("postgresql://", "postgres://"))

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not re.fullmatch(r"https://[^/\s?#]+(/[^\s?#]*)?", value):
            raise ValueError("Telegram calls only https URLs, without a query or fragment")
        return value

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _webhook_secret(cls, value: object, info: ValidationInfo) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            if info.data.get("webhook_url"):
                raise ValueError("WEBHOOK_SECRET is required with WEBHOOK_URL")
            return None
        if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.strip()):
            raise ValueError("Telegram allows 1-256 characters of A-Z a-z 0-9 _ -")
        return value.strip()

    @field_validator("webhook_listen")
    @classmethod
    def _webhook_listen(cls, value: str) -> str:
        host, _, port = value.strip().rpartition(":")
        if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError("not host:port")
        return value.strip()

    @field_validator("ops_listen")
    @classmethod
    def _ops_listen(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        host, _, port = value.strip().rpartition(":")
        if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError("not host:port")
        return value.strip()

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in {"text", "json"}:
            raise ValueError("unknown log format")
        return value

    @field_validator("instance_id")
    @classmethod
    def _instance_id(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not re.fullmatch(r"[A-Za-z0-9._:-]{1,64}", value.strip()):
            raise ValueError("use up to 64 characters of A-Z a-z 0-9 . _ : -")
        return value.strip()

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not all(re.fullmatch(r"\d+", p) for p in parts):
                raise ValueError("not a list of numeric ids")
            return frozenset(int(p) for p in parts)
        return value

    @field_validator(
        "ack_deadline",
        "resolve_deadline",
        "escalation_step",
        "sweep_interval",
        "invite_ttl",
        "retention_drafts",
        "retention_messages",
        "retention_files",
        mode="before",
    )
    @classmethod
    def _duration(cls, value: object) -> object:
        return Duration.parse(value) if isinstance(value, str) else value

    @field_validator("invite_ttl", "sweep_interval", "retention_drafts", "retention_messages", "retention_files")
    @classmethod
    def _calendar_time(cls, value: Duration) -> Duration:
        if value.unit == "wd":
            raise ValueError("use calendar time (s, m, h, d), not working days")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        value = value.strip().upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("unknown log level")
        return value

    @property
    def database_path(self) -> Path:
        return Path(self.database_url.removeprefix("sqlite:///"))

    @property
    def webhook_path(self) -> str:
        """The path Telegram's requests arrive at (the URL's, as a reverse proxy forwards it)."""
        path = (self.webhook_url or "").split("/", 3)[3:]
        return "/" + (path[0] if path else "")

    @property
    def webhook_address(self) -> tuple[str, int]:
        host, _, port = self.webhook_listen.rpartition(":")
        return host.strip("[]"), int(port)

    @property
    def ops_address(self) -> tuple[str, int] | None:
        if self.ops_listen is None:
            return None
        host, _, port = self.ops_listen.rpartition(":")
        return host.strip("[]"), int(port)

    @property
    def api_base_url(self) -> str:
        return f"{self.telegram_api_url}/bot"

    @property
    def file_base_url(self) -> str:
        return f"{self.telegram_api_url}/file/bot"


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and .env; raises ConfigError with one actionable line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else "?"
        reason = error["msg"].removeprefix("Value error, ")
        problem = "is missing" if error["type"] == "missing" else f"is invalid ({reason})"
        raise ConfigError(f"Configuration error: {name} {problem}: {_HINTS.get(name, 'check its value')}.") from None
