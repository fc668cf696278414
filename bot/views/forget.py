"""What a citizen reads when asking the bot to forget them (/forget)."""

from __future__ import annotations

from bot import callbacks
from bot.i18n import Translator
from bot.outgoing import Button, Screen, inline_keyboard
from bot.views.common import main_menu_button


def confirm(t: Translator, closed: int, still_open: int, *, has_draft: bool) -> Screen:
    lines = ["<b>" + t("Forget me") + "</b>", ""]
    if closed:
        lines.append(
            t.plural(
                "Your %(num)s closed complaint will be kept as a record, but without your Telegram account, "
                "name or phone number: nobody will be able to tell it was you.",
                "Your %(num)s closed complaints will be kept as records, but without your Telegram account, "
                "name or phone number: nobody will be able to tell it was you.",
                closed,
            )
        )
    if still_open:
        lines.append(
            t.plural(
                "Your %(num)s open complaint stays linked to you, so the police can still answer you. "
                "Send /forget again once it is closed.",
                "Your %(num)s open complaints stay linked to you, so the police can still answer you. "
                "Send /forget again once they are closed.",
                still_open,
            )
        )
    if has_draft:
        lines.append(t("The complaint you are writing will be deleted."))
    if not closed and not still_open and not has_draft:
        lines.append(t("The bot keeps nothing about you except your chosen language."))
    lines += [
        "",
        t("What you wrote in your complaints stays as you wrote it. If you wrote your name in it, it stays there."),
        t("After this you can no longer follow or rate the forgotten complaints."),
    ]
    buttons = [
        [Button(t("🗑 Yes, forget me"), callbacks.encode("fg", "yes"))],
        [Button(t("↩️ No, keep everything"), callbacks.encode("fg", "no"))],
    ]
    return Screen("\n".join(lines), inline_keyboard(buttons))


def done(t: Translator, forgotten: int, still_open: int) -> Screen:
    lines = ["✅ " + t("Done.")]
    if forgotten:
        lines.append(
            t.plural(
                "%(num)s closed complaint no longer leads to you.",
                "%(num)s closed complaints no longer lead to you.",
                forgotten,
            )
        )
    if still_open:
        lines.append(
            t.plural(
                "%(num)s open complaint is still linked to you until it is closed.",
                "%(num)s open complaints are still linked to you until they are closed.",
                still_open,
            )
        )
    return Screen("\n".join(lines), inline_keyboard([[main_menu_button(t)]]))


def kept(t: Translator) -> Screen:
    return Screen("↩️ " + t("Nothing was changed."), inline_keyboard([[main_menu_button(t)]]))


def unanswered(t: Translator) -> Screen:
    """The question, once the conversation moved on without an answer: nothing was forgotten."""
    return Screen("↩️ " + t("Nothing was changed."))
