"""Entities Telegram detects in text typed by a user (no parse mode involved).

``bot_command`` detection follows TDLib's ``find_bot_commands`` (PTB's ``CommandHandler`` needs a
``bot_command`` entity at offset 0, and ``/cmd@name`` must carry a 3-32 character name).  Mentions,
hashtags and URLs are detected with simpler rules; overlapping matches are dropped.
"""

from __future__ import annotations

import re
from typing import Any

from .html import utf16_len

_PATTERNS = (
    ("bot_command", re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>@])")),
    ("url", re.compile(r"(?<![\w@])https?://[^\s<>\"]+[^\s<>\".,;:!?)\]]")),
    ("mention", re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{4,32}(?![\w@])")),
    ("hashtag", re.compile(r"(?<![\w#/])#\w*[^\W\d]\w*")),
)


def detect_entities(text: str) -> list[dict[str, Any]]:
    """``MessageEntity`` dicts Telegram would attach to a user's plain-text message."""
    spans: list[tuple[int, int, str]] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < other_end and other_start < end for other_start, other_end, _ in spans):
                continue
            spans.append((start, end, kind))
    spans.sort()
    return [
        {"type": kind, "offset": utf16_len(text[:start]), "length": utf16_len(text[start:end])}
        for start, end, kind in spans
    ]
