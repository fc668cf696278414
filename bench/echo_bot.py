"""The baseline of bench/intake.py: a bare python-telegram-bot echo bot, default settings.

    BOT_TOKEN=... TELEGRAM_API_URL=http://127.0.0.1:PORT python bench/echo_bot.py

One MessageHandler answers every text message with the same text, through `reply_text`. The
Application is built with defaults: PTB's own Updater polls, and updates are handled one at a
time (no `concurrent_updates`). ECHO_CONCURRENT_UPDATES=N sets `concurrent_updates(N)`, to see
what PTB itself can do with concurrency (not part of the default benchmark). Stops on SIGTERM.
"""

from __future__ import annotations

import logging
import os

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    if message is not None and message.text is not None:
        await message.reply_text(message.text)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    url = os.environ.get("TELEGRAM_API_URL", "https://api.telegram.org").rstrip("/")
    builder = (
        Application.builder().token(os.environ["BOT_TOKEN"]).base_url(f"{url}/bot").base_file_url(f"{url}/file/bot")
    )
    concurrent = os.environ.get("ECHO_CONCURRENT_UPDATES")
    if concurrent:
        builder = builder.concurrent_updates(int(concurrent))
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling()


if __name__ == "__main__":
    main()
