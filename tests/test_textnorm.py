"""Khmer-aware normalization: what matches, what counts as letters, bidi containment."""

from __future__ import annotations

from bot.domain.textnorm import contain_bidi, letter_count, match_key, to_khmer_digits, to_latin_digits


def test_match_key_ignores_invisible_characters_and_coeng_variants():
    assert match_key("កណ្ដាល") == match_key("កណ្តាល")  # coeng DA vs coeng TA
    assert match_key("សៀម\u200bរាប") == match_key("សៀមរាប")
    assert match_key("ស\u17b8\u17d2\u179a") == match_key("ស្រី")  # vowel typed before the subscript


def test_match_key_folds_latin_case_accents_spacing_and_digits():
    assert match_key("Kratié") == match_key("kratie")
    assert match_key("Siem-Reap") == match_key("siem reap") == "siemreap"
    assert match_key("Done ✅") == "done"
    assert match_key("១២៣") == "123"


def test_letter_count_counts_letters_of_any_script_only():
    assert letter_count("😀😀 !!! 123") == 0
    assert letter_count("abc") == 3
    assert letter_count("គេលួចម៉ូតូខ្ញុំ") >= 6  # consonants count; vowel signs are marks


def test_contain_bidi_closes_what_the_text_opened():
    text = "abc\u202edef"
    contained = contain_bidi(text)
    assert contained.startswith(text) and contained.endswith("\u202c")
    assert contain_bidi("\u2067x") == "\u2067x\u2069"
    assert contain_bidi("plain") == "plain"


def test_contain_bidi_is_not_fooled_by_unmatched_closers():
    # The review's bypass: a PDF first "cancelled" the RLO in a count of openers against closers.
    assert contain_bidi("\u202c\u202eevil") == "\u202c\u202eevil\u202c"
    assert contain_bidi("\u2069\u2067x") == "\u2069\u2067x\u2069"
    # A PDF cannot close an embedding from inside an isolate; the PDI closes both.
    assert contain_bidi("\u202eA\u2067B\u202c") == "\u202eA\u2067B\u202c\u2069\u202c"
    assert contain_bidi("\u2067\u202eA\u2069") == "\u2067\u202eA\u2069"
    # Nested openers are closed innermost first; a line break ends them all (UAX #9 paragraphs).
    assert contain_bidi("\u202b\u2066x") == "\u202b\u2066x\u2069\u202c"
    assert contain_bidi("\u202eline one\nline two") == "\u202eline one\nline two"
    assert contain_bidi("ok\n\u202eevil") == "ok\n\u202eevil\u202c"


def test_digit_conversions_round_trip():
    assert to_khmer_digits("0123456789") == "០១២៣៤៥៦៧៨៩"
    assert to_latin_digits("០១២៣៤៥៦៧៨៩") == "0123456789"
