"""What a card announces, sent under it: the rest of a long account, then the photos, videos, voice
notes and documents the citizen attached, then the location pin (also under a staff member's
/status NUMBER answer, which shows the card).

Each item is sent by its Telegram file id rather than copied from the citizen's chat: it must arrive
long after filing, when the citizen may have deleted their message or used /forget (the complaint no
longer leads to their chat, so there is nothing to copy from). Like a copy, a file sent by its id
names no sender, and Telegram has already stripped a photo of its EXIF. A document is re-sent
downloaded and cleaned by the outbox sender (bot.evidence_upload), because its bytes and name reach
the bot exactly as the citizen's phone made them. Every item carries the bot's caption: the
citizen's own caption and its entities never pass unescaped.
"""

from __future__ import annotations

from bot import evidence_upload
from bot.domain import evidence_files
from bot.domain.complaint import Complaint
from bot.outgoing import Outgoing, threaded
from bot.services.session import Work
from bot.views import card as card_views
from bot.views import evidence as evidence_views
from db.repositories import complaints

# The Bot API method and its file parameter for each kind of evidence the intake accepts.
SEND_METHODS = {
    "photo": "sendPhoto",
    "video": "sendVideo",
    "voice": "sendVoice",
    "audio": "sendAudio",
    "animation": "sendAnimation",
    "video_note": "sendVideoNote",
    "document": "sendDocument",
}


async def send_under(
    w: Work,
    complaint: Complaint,
    *,
    lang: str | None,
    chat_id: int,
    reply_to: int,
    thread_id: int | None = None,
    priority: str = "notify",
) -> int:
    """Queue the evidence under the outbox row `reply_to` in `chat_id`, captions in `lang`; returns
    how many messages were queued (the items, and the location pin if any)."""
    t = w.t_for(lang)
    account = card_views.account_parts(complaint.description)
    for part, text in enumerate(account[1:], start=2):
        follow_up = card_views.account_follow_up(t, complaint.tracking_no, part, len(account), text)
        params = threaded({"text": follow_up, "parse_mode": "HTML"}, thread_id, reply_to)
        await w.queue(Outgoing(chat_id, "sendMessage", params, priority, complaint.id))
    items = await complaints.evidence(w.tx, complaint.id)
    for position, item in enumerate(items, start=1):
        kind = item["kind"]
        params = threaded({}, thread_id, reply_to)
        if kind == "document":
            params["document"] = evidence_upload.document(
                item["file_id"],
                position,
                evidence_files.claimed_extension(item["file_name"], None),
                evidence_views.withheld(t, position, len(items), complaint.tracking_no),
            )
        else:
            params[kind] = item["file_id"]
        if kind != "video_note":  # a video message cannot have a caption (and the citizen could not give it one)
            params["caption"] = evidence_views.caption(t, position, len(items), complaint.tracking_no, item["caption"])
            params["parse_mode"] = "HTML"
        await w.queue(Outgoing(chat_id, SEND_METHODS[kind], params, priority, complaint.id))
    sent = len(account[1:]) + len(items)
    if complaint.latitude is None or complaint.longitude is None:
        return sent
    params = threaded({"latitude": complaint.latitude, "longitude": complaint.longitude}, thread_id, reply_to)
    await w.queue(Outgoing(chat_id, "sendLocation", params, priority, complaint.id))
    return sent + 1
