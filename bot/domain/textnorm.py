"""Text normalization for matching and validating what citizens type.

Khmer text that looks identical on screen can differ in its code points: zero-width spaces pasted
from websites, coeng DA (្ដ) typed for coeng TA (្ត), vowels typed before a subscript. NFC does not
fix any of that, so matching goes through `match_key`, which also runs SIL's Khmer normalizer
(`khmerspell.khnormal`). Stored text is never normalized: what a citizen typed is evidence.
"""

from __future__ import annotations

import re
import unicodedata

from khmerspell import khnormal

KHMER_DIGITS = "០១២៣៤៥៦៧៨៩"
_TO_LATIN_DIGITS = str.maketrans(KHMER_DIGITS, "0123456789")
_TO_KHMER_DIGITS = str.maketrans("0123456789", KHMER_DIGITS)

# Invisible characters that keyboards and websites insert between Khmer words.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
# Bidi embedding/override/isolate controls: legitimate in Arabic or Hebrew, a spoofing tool here.
_BIDI_OPENERS = "\u202a\u202b\u202d\u202e"  # LRE RLE LRO RLO, closed by PDF
_BIDI_ISOLATES = "\u2066\u2067\u2068"  # LRI RLI FSI, closed by PDI
_PDF, _PDI = "\u202c", "\u2069"
# Bidi paragraph separators (class B): embeddings and isolates end at them.
_PARAGRAPH_BREAKS = "\n\r\x1c\x1d\x1e\x85\u2029"
BIDI_CONTROLS = _BIDI_OPENERS + _BIDI_ISOLATES + _PDF + _PDI + "\u200e\u200f\u061c"

_STRIP_FOR_KEY = re.compile("[" + re.escape(INVISIBLE + BIDI_CONTROLS) + "]")


def to_latin_digits(text: str) -> str:
    """Khmer digits ០-៩ to 0-9; everything else unchanged."""
    return text.translate(_TO_LATIN_DIGITS)


def to_khmer_digits(text: str) -> str:
    """0-9 to Khmer digits; use only on text the bot produces, never on stored data."""
    return text.translate(_TO_KHMER_DIGITS)


def strip_invisible(text: str) -> str:
    return _STRIP_FOR_KEY.sub("", text)


def _fold_latin(ch: str) -> str:
    # Drop accents from Latin letters (Kratié → Kratie) without touching Khmer signs, which are
    # combining marks too.
    if "A" <= ch <= "\u024f" and not ch.isascii():
        return "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    return ch


def match_key(text: str) -> str:
    """A comparison key: same key for spellings a reader would call the same.

    NFKC (full-width forms) → drop invisible and bidi characters → Khmer canonical order and
    coeng TA → fold Latin accents → casefold → Latin digits → keep only letters, marks and digits.
    """
    text = strip_invisible(unicodedata.normalize("NFKC", text))
    text = khnormal(text)
    text = "".join(_fold_latin(ch) for ch in text).casefold()
    text = to_latin_digits(text)
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LMN")


def letter_count(text: str) -> int:
    """Letters (any script), not punctuation, emoji, digits or marks."""
    return sum(1 for ch in text if unicodedata.category(ch).startswith("L"))


def contain_bidi(text: str) -> str:
    """Close every bidi embedding, override or isolate the text leaves open, so it cannot reorder
    what follows it (the rest of the bot's message, another person's name).

    The text itself stays as typed; only closing controls are appended. The scan follows the
    Unicode bidi algorithm's pairing rules (UAX #9, X1-X8): a PDF closes the innermost embedding
    only if no isolate was opened after it, a PDI closes the innermost isolate and everything opened
    inside it, unmatched closers are ignored ("\u202c\u202e" leaves the RLO open), and a paragraph
    break ends everything. Counting openers against closers, as an earlier version did, let an
    unmatched closer cancel a later opener.
    """
    stack: list[str] = []  # the open controls, innermost last
    for ch in text:
        if ch in _BIDI_OPENERS or ch in _BIDI_ISOLATES:
            stack.append(ch)
        elif ch == _PDF:
            if stack and stack[-1] in _BIDI_OPENERS:
                stack.pop()
        elif ch == _PDI:
            if any(c in _BIDI_ISOLATES for c in stack):
                while stack.pop() not in _BIDI_ISOLATES:
                    pass
        elif ch in _PARAGRAPH_BREAKS:
            stack.clear()
    return text + "".join(_PDI if c in _BIDI_ISOLATES else _PDF for c in reversed(stack))
