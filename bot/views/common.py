"""Screens every citizen sees outside the intake: welcome, menu, help, short notices."""

from __future__ import annotations

from bot import callbacks
from bot.domain import tracking
from bot.i18n import Translator
from bot.outgoing import REMOVE_KEYBOARD, Button, Screen, inline_keyboard

HOTLINE = "117"  # National Police hotline: free, reachable with zero phone credit


def emergency_line(t: Translator) -> str:
    return "🚨 " + t("In an emergency, call %(hotline)s (police).", hotline=t.digits(HOTLINE))


def language_picker(t: Translator) -> Screen:
    # Each language's button is written in that language, so a reader finds their own.
    text = "\n".join(
        [
            "<b>"
            + t("Welcome!")
            + "</b> "
            + t("This bot helps you file a complaint about the police or local authorities."),
            "",
            "សូមជ្រើសរើសភាសា · Please choose a language",
            "",
            emergency_line(t),
        ]
    )
    keyboard = inline_keyboard(
        [[Button("ភាសាខ្មែរ", callbacks.encode("lang", "km")), Button("English", callbacks.encode("lang", "en"))]]
    )
    return Screen(text, keyboard)


def main_menu(t: Translator, *, has_draft: bool, greeting: bool = False) -> Screen:
    lines = []
    if greeting:
        lines += [
            "<b>"
            + t("Welcome!")
            + "</b> "
            + t("This bot helps you file a complaint about the police or local authorities."),
            t("You get a tracking number, and you can follow your complaint and talk with the officers here."),
            "",
        ]
    lines += [t("What would you like to do?"), "", emergency_line(t)]
    new_label = t("📝 Continue my complaint") if has_draft else t("📝 File a complaint")
    keyboard = inline_keyboard(
        [
            [Button(new_label, callbacks.encode("m", "new"))],
            [Button(t("🔎 Check a complaint"), callbacks.encode("m", "status"))],
            [Button(t("📋 My complaints"), callbacks.encode("m", "mine"))],
            [
                Button(t("❓ Help"), callbacks.encode("m", "help")),
                Button("🌐 ភាសា · Language", callbacks.encode("m", "lang")),
            ],
        ]
    )
    return Screen("\n".join(lines), keyboard)


def help_screen(t: Translator) -> Screen:
    lines = [
        "<b>" + t("How this bot works") + "</b>",
        "",
        t(
            "/new: file a complaint, step by step. Back and Cancel work at every step; "
            "your answers are saved as you go."
        ),
        t(
            "/status: check a complaint with its tracking number, e.g. /status %(example)s",
            example=tracking.display(tracking.EXAMPLE, t.lang),
        ),
        t("/mycomplaints: the complaints you have filed."),
        t("/language: choose Khmer or English."),
        t("/cancel: discard the complaint you are writing."),
        t("/forget: ask the bot to forget you (your closed complaints no longer lead to you)."),
        "",
        t(
            "The police who handle your complaint never see your name, username or phone number "
            "unless you choose to share your number."
        ),
        "",
        emergency_line(t),
    ]
    return Screen("\n".join(lines), inline_keyboard([[main_menu_button(t)]]))


def main_menu_button(t: Translator) -> Button:
    return Button(t("🏠 Menu"), callbacks.encode("m", "home"))


def field(t: Translator, label: str, value: str = "") -> str:
    """One "label: value" line; the catalog decides the colon (Khmer writes ៖)."""
    return t("<b>%(label)s:</b> %(value)s", label=label, value=value).rstrip()


def notice(text: str, *, remove_keyboard: bool = False) -> Screen:
    return Screen(text, REMOVE_KEYBOARD if remove_keyboard else None)
