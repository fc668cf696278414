"""Citizens and officers as Telegram users: language choice and what they are expected to type next."""

from __future__ import annotations

import time
from dataclasses import dataclass

from db.database import Tx


@dataclass(frozen=True)
class User:
    user_id: int
    lang: str | None
    awaiting: str | None
    draft_seq: int


async def touch(tx: Tx, user_id: int) -> User:
    """Create the user on first contact and return them.

    No name is kept here: a person's Telegram name is stored only with a complaint they file (for the
    ministry's /reveal), so talking to the bot leaves no identity behind beyond the Telegram id."""
    now = time.time()
    row = await tx.fetchone(
        "INSERT INTO users (user_id, created_at, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET user_id = excluded.user_id "
        "RETURNING user_id, lang, awaiting, draft_seq",
        (user_id, now, now),
    )
    assert row is not None
    return User(row["user_id"], row["lang"], row["awaiting"], row["draft_seq"])


async def get(tx: Tx, user_id: int) -> User | None:
    row = await tx.fetchone("SELECT user_id, lang, awaiting, draft_seq FROM users WHERE user_id = ?", (user_id,))
    return User(row["user_id"], row["lang"], row["awaiting"], row["draft_seq"]) if row else None


async def get_lang(tx: Tx, user_id: int) -> str | None:
    return await tx.fetchval("SELECT lang FROM users WHERE user_id = ?", (user_id,))


async def set_lang(tx: Tx, user_id: int, lang: str) -> None:
    await tx.execute("UPDATE users SET lang = ?, updated_at = ? WHERE user_id = ?", (lang, time.time(), user_id))


async def set_awaiting(tx: Tx, user_id: int, awaiting: str | None) -> None:
    await tx.execute(
        "UPDATE users SET awaiting = ?, updated_at = ? WHERE user_id = ?", (awaiting, time.time(), user_id)
    )


async def next_draft_seq(tx: Tx, user_id: int) -> int:
    await tx.execute("UPDATE users SET draft_seq = draft_seq + 1 WHERE user_id = ?", (user_id,))
    return int(await tx.fetchval("SELECT draft_seq FROM users WHERE user_id = ?", (user_id,)))
