"""Messages passed on between a citizen and the police unit handling their complaint.

- Framed: a header names the complaint (and, for the citizen, the unit); the words are escaped.
- Never cut off: words that do not fit one Telegram message once framed (an officer's 4,096
  characters, a citizen's long answer) become several messages, each with the header and its part
  number, cut as plain text before escaping (bot.domain.textsplit). Media is copied (a copy names no
  sender) with the frame as its caption, or after the words when they do not fit a caption.
- Only where someone reads: a citizen's message goes to the complaint's unit or, when that unit has
  no chat the bot can reach (unbound, bot removed), to the nearest reachable unit above, framed so
  that unit knows why. When no unit at all can be reached, nothing is queued and the citizen is told.
- The sender is told what did not arrive: every relayed row carries a RELAY marker; when Telegram
  refuses it for good, `undelivered` (from the sender's failure hook) tells the officers' group that
  the citizen did not get their message, or passes a citizen's message on to the unit above the lost
  group, or tells the citizen it could not be delivered.
"""

from __future__ import annotations

from typing import Any, Protocol

from bot import evidence_upload
from bot.domain import evidence_files, routing
from bot.domain.complaint import Complaint
from bot.domain.textsplit import CAPTION_LIMIT, TEXT_LIMIT, html_length, split_plain
from bot.domain.units import Registry, Unit
from bot.i18n import Translator
from bot.outgoing import RELAY, Outgoing, Screen, copy, threaded, user_text
from bot.services import lifecycle
from bot.services.session import Session, Work
from bot.views import card as card_views
from bot.views import evidence as evidence_views
from bot.views import notices
from bot.views import relay as views
from db.repositories import complaints, outbox
from db.repositories.outbox import OutboxRow

_PART_ROOM = len(" (99/99)")  # the part number added to the header of a long text cut in several


class Relayed(Protocol):
    """A message someone sent (bot.services.handling.Incoming)."""

    chat_id: int
    message_id: int
    text: str | None
    has_media: bool
    document_file_id: str | None
    document_name: str | None


async def to_citizen(s: Session, complaint: Complaint, unit: Unit, message: Relayed) -> None:
    """An officer's message (from the unit's group) to the citizen, in the citizen's language."""
    t = s.t_for(await lifecycle.citizen_lang(s, complaint))
    await _pass_on(
        s,
        message,
        t,
        to_chat=complaint.citizen_id,
        complaint_id=complaint.id,
        header=notices.officer_message_header(t, complaint, unit),
        footer=notices.answer_hint(t),
        markup=notices.answer_button(t, complaint),
        marker={"to": "citizen", "chat": message.chat_id, "message": message.message_id, "thread": unit.thread_id},
    )


async def to_police(s: Session, complaint: Complaint, message: Relayed) -> Unit | None:
    """A citizen's message to the unit handling the complaint, or to the nearest reachable unit above
    it. Returns the unit it went to; None (and nothing queued) when no unit can be reached."""
    registry = await s.registry()
    holder = registry.get(complaint.unit_code or complaint.responsible_code or "")
    target = _reachable_from(registry, holder)
    if holder is None or target is None or target.chat_id is None:
        return None
    t = s.t_for(target.lang)
    header = card_views.from_citizen(t, complaint)
    own = target.code == holder.code and target.code == complaint.unit_code
    if not own:
        header += "\n<i>" + views.passed_up(t, complaint, holder) + "</i>"
    card = complaint.card_outbox_id if own else None
    if card is not None and await outbox.chat_of(s.tx, card) != target.chat_id:
        card = None  # the card is in another chat (the unit was bound to a new group since)
    await _pass_on(
        s,
        message,
        t,
        to_chat=target.chat_id,
        complaint_id=complaint.id,
        header=header,
        thread_id=target.thread_id,
        reply_to_outbox=card,
        marker={"to": "police", "chat": message.chat_id, "message": message.message_id, "thread": None},
    )
    return target


# --- when Telegram refuses a relayed message for good ---------------------------------------------


async def undelivered(w: Work, row: OutboxRow, error: str, *, chat_lost: bool) -> None:
    """A relayed message Telegram will never accept. `chat_lost`: the police group is gone for the
    bot (its units are already marked unreachable)."""
    marker = row.params.get(RELAY)
    if not isinstance(marker, dict) or row.complaint_id is None:
        return
    complaint = await complaints.get(w.tx, row.complaint_id)
    if complaint is None:
        return
    if marker.get("to") == "citizen":
        await _tell_officers(w, complaint, marker, error)
    elif not (chat_lost and await _pass_up(w, complaint, row)):
        t = w.t_for(await lifecycle.citizen_lang(w, complaint))
        await lifecycle.tell_citizen(w, complaint, views.not_delivered_to_police(t, complaint))


async def _tell_officers(w: Work, complaint: Complaint, marker: dict[str, Any], error: str) -> None:
    chat_id = marker.get("chat")
    if not isinstance(chat_id, int):
        return
    registry = await w.registry()
    here = registry.get(complaint.unit_code or "")
    if here is None or here.chat_id != chat_id:
        here = next(iter(registry.in_chat(chat_id)), None)
    t = w.t_for(here.lang if here else None)
    await w.queue(
        views.not_delivered_to_citizen(t, complaint, blocked="blocked" in error.lower()).send(
            chat_id,
            priority="notify",
            complaint_id=complaint.id,
            thread_id=marker.get("thread"),
            reply_to_message=marker.get("message"),
        )
    )


async def _pass_up(w: Work, complaint: Complaint, row: OutboxRow) -> bool:
    """The group of the unit handling the complaint is gone: the message, as it was sent, goes to the
    nearest reachable unit above, after a line saying why. False if none can be reached."""
    registry = await w.registry()
    holder = registry.get(complaint.unit_code or complaint.responsible_code or "")
    target = _reachable_from(registry, holder)
    if holder is None or target is None or target.chat_id is None or target.chat_id == row.chat_id:
        return False
    t = w.t_for(target.lang)
    await w.queue(
        Screen("↪️ " + views.passed_up(t, complaint, holder)).send(
            target.chat_id, priority="notify", complaint_id=complaint.id, thread_id=target.thread_id
        )
    )
    params = {k: v for k, v in row.params.items() if k not in ("reply_to_outbox", "reply_parameters")}
    params.pop("message_thread_id", None)
    if target.thread_id is not None:
        params["message_thread_id"] = target.thread_id
    await w.queue(Outgoing(target.chat_id, row.method, params, "notify", complaint.id))
    return True


# --- framing and cutting ------------------------------------------------------------------------


async def _pass_on(
    w: Work,
    message: Relayed,
    t: Translator,
    *,
    to_chat: int,
    complaint_id: int,
    header: str,
    marker: dict[str, Any],
    footer: str = "",
    markup: dict | None = None,
    thread_id: int | None = None,
    reply_to_outbox: int | None = None,
) -> None:
    """Text becomes one message, or several when it is too long; media is copied with the frame as
    its caption, or, when the words do not fit a caption, after the words as their own messages."""
    words = message.text or ""
    framed = _join(header, user_text(words) if words else "", footer)
    if message.has_media and html_length(framed) <= CAPTION_LIMIT:
        caption = framed
    else:
        parts = framed_parts(t, header, words, footer)
        for number, text in enumerate(parts, start=1):
            buttons = markup if number == len(parts) and not message.has_media else None
            item = Screen(text, buttons).send(
                to_chat,
                priority="notify",
                complaint_id=complaint_id,
                thread_id=thread_id,
                reply_to_outbox=reply_to_outbox,
            )
            item.params[RELAY] = marker
            await w.queue(item)
        if not message.has_media:
            return
        caption = header
    if message.document_file_id and marker.get("to") == "police":
        item = _cleaned_document(
            t, message, message.document_file_id, caption, to_chat, complaint_id, thread_id, reply_to_outbox
        )
    else:
        item = copy(
            to_chat,
            message.chat_id,
            message.message_id,
            complaint_id=complaint_id,
            caption=caption,
            thread_id=thread_id,
            reply_to_outbox=reply_to_outbox,
            markup=markup,
        )
    item.params[RELAY] = marker
    await w.queue(item)


def _cleaned_document(
    t: Translator,
    message: Relayed,
    file_id: str,
    caption: str,
    to_chat: int,
    complaint_id: int,
    thread_id: int | None,
    reply_to_outbox: int | None,
) -> Outgoing:
    """A citizen's document for the police: re-sent cleaned and under a neutral name by the sender
    (bot.evidence_upload), like the evidence filed with the complaint; never copied as it came."""
    claimed = evidence_files.claimed_extension(message.document_name, None)
    spec = evidence_upload.document(file_id, message.message_id, claimed, evidence_views.with_note(caption, t))
    params = threaded({"document": spec, "caption": caption, "parse_mode": "HTML"}, thread_id, reply_to_outbox)
    return Outgoing(to_chat, "sendDocument", params, "notify", complaint_id)


def framed_parts(t: Translator, header: str, words: str, footer: str) -> list[str]:
    """The framed text as one message, or cut into several that each fit Telegram's 4,096 characters:
    every part has the header and its number, the last one the footer."""
    whole = _join(header, user_text(words) if words else "", footer)
    if html_length(whole) <= TEXT_LIMIT or not words:
        return [whole]
    frame = html_length(header) + _PART_ROOM + html_length(footer) + 2 * len("\n\n")
    pieces = split_plain(words, TEXT_LIMIT - frame, lambda piece: html_length(user_text(piece)))
    count = len(pieces)
    return [
        _join(
            f"{header} {t.digits(f'({number}/{count})')}",
            user_text(piece),
            footer if number == count else "",
        )
        for number, piece in enumerate(pieces, start=1)
    ]


def _join(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part)


def _reachable_from(registry: Registry, unit: Unit | None) -> Unit | None:
    route = routing.deliver_to(registry, unit.code) if unit else None
    return registry.get(route.handler) if route and route.handler else None
