"""The sandbox: the bot with a fake Telegram and a browser chat, on one machine (`run_bot.py sandbox`).

`fake_telegram` is a strict fake Telegram Bot API server (also what the tests drive the bot with);
`demo` sets up the demo's people and groups through the bot; `web` is the Telegram-like page;
`run` starts and stops the three parts.
"""
