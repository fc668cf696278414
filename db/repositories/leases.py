"""Per-chat leases and heartbeats: what several instances sharing one database agree on
(see bot/instances.py for how they are used)."""

from __future__ import annotations

from collections.abc import Iterable

from db.database import Tx


async def take(tx: Tx, chat_keys: Iterable[str], owner: str, now: float, until: float) -> set[str]:
    """Take or renew the leases of `chat_keys` for `owner`; returns the keys `owner` now holds.

    One upsert per chat: its WHERE accepts only a dead lease or the owner's own, so of two
    instances racing for a chat exactly one wins (on PostgreSQL the loser's upsert waits for the
    winner's row lock, then sees the winner's live lease)."""
    held = set()
    for key in chat_keys:
        changed = await tx.execute(
            "INSERT INTO chat_leases (chat_key, owner, until) VALUES (?, ?, ?) "
            "ON CONFLICT (chat_key) DO UPDATE SET owner = excluded.owner, until = excluded.until "
            "WHERE chat_leases.until < ? OR chat_leases.owner = ?",
            (key, owner, until, now, owner),
        )
        if changed:
            held.add(key)
    return held


async def renew_all(tx: Tx, owner: str, until: float) -> int:
    """Extend every lease `owner` holds (a lease is held only while its chat has work)."""
    return await tx.execute("UPDATE chat_leases SET until = ? WHERE owner = ?", (until, owner))


async def release(tx: Tx, chat_key: str, owner: str) -> None:
    await tx.execute("DELETE FROM chat_leases WHERE chat_key = ? AND owner = ?", (chat_key, owner))


async def release_all(tx: Tx, owner: str) -> int:
    """At a clean stop (and at the start of an instance with a fixed INSTANCE_ID: what its previous
    run held): the others need not wait for these leases to run out."""
    return await tx.execute("DELETE FROM chat_leases WHERE owner = ?", (owner,))


async def forget_all(tx: Tx) -> int:
    """Every lease: only where no other instance can be running (SQLite: one process per file)."""
    return await tx.execute("DELETE FROM chat_leases")


async def unattended_chats(tx: Tx, now: float, owner: str, limit: int = 500) -> list[str]:
    """Chats with unprocessed updates and no live lease of another instance: their instance died,
    a store raced with the holder's release, or `owner` itself holds the lease but dropped the
    work (the caller skips the chats it is working on). Reads only unprocessed rows (a partial
    index)."""
    rows = await tx.fetchall(
        "SELECT DISTINCT i.chat_key FROM inbox i LEFT JOIN chat_leases l ON l.chat_key = i.chat_key "
        "WHERE i.processed_at IS NULL AND (l.chat_key IS NULL OR l.until < ? OR l.owner = ?) LIMIT ?",
        (now, owner, limit),
    )
    return [r[0] for r in rows]


async def beat(tx: Tx, name: str, owner: str, at: float) -> None:
    """The loop `name` ran at `at` on `owner` (read by the health check)."""
    await tx.execute(
        "INSERT INTO heartbeats (name, owner, at) VALUES (?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, at = excluded.at",
        (name, owner, at),
    )


async def heartbeat(tx: Tx, name: str) -> tuple[str, float] | None:
    row = await tx.fetchone("SELECT owner, at FROM heartbeats WHERE name = ?", (name,))
    return None if row is None else (row[0], row[1])
