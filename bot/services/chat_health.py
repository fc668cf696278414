"""What the outbox sender reports about chats: lost ones and upgraded ones."""

from __future__ import annotations

from bot.domain import lifecycle as lc
from bot.domain import routing
from bot.services import lifecycle, membership, relay, units_admin
from bot.services.session import Services, Work
from db.database import Tx
from db.repositories.outbox import OutboxRow

# Telegram's words for "this chat is gone for the bot" (PTB capitalises the first letter).
_CHAT_LOST = (
    "bot was kicked",
    "not a member",
    "chat not found",
    "group chat was deactivated",
    "bot was blocked",
    "have no rights to send",
    "need administrator rights",
)


def chat_is_lost(error: str) -> bool:
    lowered = error.lower()
    return any(words in lowered for words in _CHAT_LOST)


def failure_hook(services: Services):
    async def on_permanent_failure(tx: Tx, row: OutboxRow, error: str) -> None:
        """A message Telegram refused for good. For a group the bot lost, its units become
        unreachable (the ministry is told once) and a complaint whose card could not be delivered
        goes to the next level up at once. The writer of a relayed message that cannot be
        delivered is told (bot.services.relay). A removal from a group that Telegram refused must be
        done by hand: whoever asked for it, and the group, are told."""
        if row.method == membership.BAN_METHOD:
            await membership.removal_refused(Work(services, tx), row, error)
        group_lost = row.chat_id < 0 and chat_is_lost(error)
        if group_lost:
            w = Work(services, tx)
            await units_admin.chat_lost(w, row.chat_id, error)
            await _card_lost(w, row)
        # A message passed on between citizen and police: its writer is told, or it goes up a level.
        await relay.undelivered(Work(services, tx), row, error, chat_lost=group_lost)

    return on_permanent_failure


async def _card_lost(w: Work, row: OutboxRow) -> None:
    """The complaint's card never reached its unit: the complaint goes to the nearest unit above
    whose group can be reached (the lost unit is marked unreachable by now)."""
    loaded = await lifecycle.load(w, row.complaint_id) if row.complaint_id else None
    if loaded is None or loaded.complaint.card_outbox_id != row.id or not loaded.complaint.responsible_code:
        return
    to = routing.deliver_to(await w.registry(), loaded.complaint.responsible_code)
    try:
        move = lc.reroute(loaded.case, to)
    except lc.Refused:
        return  # acknowledged meanwhile, or nowhere better to go
    await lifecycle.carry_out(w, loaded, move)


def migration_hook(services: Services):
    async def on_chat_migrated(tx: Tx, old_chat_id: int, new_chat_id: int) -> None:
        await units_admin.chat_migrated(Work(services, tx), old_chat_id, new_chat_id)

    return on_chat_migrated
