"""Telegram's HTML ``parse_mode``: validation and entity extraction.

The parser follows the algorithm of TDLib's ``parse_html`` (what the Bot API server runs), so the
error reasons match what Telegram answers after ``"Bad Request: can't parse entities: "``:

* ``<`` always opens a tag.  An unsupported tag name (``<2``, ``<script>``) is an error, as is an
  unclosed, unmatched or unexpected end tag.  A bare ``>`` is taken literally.
* Supported tags: ``b strong i em u ins s strike del span class="tg-spoiler" tg-spoiler a href
  tg-emoji emoji-id code pre pre>code class="language-x" blockquote [expandable]``.  Unknown
  attributes are ignored, as Telegram does.
* Character references: ``&lt; &gt; &amp; &quot;`` and numeric ``&#NNN;`` / ``&#xHH;``.

One deliberate difference: Telegram passes a bare ``&`` (or an unknown ``&name;``) through as
literal text.  With ``strict_entities=True`` (the default) the fake rejects it, because a bot that
sends un-escaped user text is one ``&lt;`` away from corrupting a complaint.

Offsets and lengths of the produced entities are in UTF-16 code units, like the Bot API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
}
SUPPORTED_TAGS = frozenset({*_SIMPLE_TAGS, "a", "span", "tg-emoji", "code", "pre", "blockquote"})
_NAMED_REFERENCES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACES = " \t\r\n\f\v"


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; ``str(error)`` is Telegram's reason."""


@dataclass
class FormattedText:
    """Text after entity parsing plus its ``MessageEntity`` dicts."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (how Telegram counts characters)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _OpenTag:
    name: str
    argument: str
    offset: int  # UTF-16 offset in the output text


class _HtmlParser:
    def __init__(self, source: str, strict_entities: bool) -> None:
        self.src = source
        self.strict = strict_entities
        self.pos = 0
        self.out: list[str] = []
        self.out_len = 0  # UTF-16 units emitted so far
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    # -- helpers ---------------------------------------------------------------------------------
    def byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8"))

    def peek(self, index: int) -> str:
        return self.src[index] if index < len(self.src) else ""

    def emit(self, chars: str) -> None:
        self.out.append(chars)
        self.out_len += utf16_len(chars)

    def decode_reference(self, index: int) -> tuple[str, int] | None:
        """Decode a character reference starting at ``src[index] == '&'``; (char, next index)."""
        src, end = self.src, index + 1
        if self.peek(end) == "#":
            end += 1
            hexadecimal = self.peek(end) in ("x", "X")
            if hexadecimal:
                end += 1
            digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
            start = end
            while end < len(src) and src[end] in digits:
                end += 1
            if end == start:
                return None
            value = int(src[start:end], 16 if hexadecimal else 10)
            if value == 0 or value >= 0x10FFFF or 0xD800 <= value <= 0xDFFF:
                return None
            char = chr(value)
        else:
            start = end
            while end < len(src) and src[end].isascii() and src[end].isalpha():
                end += 1
            char = _NAMED_REFERENCES.get(src[start:end], "")
            if not char:
                return None
        if self.peek(end) == ";":
            end += 1
        elif self.strict:
            return None
        return char, end

    # -- main loop -------------------------------------------------------------------------------
    def parse(self) -> FormattedText:
        src = self.src
        while self.pos < len(src):
            char = src[self.pos]
            if char == "&":
                decoded = self.decode_reference(self.pos)
                if decoded is not None:
                    self.emit(decoded[0])
                    self.pos = decoded[1]
                    continue
                if self.strict:
                    raise EntityParseError(f'Unescaped "&" at byte offset {self.byte_offset(self.pos)}; use &amp;')
            if char != "<":
                self.emit(char)
                self.pos += 1
                continue
            if self.peek(self.pos + 1) == "/":
                self.end_tag()
            else:
                self.start_tag()
        if self.stack:
            raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return FormattedText("".join(self.out), self.entities)

    def start_tag(self) -> None:
        src, begin = self.src, self.pos
        i = begin + 1
        while i < len(src) and src[i] not in _SPACES and src[i] != ">":
            i += 1
        if i >= len(src):
            raise EntityParseError(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        name = src[begin + 1 : i].lower()
        if name not in SUPPORTED_TAGS:
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {self.byte_offset(begin)}')
        argument = ""
        while True:
            while i < len(src) and src[i] in _SPACES:
                i += 1
            if i >= len(src):
                raise EntityParseError(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
            if src[i] == ">":
                break
            i, attr_name, value = self.attribute(begin, name, i)
            if name == "a" and attr_name == "href":
                argument = value
            elif name == "code" and attr_name == "class" and value.startswith("language-"):
                argument = value[len("language-") :]
            elif name == "span" and attr_name == "class" and value.startswith("tg-"):
                argument = value[len("tg-") :]
            elif name == "tg-emoji" and attr_name == "emoji-id":
                argument = value
            elif name == "blockquote" and attr_name == "expandable":
                argument = "expandable"
        if name == "span" and argument != "spoiler":
            raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte_offset(begin)}')
        if name == "tg-emoji" and not argument.isdigit():
            raise EntityParseError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {self.byte_offset(begin)}'
            )
        self.stack.append(_OpenTag(name, argument, self.out_len))
        self.pos = i + 1

    def attribute(self, begin: int, tag: str, i: int) -> tuple[int, str, str]:
        """Parse ``name=value`` at ``i``; returns (next index, lower-case name, value)."""
        src = self.src
        start = i
        while i < len(src) and src[i] not in _SPACES and src[i] not in "=>":
            i += 1
        attr_name = src[start:i].lower()
        if not attr_name:
            raise EntityParseError(f'Empty attribute name in the tag "{tag}" at byte offset {self.byte_offset(begin)}')
        while i < len(src) and src[i] in _SPACES:
            i += 1
        if self.peek(i) != "=":
            if tag == "blockquote" and attr_name == "expandable":
                return i, attr_name, ""
            raise EntityParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {self.byte_offset(begin)}"
            )
        i += 1
        while i < len(src) and src[i] in _SPACES:
            i += 1
        if i >= len(src):
            raise EntityParseError(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        quote = src[i]
        if quote not in "'\"":
            token_start = i
            while i < len(src) and (src[i].isalnum() or src[i] in ".-"):
                i += 1
            if i < len(src) and src[i] not in _SPACES and src[i] != ">":
                raise EntityParseError(f"Unexpected end of name token at byte offset {self.byte_offset(token_start)}")
            return i, attr_name, src[token_start:i].lower()
        i += 1
        value: list[str] = []
        while i < len(src) and src[i] != quote:
            if src[i] == "&":
                decoded = self.decode_reference(i)
                if decoded is not None:
                    value.append(decoded[0])
                    i = decoded[1]
                    continue
            value.append(src[i])
            i += 1
        if i >= len(src):
            raise EntityParseError(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        return i + 1, attr_name, "".join(value)

    def end_tag(self) -> None:
        src, begin = self.src, self.pos
        if not self.stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        i = begin + 2
        while i < len(src) and src[i] not in _SPACES and src[i] != ">":
            i += 1
        end_name = src[begin + 2 : i].lower()
        while i < len(src) and src[i] in _SPACES:
            i += 1
        if self.peek(i) != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        tag = self.stack.pop()
        if end_name and end_name != tag.name:
            raise EntityParseError(
                f"Unmatched end tag at byte offset {self.byte_offset(begin)}, "
                f'expected "</{tag.name}>", found "</{end_name}>"'
            )
        self.pos = i + 1
        self.close(tag)

    def close(self, tag: _OpenTag) -> None:
        length = self.out_len - tag.offset
        if length <= 0:
            return
        entity: dict[str, Any] = {"type": "", "offset": tag.offset, "length": length}
        if tag.name in _SIMPLE_TAGS or tag.name == "span":
            entity["type"] = _SIMPLE_TAGS.get(tag.name, "spoiler")
        elif tag.name == "a":
            if not tag.argument:
                return
            entity.update(type="text_link", url=tag.argument)
        elif tag.name == "tg-emoji":
            entity.update(type="custom_emoji", custom_emoji_id=tag.argument)
        elif tag.name == "blockquote":
            entity["type"] = "expandable_blockquote" if tag.argument else "blockquote"
        elif tag.name == "code":
            entity["type"] = "code"
            if tag.argument:
                entity["_language"] = tag.argument
        else:  # pre
            entity["type"] = "pre"
            last = self.entities[-1] if self.entities else None
            if (
                last is not None
                and last["type"] == "code"
                and (last["offset"], last["length"]) == (tag.offset, length)
                and "_language" in last
            ):
                self.entities.pop()
                entity["language"] = last["_language"]
        self.entities.append(entity)


def parse_html(source: str, *, strict_entities: bool = True) -> FormattedText:
    """Parse Telegram HTML; raises :class:`EntityParseError` with Telegram's reason on bad input."""
    result = _HtmlParser(source, strict_entities).parse()
    for entity in result.entities:
        entity.pop("_language", None)
    return result
