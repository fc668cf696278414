"""Tracking numbers: check digit strength, parsing of what citizens type, display."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from bot.domain import tracking
from bot.domain.tracking import TrackingInput

numbers = st.integers(min_value=10**8, max_value=10**9 - 1).map(lambda n: str(n) + str(tracking.damm_digit(str(n))))


def test_generated_numbers_are_valid_ten_digit_numbers():
    for _ in range(2000):
        number = tracking.generate()
        assert len(number) == 10 and number.isdigit() and number[0] != "0"
        assert tracking.is_valid(number)


def test_example_in_help_texts_is_valid():
    assert tracking.is_valid(tracking.EXAMPLE)


@given(numbers)
def test_every_single_digit_error_is_caught(number):
    for position, digit in itertools.product(range(10), "0123456789"):
        if number[position] != digit:
            wrong = number[:position] + digit + number[position + 1 :]
            assert not tracking.is_valid(wrong)


@given(numbers)
def test_every_adjacent_transposition_is_caught(number):
    for i in range(9):
        if number[i] != number[i + 1]:
            swapped = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
            assert not tracking.is_valid(swapped)


def test_parse_accepts_what_people_type():
    number = tracking.EXAMPLE
    khmer = tracking.display(number, "km")
    assert khmer == "៤៨២-៩១៣-០៥៧៤"
    for typed in [
        number,
        "482-913-0574",
        " 482 913 0574 ",
        khmer,
        "៤៨២៩១៣០៥៧៤",
        "៤៨២\u200b៩១៣\u200b០៥៧៤",
        "482–913–0574",  # en dashes from a phone's autocorrect
        "４８２９１３０５７４",  # full-width digits
        "482.913.0574",
    ]:
        assert tracking.parse(typed) == (number, None), typed


def test_parse_explains_what_is_wrong():
    assert tracking.parse("482-913-0575") == (None, TrackingInput.BAD_CHECK_DIGIT)
    assert tracking.parse("428-913-0574") == (None, TrackingInput.BAD_CHECK_DIGIT)  # swapped digits
    assert tracking.parse("482-913-057") == (None, TrackingInput.WRONG_LENGTH)
    assert tracking.parse("hello") == (None, TrackingInput.NOT_A_NUMBER)
    assert tracking.parse("") == (None, TrackingInput.NOT_A_NUMBER)
    assert tracking.parse("٤٨٢٩١٣٠٥٧٤") == (None, TrackingInput.NOT_A_NUMBER)  # Arabic-Indic digits


def test_display_groups_digits_in_the_readers_script():
    assert tracking.display("4829130574", "en") == "482-913-0574"
    assert tracking.display("4829130574", "km") == "៤៨២-៩១៣-០៥៧៤"


def test_looks_like_number_spots_digits_typed_without_a_command():
    assert tracking.looks_like_number("៤៨២ ៩១៣ ០៥៧៤")
    assert not tracking.looks_like_number("My motorbike was stolen")
    assert not tracking.looks_like_number("117")
