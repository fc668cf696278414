"""Evidence a citizen sent as a file, downloaded and cleaned on its way to a police unit.

delivery queues such an item as a sendDocument whose `document` is not a file yet but this form
(`document` builds it; it is stored with the outbox row):

    {"evidence_file": <Telegram file_id>, "position": 3, "ext": "pdf" or None,
     "withheld_caption": <HTML>, "withheld_text": <plain text>}

and the outbox sender calls `prepare` just before sending (outside any transaction, like every
network call): the file is downloaded from Telegram, cleaned by bot.domain.evidence_files in a
worker thread (re-encoding a large picture takes a second of CPU), and uploaded as
`evidence-<n>.<ext>`. A file that cannot be cleaned, or that Telegram will not hand over, is
replaced by a short text file saying so, with the note as its caption: the post sees that an item
is missing and why, and never the original bytes. Network errors propagate: the sender retries.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Bot, InputFile
from telegram.error import BadRequest

from bot.domain import evidence_files
from bot.domain.evidence_files import Withheld

log = logging.getLogger(__name__)

DOWNLOAD_TIMEOUT = 60.0  # seconds between reads; a 20 MB file over a slow link


def document(file_id: str, position: int, claimed_ext: str | None, withheld: tuple[str, str]) -> dict[str, Any]:
    """The `document` of a sendDocument row for a citizen's file (withheld: the caption and text
    that replace it if it cannot be cleaned)."""
    caption, text = withheld
    return {
        "evidence_file": file_id,
        "position": position,
        "ext": claimed_ext,
        "withheld_caption": caption,
        "withheld_text": text,
    }


def is_evidence_file(value: Any) -> bool:
    return isinstance(value, dict) and "evidence_file" in value


async def prepare(bot: Bot, spec: dict[str, Any]) -> tuple[InputFile, str | None]:
    """The file to upload, and the caption to use instead of the row's (None: keep the row's)."""
    position = int(spec["position"])
    try:
        telegram_file = await bot.get_file(str(spec["evidence_file"]), read_timeout=DOWNLOAD_TIMEOUT)
        data = bytes(await telegram_file.download_as_bytearray(read_timeout=DOWNLOAD_TIMEOUT))
    except BadRequest as error:  # e.g. "file is too big": it will never be downloadable
        log.warning("evidence file %s withheld: Telegram refused it (%s)", position, error.message)
        result: evidence_files.CleanFile | Withheld = Withheld("unavailable")
    else:
        result = await asyncio.to_thread(evidence_files.clean, data, position, spec.get("ext"))
        if isinstance(result, Withheld):
            log.warning("evidence file %s withheld: %s", position, result.reason)
    if isinstance(result, Withheld):
        note = str(spec["withheld_text"]).encode()
        return InputFile(note, filename=f"evidence-{position}-withheld.txt", attach=True), str(spec["withheld_caption"])
    return InputFile(result.data, filename=result.name, attach=True), None
