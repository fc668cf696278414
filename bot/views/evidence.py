"""Evidence files in words: why the intake refuses a file, and the bot's caption on each item under
a complaint's card.

A copied photo would otherwise keep the caption the citizen typed, with its entities (a text link
can point anywhere); a document's caption could name the citizen. So every item carries the bot's
caption: its place in the list and the complaint's number, then the citizen's caption, if any,
escaped and contained like all citizens' text.
"""

from __future__ import annotations

import html
import re

from bot.domain import tracking
from bot.domain.textnorm import contain_bidi
from bot.i18n import Translator
from bot.outgoing import Screen, user_text

# Telegram's limit for a caption, in UTF-16 code units after HTML parsing.
CAPTION_LIMIT = 1024


def refused(t: Translator, reason: str, details: dict[str, int]) -> Screen | None:
    """Why a document cannot be attached, and what to send instead (None: not a document refusal)."""
    if reason == "document_too_big":
        text = t(
            "This file is too big: the bot can pass on files of up to %(limit)s MB. "
            "Please send it as a photo or a video instead, or send a smaller file.",
            limit=t.number(details.get("limit_mb", 0)),
        )
    elif reason == "picture_not_cleanable":
        text = t(
            "The bot cannot remove the hidden data (such as where it was taken) from this kind of picture file. "
            "Please send it as a photo instead."
        )
    else:
        return None
    return Screen("⚠️ " + text)


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _heading(t: Translator, position: int, total: int, tracking_no: str) -> str:
    return "📎 " + t(
        "%(position)s/%(total)s · complaint %(number)s",
        position=t.number(position),
        total=t.number(total),
        number=tracking.display(tracking_no, t.lang),
    )


def caption(t: Translator, position: int, total: int, tracking_no: str, citizen_caption: str | None) -> str:
    """HTML caption of evidence item `position` of `total`."""
    heading = _heading(t, position, total, tracking_no)
    if not citizen_caption or not citizen_caption.strip():
        return heading
    # The label is the bot's (no markup), so the visible length is the label's plus the caption's.
    label = t("Citizen's caption: %(caption)s", caption="")
    room = CAPTION_LIMIT - _units(heading) - 1 - _units(label)
    return heading + "\n" + t("Citizen's caption: %(caption)s", caption=_fitted(citizen_caption.strip(), room))


def withheld(t: Translator, position: int, total: int, tracking_no: str) -> tuple[str, str]:
    """(HTML caption, plain text) in place of a file that could not be cleaned of hidden data: the
    officers learn it exists and what to ask for."""
    return with_note(_heading(t, position, total, tracking_no), t)


def with_note(heading: str, t: Translator) -> tuple[str, str]:
    """(HTML caption, plain text) of a held-back file under `heading` (HTML of the bot's own)."""
    note = "⚠️ " + t(
        "This file was held back: it could not be checked for hidden data that can show who the citizen "
        "is or where they live. Ask the citizen to send it again as a photo."
    )
    return heading + "\n" + note, html_to_text(heading) + "\n\n" + note + "\n"


def html_to_text(html_text: str) -> str:
    """The bot's own HTML (tags and escapes only) as the plain text a .txt file shows."""
    return html.unescape(re.sub(r"<[^>]+>", "", html_text))


def _fitted(text: str, room: int) -> str:
    """The citizen's text, escaped and contained, shortened with … to at most `room` visible units
    (contain_bidi may add closing characters, so the contained form is measured)."""
    if _units(contain_bidi(text)) <= room:
        return user_text(text)
    keep = room
    while keep > 0:
        cut = text[:keep].rstrip() + "…"
        over = _units(contain_bidi(cut)) - room
        if over <= 0:
            return user_text(cut)
        keep -= over
    return ""
