"""Police units, the communes their posts cover, and their chats."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.units import Level, Registry, Unit, registry_from
from db.database import Row, Tx

LEVEL_ORDER = {Level.MINISTRY: 0, Level.PROVINCE: 1, Level.DISTRICT: 2, Level.POST: 3}
_COLUMNS = "code, level, parent_code, name_km, name_en, phone, chat_id, thread_id, lang, unreachable_since"


def _unit(row: Row) -> Unit:
    values = dict(row)
    values["level"] = Level(values["level"])
    return Unit(**values)


async def count(tx: Tx) -> int:
    return int(await tx.fetchval("SELECT COUNT(*) FROM units"))


async def version(tx: Tx) -> tuple[int, float]:
    """Changes whenever a unit or the commune coverage changes (cache key for the registry)."""
    row = await tx.fetchone("SELECT COUNT(*), COALESCE(MAX(updated_at), 0) FROM units")
    assert row is not None
    return int(row[0]), float(row[1])


async def load(tx: Tx) -> Registry:
    units = [_unit(r) for r in await tx.fetchall(f"SELECT {_COLUMNS} FROM units")]
    communes = {r[0]: r[1] for r in await tx.fetchall("SELECT commune_code, unit_code FROM unit_communes")}
    return registry_from(units, communes)


async def replace_all(tx: Tx, units: Iterable[Unit], communes: dict[str, str]) -> None:
    """Write a whole registry (first start, or an import): parents before children."""
    now = time.time()
    ordered = sorted(units, key=lambda u: (LEVEL_ORDER[u.level], u.code))
    await tx.execute("DELETE FROM unit_communes")
    for unit in ordered:
        await tx.execute(
            f"INSERT INTO units ({_COLUMNS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (code) DO UPDATE SET level = excluded.level, parent_code = excluded.parent_code, "
            "name_km = excluded.name_km, name_en = excluded.name_en, phone = excluded.phone, "
            "chat_id = excluded.chat_id, thread_id = excluded.thread_id, lang = excluded.lang, "
            "unreachable_since = excluded.unreachable_since, updated_at = excluded.updated_at",
            (
                unit.code,
                unit.level,
                unit.parent_code,
                unit.name_km,
                unit.name_en,
                unit.phone,
                unit.chat_id,
                unit.thread_id,
                unit.lang,
                unit.unreachable_since,
                now,
            ),
        )
    await tx.executemany("INSERT INTO unit_communes (commune_code, unit_code) VALUES (?, ?)", sorted(communes.items()))


async def referenced_codes(tx: Tx) -> set[str]:
    """Units that complaints, people or invitations refer to: they cannot be removed."""
    rows = await tx.fetchall(
        "SELECT unit_code FROM complaints WHERE unit_code IS NOT NULL UNION "
        "SELECT responsible_code FROM complaints WHERE responsible_code IS NOT NULL UNION "
        "SELECT unit_code FROM members UNION SELECT unit_code FROM invites"
    )
    return {r[0] for r in rows}


async def remove_except(tx: Tx, keep: set[str]) -> list[str]:
    """Delete the units not in `keep`, lowest levels first (children before their parents)."""
    levels = {r[0]: Level(r[1]) for r in await tx.fetchall("SELECT code, level FROM units")}
    gone = sorted((code for code in levels if code not in keep), key=lambda code: -LEVEL_ORDER[levels[code]])
    for code in gone:
        await tx.execute("DELETE FROM units WHERE code = ?", (code,))
    return gone


async def bind(tx: Tx, code: str, chat_id: int, thread_id: int | None) -> None:
    await tx.execute(
        "UPDATE units SET chat_id = ?, thread_id = ?, unreachable_since = NULL, unreachable_reason = NULL, "
        "updated_at = ? WHERE code = ?",
        (chat_id, thread_id, time.time(), code),
    )


async def unbind(tx: Tx, code: str) -> None:
    await tx.execute(
        "UPDATE units SET chat_id = NULL, thread_id = NULL, unreachable_since = NULL, unreachable_reason = NULL, "
        "updated_at = ? WHERE code = ?",
        (time.time(), code),
    )


async def set_lang(tx: Tx, chat_id: int, lang: str) -> int:
    return await tx.execute("UPDATE units SET lang = ?, updated_at = ? WHERE chat_id = ?", (lang, time.time(), chat_id))


async def mark_unreachable(tx: Tx, chat_id: int, reason: str) -> list[str]:
    """The bot can no longer post in this chat; returns the codes newly marked (to alert once)."""
    rows = await tx.fetchall("SELECT code FROM units WHERE chat_id = ? AND unreachable_since IS NULL", (chat_id,))
    now = time.time()
    await tx.execute(
        "UPDATE units SET unreachable_since = ?, unreachable_reason = ?, updated_at = ? "
        "WHERE chat_id = ? AND unreachable_since IS NULL",
        (now, reason[:300], now, chat_id),
    )
    return [r[0] for r in rows]


async def mark_reachable(tx: Tx, chat_id: int) -> None:
    await tx.execute(
        "UPDATE units SET unreachable_since = NULL, unreachable_reason = NULL, updated_at = ? "
        "WHERE chat_id = ? AND unreachable_since IS NOT NULL",
        (time.time(), chat_id),
    )


async def move_chat(tx: Tx, old_chat_id: int, new_chat_id: int) -> int:
    """A group became a supergroup with a new id."""
    return await tx.execute(
        "UPDATE units SET chat_id = ?, updated_at = ? WHERE chat_id = ?", (new_chat_id, time.time(), old_chat_id)
    )


# --- what the bot may do in each group -----------------------------------------------------------


@dataclass(frozen=True)
class BotChat:
    """The bot's status in a group as Telegram last described it."""

    chat_id: int
    status: str  # member | administrator | restricted | left | kicked
    can_restrict: bool  # may ban users: needed to remove people from the group
    title: str | None


async def bot_chat(tx: Tx, chat_id: int) -> BotChat | None:
    row = await tx.fetchone("SELECT chat_id, status, can_restrict, title FROM bot_chats WHERE chat_id = ?", (chat_id,))
    return BotChat(row[0], row[1], bool(row[2]), row[3]) if row else None


async def bot_chats(tx: Tx, chat_ids: Iterable[int]) -> dict[int, BotChat]:
    wanted = sorted(set(chat_ids))
    if not wanted:
        return {}
    marks = ", ".join("?" for _ in wanted)
    rows = await tx.fetchall(
        f"SELECT chat_id, status, can_restrict, title FROM bot_chats WHERE chat_id IN ({marks})", wanted
    )
    return {r[0]: BotChat(r[0], r[1], bool(r[2]), r[3]) for r in rows}


async def set_bot_chat(tx: Tx, chat_id: int, status: str, can_restrict: bool, title: str | None) -> None:
    await tx.execute(
        "INSERT INTO bot_chats (chat_id, status, can_restrict, title, updated_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (chat_id) DO UPDATE SET status = excluded.status, can_restrict = excluded.can_restrict, "
        "title = COALESCE(excluded.title, bot_chats.title), updated_at = excluded.updated_at",
        (chat_id, status, int(can_restrict), title, time.time()),
    )


async def move_bot_chat(tx: Tx, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup: the bot keeps its rights there (Telegram carries them over)."""
    await tx.execute(
        "INSERT INTO bot_chats (chat_id, status, can_restrict, title, updated_at) "
        # Typed parameters: PostgreSQL cannot infer a type for a bare "SELECT ?".
        "SELECT CAST(? AS BIGINT), status, can_restrict, title, CAST(? AS DOUBLE PRECISION) FROM bot_chats "
        "WHERE chat_id = ? "
        "ON CONFLICT (chat_id) DO NOTHING",
        (new_chat_id, time.time(), old_chat_id),
    )
