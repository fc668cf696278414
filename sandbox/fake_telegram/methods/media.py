"""Media messages (uploads or known ``file_id``s), media groups and ``getFile``."""

from __future__ import annotations

from typing import Any

from ..errors import WRONG_FILE_ID, bad_request
from ..models import StoredFile
from ..params import Params, Upload
from .common import Context, caption_param, chat_for_bot, markup_param, method, send_bot_message

MAX_DOWNLOAD = 20 * 1024 * 1024
MEDIA_METHODS = {
    "sendPhoto": "photo",
    "sendDocument": "document",
    "sendVideo": "video",
    "sendVoice": "voice",
    "sendAudio": "audio",
    "sendAnimation": "animation",
    "sendVideoNote": "video_note",
    "sendSticker": "sticker",
}


def resolve_file(ctx: Context, params: Params, value: Any, kind: str, extra: Params | None = None) -> StoredFile:
    """A media parameter: an upload (or ``attach://``), an HTTP URL, or a known ``file_id``."""
    upload: Upload | None = params.upload(value)
    meta = extra or params
    if upload is not None:
        if not upload.data:
            raise bad_request("file must be non-empty")
        return ctx.world.files.store(
            kind,
            upload.data,
            file_name=upload.filename if kind not in ("photo", "voice", "video_note", "sticker") else None,
            mime_type=upload.content_type if kind == "document" and upload.content_type else None,
            width=meta.int("width"),
            height=meta.int("height"),
            duration=meta.int("duration"),
        )
    if not isinstance(value, str) or not value:
        raise bad_request(f"there is no {kind} in the request")
    if value.startswith(("http://", "https://")):
        name = value.rstrip("/").rsplit("/", 1)[-1] or None
        return ctx.world.files.store(kind, None, file_name=name if kind == "document" else None)
    stored = ctx.world.files.get(value)
    if stored is None:
        raise bad_request(WRONG_FILE_ID)
    if stored.kind != kind:
        raise bad_request("type of file mismatch")
    return stored


def _send_media(ctx: Context, params: Params, kind: str) -> dict[str, Any]:
    chat = chat_for_bot(ctx, params)
    stored = resolve_file(ctx, params, params.raw(kind), kind)
    caption = caption_param(ctx, params) if kind not in ("sticker", "video_note") else None
    media, file_id = ctx.world.files.media_api(kind, stored, emoji=params.str("emoji"))
    message = send_bot_message(
        ctx,
        chat,
        params,
        media_kind=kind,
        media=media,
        file_id=file_id,
        caption=caption.text if caption and caption.text else None,
        caption_entities=caption.entities if caption else [],
        raw_text=params.str("caption"),
        parse_mode=params.str("parse_mode"),
        reply_markup=markup_param(chat, params),
    )
    return ctx.world.message_api(message)


def _register(name: str, kind: str) -> None:
    def send(ctx: Context, params: Params) -> dict[str, Any]:
        return _send_media(ctx, params, kind)

    send.__name__ = f"send_{kind}"
    method(name, produces_messages=True)(send)


for _name, _kind in MEDIA_METHODS.items():
    _register(_name, _kind)


def _check_group(items: Any) -> list[dict[str, Any]]:
    if not isinstance(items, list) or not 2 <= len(items) <= 10:
        raise bad_request("media must contain 2-10 items")
    kinds = set()
    for item in items:
        if not isinstance(item, dict) or item.get("type") not in ("photo", "video", "document", "audio"):
            raise bad_request("can't parse InputMedia JSON object")
        kinds.add(item["type"])
    if len(kinds) > 1 and not kinds <= {"photo", "video"}:
        raise bad_request("MEDIA_GROUP_INVALID")
    return items


@method("sendMediaGroup", produces_messages=True)
def send_media_group(ctx: Context, params: Params) -> list[dict[str, Any]]:
    chat = chat_for_bot(ctx, params)
    items = _check_group(params.json("media", required=True))
    prepared = []
    for item in items:
        kind = item["type"]
        stored = resolve_file(ctx, params, item.get("media"), kind, Params(item))
        caption = caption_param(ctx, params, source=item)
        prepared.append((kind, stored, caption, item))
    group_id = str(13_000_000_000_000_000 + ctx.world.now() * 1000 + chat.next_message_id)
    results = []
    for kind, stored, caption, item in prepared:
        media, file_id = ctx.world.files.media_api(kind, stored)
        message = send_bot_message(
            ctx,
            chat,
            params,
            media_kind=kind,
            media=media,
            file_id=file_id,
            media_group_id=group_id,
            caption=caption.text if caption and caption.text else None,
            caption_entities=caption.entities if caption else [],
            raw_text=item.get("caption"),
            parse_mode=item.get("parse_mode"),
        )
        results.append(ctx.world.message_api(message))
    return results


@method("getFile")
def get_file(ctx: Context, params: Params) -> dict[str, Any]:
    stored = ctx.world.files.get(params.str("file_id", required=True) or "")
    if stored is None:
        raise bad_request("invalid file_id")
    if stored.file_size > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.file_size,
        "file_path": stored.file_path,
    }
