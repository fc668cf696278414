"""Bot-level methods: identity, session, command menus and menu buttons."""

from __future__ import annotations

import re
from typing import Any

from ..errors import bad_request
from ..params import Params
from ..world import World
from .common import Context, chat_for_bot, method

_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")


@method("getMe")
def get_me(ctx: Context, params: Params) -> dict[str, Any]:
    return {
        **ctx.world.bot.to_api(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@method("logOut")
def log_out(ctx: Context, params: Params) -> bool:
    return True


@method("close")
def close(ctx: Context, params: Params) -> bool:
    return True


def _command_key(params: Params) -> tuple[str, str]:
    scope = params.json("scope")
    if scope is not None and (not isinstance(scope, dict) or "type" not in scope):
        raise bad_request("can't parse BotCommandScope JSON object")
    return World.command_key(scope, params.str("language_code"))


@method("setMyCommands")
def set_my_commands(ctx: Context, params: Params) -> bool:
    commands = params.json("commands", required=True)
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands")
    checked = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand JSON object")
        name, description = command.get("command", ""), command.get("description", "")
        if not isinstance(name, str) or not _COMMAND.match(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        checked.append({"command": name, "description": description})
    key = _command_key(params)
    if checked:
        ctx.world.commands[key] = checked
    else:
        ctx.world.commands.pop(key, None)
    return True


@method("getMyCommands")
def get_my_commands(ctx: Context, params: Params) -> list[dict[str, Any]]:
    return list(ctx.world.commands.get(_command_key(params), []))


@method("deleteMyCommands")
def delete_my_commands(ctx: Context, params: Params) -> bool:
    ctx.world.commands.pop(_command_key(params), None)
    return True


@method("setChatMenuButton")
def set_chat_menu_button(ctx: Context, params: Params) -> bool:
    button = params.json("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in ("commands", "web_app", "default"):
        raise bad_request("can't parse menu button JSON object")
    if "chat_id" in params:
        chat = chat_for_bot(ctx, params, sending=False)
        if chat.type != "private":
            raise bad_request("chat not found")
        chat.menu_button = button
    else:
        ctx.world.default_menu_button = button
    return True


@method("getChatMenuButton")
def get_chat_menu_button(ctx: Context, params: Params) -> dict[str, Any]:
    if "chat_id" in params:
        chat = chat_for_bot(ctx, params, sending=False)
        if chat.menu_button is not None:
            return chat.menu_button
    return ctx.world.default_menu_button


# name, description and short description, per language (empty language = default)
_BOT_TEXTS = {
    "name": ("setMyName", "getMyName", 64),
    "description": ("setMyDescription", "getMyDescription", 512),
    "short_description": ("setMyShortDescription", "getMyShortDescription", 120),
}


def _register_bot_text(field: str, setter: str, getter: str, limit: int) -> None:
    def set_text(ctx: Context, params: Params) -> bool:
        value = params.str(field) or ""
        if len(value) > limit:
            raise bad_request(f"{field} is too long")
        key = (field, params.str("language_code") or "")
        if value:
            ctx.world.bot_texts[key] = value
        else:
            ctx.world.bot_texts.pop(key, None)
        return True

    def get_text(ctx: Context, params: Params) -> dict[str, str]:
        language = params.str("language_code") or ""
        texts = ctx.world.bot_texts
        return {field: texts.get((field, language), texts.get((field, ""), ""))}

    method(setter)(set_text)
    method(getter)(get_text)


for _field, (_setter, _getter, _limit) in _BOT_TEXTS.items():
    _register_bot_text(_field, _setter, _getter, _limit)
