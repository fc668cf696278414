"""Telegram's ``MarkdownV2`` and legacy ``Markdown`` parse modes (after TDLib's parsers).

MarkdownV2 is strict: every one of ``_*[]()~`>#+-=|{}.!`` outside an entity must be escaped with a
backslash, otherwise Telegram answers "Character '.' is reserved and must be escaped with the
preceding '\\'".  Supported: ``*bold* _italic_ __underline__ ~strike~ ||spoiler|| `code`
```lang pre``` [text](url) ![emoji](tg://emoji?id=N)`` and ``>`` block quotes at line start
(``**>`` starts an expandable one).  Legacy Markdown knows ``*bold* _italic_ `code` ```pre```
[text](url)`` and only ``\\`` escapes before those characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .html import EntityParseError, FormattedText, utf16_len

_RESERVED = "_*[]()~`>#+-=|{}.!"
_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


@dataclass
class _Open:
    type: str
    offset: int  # UTF-16 offset in output
    byte_offset: int
    language: str = ""


class _Builder:
    def __init__(self, src: str) -> None:
        self.src = src
        self.out: list[str] = []
        self.length = 0
        self.entities: list[dict[str, Any]] = []

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.length += utf16_len(text)

    def byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8"))

    def add(self, kind: str, offset: int, *, trim_newline: bool = False, **extra: Any) -> None:
        end = self.length - (1 if trim_newline and self.out and self.out[-1].endswith("\n") else 0)
        if end > offset:
            self.entities.append({"type": kind, "offset": offset, "length": end - offset, **extra})

    def result(self) -> FormattedText:
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return FormattedText("".join(self.out), self.entities)


def _read_url(src: str, i: int) -> tuple[str, int]:
    """Read ``(url)`` starting at ``src[i] == '('``; returns (url, index after ')')."""
    url: list[str] = []
    i += 1
    while i < len(src) and src[i] != ")":
        if src[i] == "\\" and i + 1 < len(src):
            i += 1
        url.append(src[i])
        i += 1
    if i >= len(src):
        raise EntityParseError("Can't find end of a URL")
    return "".join(url), i + 1


def parse_markdown_v2(src: str) -> FormattedText:
    """Parse MarkdownV2; raises :class:`EntityParseError` with Telegram's reason."""
    b = _Builder(src)
    stack: list[_Open] = []
    quote_start: int | None = None
    quote_kind = "blockquote"
    i = 0
    while i < len(src):
        c = src[i]
        at_line_start = i == 0 or src[i - 1] == "\n"
        if at_line_start and not stack:
            if quote_start is not None and c != ">":
                b.add(quote_kind, quote_start, trim_newline=True)
                quote_start = None
            if src.startswith("**>", i) or c == ">":
                if quote_start is None:
                    quote_start, quote_kind = b.length, "blockquote"
                if src.startswith("**>", i):
                    quote_kind = "expandable_blockquote"
                    i += 2
                i += 1
                continue
        if c == "\\" and i + 1 < len(src) and 0 < ord(src[i + 1]) < 127:
            b.emit(src[i + 1])
            i += 2
            continue
        top = stack[-1].type if stack else ""
        reserved = "`" if top in ("code", "pre") else _RESERVED
        if c not in reserved:
            b.emit(c)
            i += 1
            continue
        nxt = src[i + 1] if i + 1 < len(src) else ""
        ends = {
            "bold": c == "*",
            "italic": c == "_" and nxt != "_",
            "underline": c == "_" and nxt == "_",
            "strikethrough": c == "~",
            "spoiler": c == "|" and nxt == "|",
            "code": c == "`",
            "pre": src.startswith("```", i),
            "text_link": c == "]",
            "custom_emoji": c == "]",
        }
        if stack and ends.get(top, False):
            opened = stack.pop()
            i += {"underline": 2, "spoiler": 2, "pre": 3}.get(top, 1)
            if top in ("text_link", "custom_emoji"):
                if i < len(src) and src[i] == "(":
                    url, i = _read_url(src, i)
                else:
                    url = "".join(b.out)[opened.offset :] if top == "text_link" else ""
                if top == "custom_emoji":
                    emoji_id = url.removeprefix("tg://emoji?id=")
                    if emoji_id == url or not emoji_id.isdigit():
                        raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
                    b.add(top, opened.offset, custom_emoji_id=emoji_id)
                else:
                    b.add(top, opened.offset, url=url)
            elif top == "pre":
                extra = {"language": opened.language} if opened.language else {}
                b.add("pre", opened.offset, **extra)
            else:
                b.add(top, opened.offset)
            continue
        kind = ""
        if c == "*":
            kind = "bold"
        elif c == "_":
            kind = "underline" if nxt == "_" else "italic"
        elif c == "~":
            kind = "strikethrough"
        elif c == "|" and nxt == "|":
            kind = "spoiler"
        elif c == "[":
            kind = "text_link"
        elif c == "!" and nxt == "[":
            kind = "custom_emoji"
        elif c == "`":
            kind = "pre" if src.startswith("```", i) else "code"
        if not kind:
            raise EntityParseError(f"Character '{c}' is reserved and must be escaped with the preceding '\\'")
        opened = _Open(kind, b.length, b.byte_offset(i))
        i += {"underline": 2, "spoiler": 2, "custom_emoji": 2, "pre": 3}.get(kind, 1)
        if kind == "pre":
            newline = src.find("\n", i)
            close = src.find("```", i)
            if newline != -1 and (close == -1 or newline < close):
                opened.language = src[i:newline].strip()
                i = newline + 1
        stack.append(opened)
    if stack:
        raise EntityParseError(
            f"Can't find end of {_NAMES[stack[-1].type]} entity at byte offset {stack[-1].byte_offset}"
        )
    if quote_start is not None:
        b.add(quote_kind, quote_start)
    return b.result()


def _unclosed(b: _Builder, begin: int) -> EntityParseError:
    return EntityParseError(f"Can't find end of the entity starting at byte offset {b.byte_offset(begin)}")


def parse_markdown(src: str) -> FormattedText:
    """Parse legacy ``Markdown``; raises :class:`EntityParseError` with Telegram's reason."""
    b = _Builder(src)
    i = 0
    while i < len(src):
        c = src[i]
        if c == "\\" and i + 1 < len(src) and src[i + 1] in "_*`[":
            b.emit(src[i + 1])
            i += 2
            continue
        if c not in "_*`[":
            b.emit(c)
            i += 1
            continue
        begin = i
        if c == "`" and src.startswith("```", i):
            end = src.find("```", i + 3)
            if end == -1:
                raise _unclosed(b, begin)
            body = src[i + 3 : end]
            language = ""
            if "\n" in body:
                first, rest = body.split("\n", 1)
                if first and " " not in first:
                    language, body = first, rest
            offset = b.length
            b.emit(body)
            b.add("pre", offset, **({"language": language} if language else {}))
            i = end + 3
            continue
        closer = "]" if c == "[" else c
        end = src.find(closer, i + 1)
        if end == -1:
            raise _unclosed(b, begin)
        offset = b.length
        b.emit(src[i + 1 : end])
        i = end + 1
        if c == "[":
            if i < len(src) and src[i] == "(":
                url, i = _read_url(src, i)
                b.add("text_link", offset, url=url)
            continue
        b.add({"*": "bold", "_": "italic", "`": "code"}[c], offset)
    return b.result()
