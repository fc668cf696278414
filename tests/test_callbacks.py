"""Button data: within 64 bytes, and nothing the bot did not issue is accepted."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import callbacks


def test_round_trip_of_what_the_bot_issues():
    press = callbacks.decode(callbacks.intake(123456789, "page", "commune", "250314", 12))
    assert press == callbacks.Press("intake", "page", ("commune", "250314", "12"), 123456789)
    assert callbacks.decode("lang:km") == callbacks.Press("lang", "km")
    assert callbacks.decode("sc:4829130574") == callbacks.Press("show", "4829130574")


@pytest.mark.parametrize(
    "forged",
    ["", "lang:fr", "n:1:drop_tables", "n:x:cat:drugs", "m:admin", "sc:123", "n:1:cat:" + "a" * 60, "n:1:cat:DRUGS"],
)
def test_forged_data_is_rejected(forged):
    assert callbacks.decode(forged) is None


def test_encode_refuses_more_than_64_bytes_or_non_ascii():
    with pytest.raises(ValueError):
        callbacks.encode("n", 1, "cat", "x" * 64)
    with pytest.raises(ValueError):
        callbacks.encode("n", 1, "cat", "គ")


@given(st.text(max_size=80))
def test_decode_never_raises(data):
    callbacks.decode(data)
