"""What the tests of the fake Bot API server share: the bot's identity and a client pointed at the fake."""

from __future__ import annotations

import os

os.environ["PTB_TIMEDELTA"] = "1"  # PTB warns about int retry_after otherwise (filterwarnings=error)

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from sandbox.fake_telegram import FakeTelegram

TOKEN = "123456:TEST-token"
USERNAME = "complaint_test_bot"


def make_bot(fake: FakeTelegram, token: str = TOKEN) -> Bot:
    return Bot(token, base_url=fake.base_url, base_file_url=fake.base_file_url)


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d)] for d in data])
