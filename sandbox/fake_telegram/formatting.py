"""Turn ``text`` + ``parse_mode``/``entities`` parameters into the stored text, as Telegram does."""

from __future__ import annotations

from typing import Any

from .errors import bad_request
from .html import EntityParseError, FormattedText, parse_html, utf16_len
from .markdown import parse_markdown, parse_markdown_v2

MAX_TEXT = 4096
MAX_CAPTION = 1024


def format_text(
    source: str,
    parse_mode: str | None,
    entities: list[dict[str, Any]] | None = None,
    *,
    strict_html_entities: bool = True,
) -> FormattedText:
    """Apply ``parse_mode`` (HTML, MarkdownV2, Markdown) or explicit ``entities`` to ``source``."""
    mode = (parse_mode or "").strip().lower()
    try:
        if mode == "html":
            return parse_html(source, strict_entities=strict_html_entities)
        if mode == "markdownv2":
            return parse_markdown_v2(source)
        if mode == "markdown":
            return parse_markdown(source)
    except EntityParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from None
    if mode:
        raise bad_request("unsupported parse_mode")
    return FormattedText(source, _check_entities(source, entities or []))


def _check_entities(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    size = utf16_len(text)
    checked = []
    for entity in entities:
        if not isinstance(entity, dict) or not {"type", "offset", "length"} <= entity.keys():
            raise bad_request("can't parse entities: entity must have type, offset and length")
        offset, length = entity["offset"], entity["length"]
        if not (isinstance(offset, int) and isinstance(length, int)) or offset < 0 or length < 0:
            raise bad_request("can't parse entities: wrong entity offset or length")
        if length and offset + length <= size:
            checked.append(dict(entity))
    return checked


def check_text(formatted: FormattedText) -> None:
    """Message text must be 1..4096 UTF-16 units after entity parsing."""
    if not formatted.text.strip():
        raise bad_request("message text is empty")
    if utf16_len(formatted.text) > MAX_TEXT:
        raise bad_request("message is too long")


def check_caption(formatted: FormattedText) -> None:
    """Captions are 0..1024 UTF-16 units after entity parsing."""
    if utf16_len(formatted.text) > MAX_CAPTION:
        raise bad_request("message caption is too long")


__all__ = ["MAX_CAPTION", "MAX_TEXT", "check_caption", "check_text", "format_text"]
