"""An outbox row's stored parameters turned into the Bot API call's, just before it is sent.

The stored form names what only the bot knows; each becomes what Telegram expects, outside any
transaction (a download or a database read may be needed):
- `reply_to_outbox` (threaded under a message queued earlier) and `edit_of_outbox` (an edit of one,
  e.g. a complaint's card): the bot's handle of that message becomes its Telegram id, found through
  the send log (written or not yet: db/repositories/messages.py);
- {"upload": id} (a chart, an export): the stored file itself;
- evidence a citizen sent as a file: downloaded, cleaned and renamed (bot.evidence_upload), so only
  the clean bytes ever reach the unit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, InputFile
from telegram.error import BadRequest

from bot import evidence_upload
from db.database import Database
from db.repositories import uploads
from db.repositories.outbox import OutboxRow

MessageIdOf = Callable[[int], Awaitable[int | None]]


async def call_params(row: OutboxRow, *, bot: Bot, db: Database, message_id_of: MessageIdOf) -> dict[str, Any]:
    """The parameters of the row's call; BadRequest when it can never be made (it is parked)."""
    params = dict(row.params)
    params["chat_id"] = row.chat_id
    # The earlier message was sent first (same chat, in order), so its id is known by now; if it
    # never got through, this one goes out unthreaded rather than not at all.
    reply_to_row = params.pop("reply_to_outbox", None)
    if reply_to_row is not None:
        message_id = await message_id_of(int(reply_to_row))
        if message_id is not None:
            params["reply_parameters"] = {"message_id": message_id, "allow_sending_without_reply": True}
    for key, value in list(params.items()):
        if isinstance(value, dict) and "upload" in value:
            async with db.read() as tx:
                stored = await uploads.get(tx, int(value["upload"]))
            if stored is None:
                raise BadRequest("the file to send is gone")
            params[key] = InputFile(stored[2], filename=stored[0], attach=True)
        elif evidence_upload.is_evidence_file(value):
            params[key], withheld_caption = await evidence_upload.prepare(bot, value)
            if withheld_caption is not None:
                params["caption"] = withheld_caption
    edit_of_row = params.pop("edit_of_outbox", None)
    if edit_of_row is not None:
        message_id = await message_id_of(int(edit_of_row))
        if message_id is None:
            raise BadRequest("the message to edit was never delivered")
        params["message_id"] = message_id
    return params
