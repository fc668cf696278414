"""Telegram's length rules, and cutting a long text into messages that fit.

Telegram counts a message's length after entity parsing (tags removed, `&amp;` one character), in
UTF-16 code units: 4,096 for a text, 1,024 for a caption. A text is cut as plain text, before it is
escaped into HTML, so that no cut can fall inside a tag or an entity; and at the best boundary
within reach: a paragraph, else a line, else a space, else between two characters that do not
belong together (never inside a Khmer cluster: before a vowel sign, after the coeng ្).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

_TAG = re.compile(r"<[^>]*>")
_COENG = "\u17d2"
_JOINERS = {"\u200c", "\u200d", _COENG}


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def html_length(text: str) -> int:
    """The length Telegram counts for a message written in the bot's HTML."""
    return utf16_length(html.unescape(_TAG.sub("", text)))


def split_plain(text: str, room: int, measure: Callable[[str], int] = utf16_length) -> list[str]:
    """`text` in pieces whose `measure` is at most `room`, cut at the best boundary; nothing is
    dropped but the whitespace at each cut."""
    if room < 1:
        raise ValueError("no room for any text")
    pieces, rest = [], text.strip()
    while rest:
        if measure(rest) <= room:
            pieces.append(rest)
            break
        cut = _best_cut(rest, _longest_prefix(rest, room, measure))
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [p for p in pieces if p]


def head_then_rest(text: str, head: int, room: int, measure: Callable[[str], int] = utf16_length) -> list[str]:
    """`text` as a first piece of at most `head` (e.g. the part shown in a card, beside its labels)
    then pieces of at most `room` (messages of their own)."""
    text = text.strip()
    if measure(text) <= head:
        return [text] if text else []
    first = split_plain(text, head, measure)[0]
    return [first, *split_plain(text[len(first) :], room, measure)]


def _longest_prefix(text: str, room: int, measure: Callable[[str], int]) -> int:
    """The most characters of `text` whose measure fits (at least one, so the loop always moves)."""
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if measure(text[:middle]) <= room:
            low = middle
        else:
            high = middle - 1
    return low


def _best_cut(text: str, limit: int) -> int:
    """Where to cut the first `limit` characters: a boundary in their second half if there is one."""
    window = text[:limit]
    floor = limit // 2
    for boundary in ("\n\n", "\n", " ", "\u200b"):
        at = window.rfind(boundary)
        if at > floor:
            return at + len(boundary)
    cut = limit
    while cut > 1 and _inseparable(text, cut):
        cut -= 1
    return cut if cut > 1 else limit


def _inseparable(text: str, cut: int) -> bool:
    """Cutting between text[cut-1] and text[cut] would break a character cluster."""
    if cut >= len(text):
        return False
    before, after = text[cut - 1], text[cut]
    return unicodedata.category(after).startswith("M") or before in _JOINERS or after in _JOINERS
