"""Screens every citizen sees outside the intake: welcome, menu, help, short notices and the answers
to buttons (toasts)."""

from __future__ import annotations

from bot import callbacks
from bot.domain import tracking
from bot.i18n import N_, Translator
from bot.outgoing import Button, Screen, inline_keyboard

HOTLINE = "117"  # National Police hotline: free, reachable with zero phone credit

_CHECK_A_COMPLAINT = N_("🔎 Check a complaint")


def duration_label(t: Translator, seconds: int | None) -> str:
    """0:42 or 1:05:10, in the reader's digits; "?" when Telegram did not say."""
    if seconds is None:
        return "?"
    hours, rest = divmod(max(0, seconds), 3600)
    text = f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
    return t.digits(text)


def emergency_line(t: Translator) -> str:
    # Latin digits even in Khmer: Telegram makes only those tappable to call.
    return "🚨 " + t("In an emergency, call %(hotline)s (police).", hotline=HOTLINE)


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
    keyboard = inline_keyboard(
        [
            [Button(new_complaint_label(t, has_draft=has_draft), callbacks.encode("m", "new"))],
            [Button(t(_CHECK_A_COMPLAINT), callbacks.encode("m", "status"))],
            [Button(t("📋 My complaints"), callbacks.encode("m", "mine"))],
            [
                Button(t("❓ Help"), callbacks.encode("m", "help")),
                Button("🌐 ភាសា · Language", callbacks.encode("m", "lang")),
            ],
        ]
    )
    return Screen("\n".join(lines), keyboard)


def new_complaint_label(t: Translator, *, has_draft: bool) -> str:
    return t("📝 Continue my complaint") if has_draft else t("📝 File a complaint")


# What a menu becomes once one of its buttons started something: the choice, without buttons (the
# next step comes as a new message below it).


def new_complaint_chosen(t: Translator, *, has_draft: bool) -> Screen:
    return Screen(field(t, t("Menu"), new_complaint_label(t, has_draft=has_draft)))


def check_chosen(t: Translator) -> Screen:
    return Screen(field(t, t("Menu"), t(_CHECK_A_COMPLAINT)))


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


# --- short answers --------------------------------------------------------------------------------


def file_hint(t: Translator) -> Screen:
    """Text typed outside a complaint that is not a tracking number (the menu follows)."""
    return Screen(t("To file a complaint press 📝 File a complaint, or send /new."))


def not_in_intake(t: Translator, what: str) -> Screen:
    """Media, a location or a contact sent while no complaint is being written."""
    hints = {
        "media": t("To send photos or files as evidence, first start a complaint with /new."),
        "location": t(
            "To report something at this place, start a complaint with /new; you can send the "
            "location again at the place step."
        ),
        "contact": t("You can share your phone number at the contact step of a complaint (/new)."),
    }
    return Screen(hints[what])


def unsupported(t: Translator, kind: str) -> Screen:
    if kind == "sticker":
        return Screen(t("Stickers cannot be used here. Please type your answer in words."))
    return Screen(t("This kind of message cannot be used here. Please type your answer, or use the buttons."))


def edit_notice(t: Translator) -> Screen:
    return Screen(
        t(
            "Changes to a message you already sent are not saved. Please send the correction as a "
            "new message, or change it with ✏️ at the review."
        )
    )


def unknown_command(t: Translator) -> Screen:
    return Screen(t("I don't know that command. Send /help to see what I can do."))


# --- toasts: the short answer shown when a button is pressed ---------------------------------------


def invalid_button(t: Translator) -> str:
    """Data this bot never issues (forged, or from an older version), or pressed where it does not belong."""
    return t("This button is no longer valid.")


def stale_button(t: Translator) -> str:
    """A button of a message the conversation has moved on from (its buttons were taken away)."""
    return t("This button belongs to an earlier message and no longer works.")


def unavailable_choice(t: Translator) -> str:
    return t("That choice is not available. Please use the buttons.")


def language_chosen(t: Translator, lang: str) -> str:
    return t("Language: English") if lang == "en" else t("Language: Khmer")
