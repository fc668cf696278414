"""Tracking numbers: 10 digits, the last a Damm check digit, shown as 123-456-7890.

Digits only, because the number row of a Khmer keyboard types ០-៩ and letters need a keyboard
switch. The Damm check digit catches every single-digit error and every adjacent transposition.
Numbers are random (not sequential) so that one citizen's number says nothing about another's;
authorization, not secrecy, is what protects a complaint (see the status lookups).
"""

from __future__ import annotations

import re
import secrets
import unicodedata

from bot.domain.textnorm import INVISIBLE, to_khmer_digits, to_latin_digits

LENGTH = 10
EXAMPLE = "4829130574"  # a valid number for help texts (filed by nobody)

# The standard totally anti-symmetric quasigroup of order 10 (Damm, 2004).
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

# What people put between digit groups: spaces, hyphens and dashes of every kind, dots, slashes.
_SEPARATORS = re.compile(r"[\s" + re.escape(INVISIBLE) + r"\-\u2010-\u2015\u2212_./#]+")
_DIGITS_ONLY = re.compile(r"[0-9]+", re.ASCII)


def damm_digit(digits: str) -> int:
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][ord(ch) - 48]
    return interim


def is_valid(number: str) -> bool:
    """True for a canonical number (10 ASCII digits) whose check digit matches."""
    return len(number) == LENGTH and bool(_DIGITS_ONLY.fullmatch(number)) and damm_digit(number) == 0


def generate() -> str:
    """A new random number; the caller retries on the (rare) collision with an existing one."""
    body = str(secrets.randbelow(9 * 10 ** (LENGTH - 2)) + 10 ** (LENGTH - 2))  # no leading zero
    return body + str(damm_digit(body))


class TrackingInput:
    """What a citizen typed where a tracking number was expected."""

    NOT_A_NUMBER = "not_a_number"
    WRONG_LENGTH = "wrong_length"
    BAD_CHECK_DIGIT = "bad_check_digit"


def parse(raw: str) -> tuple[str | None, str | None]:
    """(canonical number, None) or (None, reason).

    Accepts Khmer or Latin digits, full-width digits, any separators and stray invisible
    characters. Other scripts' digits (Arabic-Indic, superscripts) are rejected on purpose.
    """
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
    text = to_latin_digits(text)
    if not text or not _DIGITS_ONLY.fullmatch(text):
        return None, TrackingInput.NOT_A_NUMBER
    if len(text) != LENGTH:
        return None, TrackingInput.WRONG_LENGTH
    if damm_digit(text) != 0:
        return None, TrackingInput.BAD_CHECK_DIGIT
    return text, None


def looks_like_number(raw: str) -> bool:
    """Heuristic for free text: mostly digits, so it was probably meant as a tracking number."""
    text = to_latin_digits(_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)))
    return len(text) >= 6 and bool(_DIGITS_ONLY.fullmatch(text))


def display(number: str, lang: str) -> str:
    """123-456-7890, in Khmer digits for Khmer readers."""
    grouped = f"{number[:3]}-{number[3:6]}-{number[6:]}"
    return to_khmer_digits(grouped) if lang == "km" else grouped
