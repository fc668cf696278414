"""LOG_FORMAT=json: one JSON object per line, through the same mask as the text format."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot import logs

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
WEBHOOK_SECRET = "Zq3_webhook-secret-9f8e7d6c5b4a"


@pytest.fixture
def json_log():
    """A logger writing JSON lines to a string, masked as bot.logs.configure masks the root logger."""
    stream = io.StringIO()
    logger = logging.getLogger("bot.json_test")
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logs.mask_secrets(TOKEN, logger, inner=logs.formatter_for("json"), also=[WEBHOOK_SECRET])
    yield logger, stream
    logger.removeHandler(handler)
    logger.propagate = True


def lines_of(stream: io.StringIO) -> list[dict]:
    text = stream.getvalue()
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def test_each_record_is_one_json_object_with_time_level_logger_message(json_log):
    logger, stream = json_log
    logger.info("bot @%s is running", "demo_bot")
    logger.warning("two\nlines and ខ្មែរ")
    first, second = lines_of(stream)
    assert first["level"] == "INFO" and first["logger"] == "bot.json_test"
    assert first["message"] == "bot @demo_bot is running"
    assert first["time"].endswith("+00:00") and "T" in first["time"]
    assert second["message"] == "two\nlines and ខ្មែរ"  # one line in the file, the text intact
    assert "exception" not in first


def test_the_token_and_the_webhook_secret_never_reach_a_json_line(json_log):
    logger, stream = json_log
    logger.debug("Set Bot API URL: https://api.telegram.org/bot%s", TOKEN)
    logger.info("secret half alone: %s", TOKEN.partition(":")[2])
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/setWebhook secret={WEBHOOK_SECRET}")
    except RuntimeError:
        logger.exception("setWebhook failed")
    logger.error("with stack", stack_info=True)
    output = stream.getvalue()
    assert TOKEN not in output and TOKEN.partition(":")[2] not in output and WEBHOOK_SECRET not in output
    records = lines_of(stream)
    assert len(records) == 4
    assert records[0]["message"] == f"Set Bot API URL: https://api.telegram.org/bot{logs.MASK}"
    assert records[1]["message"] == f"secret half alone: {logs.MASK}"
    assert (
        "Traceback" in records[2]["exception"]
        and f"bot{logs.MASK}/setWebhook secret={logs.MASK}" in (records[2]["exception"])
    )
    assert "test_the_token_and_the_webhook_secret" in records[3]["stack"]


def test_configure_switches_the_root_handlers_to_json():
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root.addHandler(handler)
    try:
        logs.configure("INFO", TOKEN, log_format="json", also=[WEBHOOK_SECRET])
        logging.getLogger("bot.json_test.root").warning("token %s and secret %s", TOKEN, WEBHOOK_SECRET)
    finally:
        root.removeHandler(handler)
    (record,) = [r for r in lines_of(stream) if r["logger"] == "bot.json_test.root"]
    assert record["message"] == f"token {logs.MASK} and secret {logs.MASK}"
