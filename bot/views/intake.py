"""The intake's screens: one prompt per step, the review, and the receipt with the tracking number.

Choice steps (category, place) use inline buttons and are edited in place: the category's question
becomes the place's, a level at a time, and ends as both answers, so a complaint costs few messages
(each one counts against Telegram's per-chat limits). Typing steps (description, evidence, contact)
use a reply keyboard, whose big buttons stay at the bottom of a small phone's screen while the
citizen types or attaches files; only a new message can change it, so each step's prompt brings its
own, and the description's offers the 📍 location too (there is no prompt between the two).
"""

from __future__ import annotations

from collections import Counter
from html import escape

from bot import callbacks
from bot.domain import phone as phones
from bot.domain import tracking
from bot.domain.categories import Categories
from bot.domain.complaint import Complaint
from bot.domain.intake import DESCRIPTION_MAX_CHARS, EVIDENCE_MAX, ContactMode, Draft, Step
from bot.domain.places import Gazetteer, Match, label, path_label
from bot.domain.textsplit import head_then_rest
from bot.domain.units import MINISTRY, Unit
from bot.i18n import N_, Translator
from bot.outgoing import REMOVE_KEYBOARD, Button, Screen, inline_keyboard, reply_keyboard, user_text
from bot.views.card import CARD_ACCOUNT_CHARS
from bot.views.common import duration_label, emergency_line, field

PAGE_SIZE = 16  # two columns of eight: fits a small phone's screen without scrolling far
# All 25 provinces on one screen: a pager would hide half of them from citizens who miss the ▶️.
PROVINCE_PAGE_SIZE = 26

STEP_NUMBER = {
    Step.CATEGORY: 1,
    Step.PROVINCE: 2,
    Step.DISTRICT: 2,
    Step.COMMUNE: 2,
    Step.DESCRIPTION: 3,
    Step.EVIDENCE: 4,
    Step.CONTACT: 5,
    Step.REVIEW: 6,
}
STEP_COUNT = 6

EVIDENCE_NAMES = {
    "photo": N_("photo"),
    "video": N_("video"),
    "voice": N_("voice message"),
    "audio": N_("audio file"),
    "document": N_("document"),
    "video_note": N_("video message"),
    "animation": N_("animation"),
}


class ReplyButtons:
    """Labels of the reply-keyboard buttons; typed text equal to one of them means that button."""

    DONE = N_("✅ Done")
    SKIP = N_("⏭ Skip")
    BACK = N_("⬅️ Back")
    CANCEL = N_("✖️ Cancel")
    SHARE_PHONE = N_("📱 Share my phone number")
    ANONYMOUS = N_("🙈 Stay anonymous")
    SEND_LOCATION = N_("📍 Send my location")


def _title(t: Translator, step: Step, title: str) -> str:
    counter = t("Step %(step)s of %(total)s", step=t.number(STEP_NUMBER[step]), total=t.number(STEP_COUNT))
    return f"<b>{title}</b>  <i>({counter})</i>"


def _nav(t: Translator, seq: int) -> list[Button]:
    return [
        Button(t(ReplyButtons.BACK), callbacks.intake(seq, "back")),
        Button(t(ReplyButtons.CANCEL), callbacks.intake(seq, "cancel")),
    ]


def category_prompt(t: Translator, seq: int, categories: Categories) -> Screen:
    text = "\n".join(
        [
            _title(t, Step.CATEGORY, t("New complaint: what is it about?")),
            t("Choose the kind of problem."),
            "",
            emergency_line(t),
        ]
    )
    rows = [[Button(c.label(t.lang), callbacks.intake(seq, "cat", c.key))] for c in categories.active()]
    return Screen(text, inline_keyboard([*rows, _nav(t, seq)]))


def _paged(t: Translator, seq: int, level: str, parent: str, items: list[Button], page: int) -> list[list[Button]]:
    size = PROVINCE_PAGE_SIZE if level == Step.PROVINCE.value else PAGE_SIZE
    pages = max(1, -(-len(items) // size))
    page = min(max(page, 0), pages - 1)
    chunk = items[page * size : (page + 1) * size]
    rows = [chunk[i : i + 2] for i in range(0, len(chunk), 2)]
    if pages > 1:
        pager = []
        if page > 0:
            pager.append(Button("◀️ " + t.number(page), callbacks.intake(seq, "page", level, parent or "0", page - 1)))
        pager.append(
            Button(
                t("Page %(page)s of %(pages)s", page=t.number(page + 1), pages=t.number(pages)),
                callbacks.intake(seq, "noop"),
            )
        )
        if page < pages - 1:
            pager.append(
                Button(t.number(page + 2) + " ▶️", callbacks.intake(seq, "page", level, parent or "0", page + 1))
            )
        rows.append(pager)
    return rows


def place_prompt(
    t: Translator, seq: int, draft: Draft, gazetteer: Gazetteer, categories: Categories, page: int = 0
) -> Screen:
    """The place's choices, under the category chosen: pressed, the category's question is edited
    into this one, so the message keeps both answers."""
    step = draft.step
    if step == Step.PROVINCE:
        question = t("Where did it happen? Choose the province or capital, or type its name.")
        places, parent = gazetteer.provinces(), ""
    elif step == Step.DISTRICT:
        assert draft.province
        question = t(
            "Choose the district, khan or town in %(province)s, or type its name.",
            province=escape(path_label(draft.province, t.lang)),
        )
        places, parent = gazetteer.children(draft.province), draft.province
    else:
        assert draft.district
        question = t(
            "Choose the commune or sangkat in %(district)s, or type its name.",
            district=escape(path_label(draft.district, t.lang)),
        )
        places, parent = gazetteer.children(draft.district), draft.district
    lines = [category_answer(t, categories, draft.category).text, ""] if draft.category else []
    lines += [_title(t, step, t("Place")), question]
    if draft.location:
        lines.append("📍 " + t("Location received."))
    items = [Button(label(p, t.lang), callbacks.intake(seq, "place", p.code)) for p in places]
    rows = _paged(t, seq, step.value, parent, items, page)
    return Screen("\n".join(lines), inline_keyboard([*rows, _nav(t, seq)]))


def place_matches(t: Translator, seq: int, typed: str, matches: list[Match]) -> Screen:
    text = t("Several places match “%(typed)s”. Which one?", typed=user_text(typed))
    rows = [
        [Button(path_label(m.place.code, t.lang)[:60], callbacks.intake(seq, "place", m.place.code))] for m in matches
    ]
    return Screen(text, inline_keyboard([*rows, _nav(t, seq)]))


def place_not_found(t: Translator, typed: str) -> Screen:
    return Screen(
        t(
            "No place called “%(typed)s” was found. Check the spelling, or choose from the list above.",
            typed=user_text(typed),
        )
    )


def answered(t: Translator, title: str, answer: str) -> Screen:
    """What a choice message becomes once answered: the transcript keeps the answer, not the buttons."""
    return Screen("✅ " + field(t, title, answer))


def category_answer(t: Translator, categories: Categories, key: str) -> Screen:
    category = categories.get(key)
    return answered(t, t("Category"), escape(category.label(t.lang) if category else key))


def place_answer(t: Translator, code: str, categories: Categories, category: str | None) -> Screen:
    """The place chosen, under the category (the place's choices showed it: see place_prompt)."""
    place = answered(t, t("Place"), escape(path_label(code, t.lang)))
    return Screen(category_answer(t, categories, category).text + "\n" + place.text) if category else place


def typing_keyboard(t: Translator, first: str | None, *, placeholder: str | None = None) -> dict:
    rows = [[Button(t(first))]] if first else []
    return reply_keyboard([*rows, [Button(t(ReplyButtons.BACK)), Button(t(ReplyButtons.CANCEL))]], placeholder)


def description_prompt(t: Translator, draft: Draft) -> Screen:
    lines = [
        _title(t, Step.DESCRIPTION, t("What happened?")),
        t(
            "Describe it in your own words: what happened, when, where exactly, and who was involved. "
            "You can send several messages."
        ),
        "🎤 " + t("If you prefer to speak, send a voice message instead: the police will listen to it."),
    ]
    if draft.description:
        lines += [
            "",
            t(
                "Already written: %(count)s characters. Send more text, or press ✅ Done.",
                count=t.number(len(draft.description_text)),
            ),
        ]
    if draft.location is None:  # a 📍 button exists only on a reply keyboard, and this is the first one
        lines.append(
            "📍 " + t("If you are at the place now, you can also send its location with the button below (optional).")
        )
    return Screen("\n".join(lines), description_keyboard(t, with_location=draft.location is None))


def description_keyboard(t: Translator, *, with_location: bool) -> dict:
    """✅ Done, and 📍 while no location was sent: the place's choices were inline buttons, so this
    is the complaint's first reply keyboard (one message fewer than a keyboard of its own)."""
    first = [Button(t(ReplyButtons.DONE))]
    if with_location:
        first.append(Button(t(ReplyButtons.SEND_LOCATION), request_location=True))
    back_cancel = [Button(t(ReplyButtons.BACK)), Button(t(ReplyButtons.CANCEL))]
    return reply_keyboard([first, back_cancel], t("Type what happened…"))


def evidence_prompt(t: Translator, draft: Draft) -> Screen:
    lines = [
        _title(t, Step.EVIDENCE, t("Evidence (optional)")),
        t(
            "Send photos, videos, voice messages or documents, up to %(max)s. Press ✅ Done when finished, or ⏭ Skip.",
            max=t.number(EVIDENCE_MAX),
        ),
        "",
        "⚠️ "
        + t(
            "A file sent as a document can hide your name and where you are. The bot removes what it can, "
            "but sending pictures as photos is safest."
        ),
    ]
    if draft.evidence:
        lines += ["", t("Received so far: %(items)s.", items=evidence_summary(t, draft.evidence))]
    first = ReplyButtons.DONE if draft.evidence else ReplyButtons.SKIP
    return Screen("\n".join(lines), typing_keyboard(t, first))


def spoken_lines(t: Translator, durations: list[int | None]) -> list[str]:
    """🎤 voice, 0:42: one line per voice or video message that tells what happened."""
    return ["🎤 " + t("voice, %(length)s", length=duration_label(t, d)) for d in durations]


def evidence_summary(t: Translator, evidence: tuple) -> str:
    counts = Counter(e.kind for e in evidence)
    return ", ".join(
        t("%(count)s %(kind)s", count=t.number(n), kind=t(EVIDENCE_NAMES.get(kind, kind))) for kind, n in counts.items()
    )


def contact_prompt(t: Translator) -> Screen:
    lines = [
        _title(t, Step.CONTACT, t("How can the police reach you?")),
        t(
            "• 📱 Share your phone number with the button below, or type a number. "
            "The officers handling your complaint will see it, so they can call you."
        ),
        t(
            "• 🙈 Or stay anonymous: the police post will not see your name, username or phone number. "
            "You can still talk with them through this bot."
        ),
        "",
        t(
            "Only the Ministry of Interior's complaint team can look up who filed a complaint, and every such "
            "look-up is recorded."
        ),
    ]
    keyboard = reply_keyboard(
        [
            [Button(t(ReplyButtons.SHARE_PHONE), request_contact=True)],
            [Button(t(ReplyButtons.ANONYMOUS))],
            [Button(t(ReplyButtons.BACK)), Button(t(ReplyButtons.CANCEL))],
        ],
        t("Or type a phone number…"),
    )
    return Screen("\n".join(lines), keyboard)


def contact_answer(t: Translator, draft: Draft) -> Screen:
    """Confirms the contact choice and takes the reply keyboard away before the review."""
    if draft.contact_mode == ContactMode.ANONYMOUS:
        text = "✅ " + t("You will stay anonymous.")
    else:
        text = "✅ " + t("Phone number: %(phone)s", phone=t.digits(phones.display(draft.phone or "")))
    return Screen(text, REMOVE_KEYBOARD)


def review(t: Translator, seq: int, draft: Draft, categories: Categories, gazetteer: Gazetteer) -> Screen:
    category = categories.get(draft.category or "")
    missing = "<i>" + t("missing") + "</i>"
    lines = [
        _title(t, Step.REVIEW, t("Please check your complaint")),
        "",
        field(t, t("Category"), escape(category.label(t.lang)) if category else missing),
        field(t, t("Place"), escape(path_label(draft.commune, t.lang)) if draft.commune else missing),
    ]
    if draft.location:
        lines.append("📍 " + t("Location pin attached"))
    lines += [
        field(t, t("What happened")),
        _told(t, draft, missing),
        field(t, t("Evidence"), evidence_summary(t, draft.evidence) if draft.evidence else t("none")),
        field(t, t("Contact"), _contact_line(t, draft, missing)),
        "",
        t("Press ✅ Submit to send it, or ✏️ to change a part."),
    ]
    edit_row = [
        Button("✏️ " + t("Category"), callbacks.intake(seq, "edit", Step.CATEGORY.value)),
        Button("✏️ " + t("Place"), callbacks.intake(seq, "edit", Step.PROVINCE.value)),
    ]
    edit_row2 = [
        Button("✏️ " + t("What happened"), callbacks.intake(seq, "edit", Step.DESCRIPTION.value)),
        Button("✏️ " + t("Evidence"), callbacks.intake(seq, "edit", Step.EVIDENCE.value)),
    ]
    keyboard = inline_keyboard(
        [
            edit_row,
            edit_row2,
            [Button("✏️ " + t("Contact"), callbacks.intake(seq, "edit", Step.CONTACT.value))],
            [Button(t("✅ Submit"), callbacks.intake(seq, "submit"))],
            [Button(t(ReplyButtons.CANCEL), callbacks.intake(seq, "cancel"))],
        ]
    )
    return Screen("\n".join(lines), keyboard)


def _told(t: Translator, draft: Draft, missing: str) -> str:
    """What happened, as the review shows it: the written account's start, then the voice messages."""
    told = [_account_shown(t, draft.description_text)] if draft.description else []
    told += spoken_lines(t, [e.duration for e in draft.spoken])
    return "\n".join(told) if told else missing


def _account_shown(t: Translator, account: str) -> str:
    """The start of a long account, as the card will show it (the review must fit one message)."""
    parts = head_then_rest(account, CARD_ACCOUNT_CHARS, DESCRIPTION_MAX_CHARS)
    shown = user_text(parts[0])
    if len(parts) > 1:
        more = len(account) - len(parts[0])
        shown += "… " + t("(and %(num)s more characters, all kept)", num=t.number(more))
    return shown


def _contact_line(t: Translator, draft: Draft, missing: str) -> str:
    if draft.contact_mode is None:
        return missing
    if draft.contact_mode == ContactMode.ANONYMOUS:
        return t("anonymous: the police post will not see who you are")
    return t(
        "%(phone)s: the officers handling it will see this number", phone=t.digits(phones.display(draft.phone or ""))
    )


def receipt(t: Translator, complaint: Complaint, unit: Unit | None) -> Screen:
    number = tracking.display(complaint.tracking_no, t.lang)
    lines = [
        "✅ <b>" + t("Your complaint has been filed.") + "</b>",
        "",
        t("Tracking number: %(number)s", number=f"<b>{number}</b>"),
        t("Keep this number. You can check your complaint at any time with /status %(number)s", number=number),
        "",
    ]
    if unit is not None and unit.code == MINISTRY:  # the top: nobody above it to be told
        lines.append(
            t(
                "What happens next: it was sent to %(unit)s, who must acknowledge it by %(deadline)s. "
                "You will get a message here at every step.",
                unit="<b>" + escape(unit.name(t.lang)) + "</b>",
                deadline=t.datetime(complaint.ack_due_at or complaint.created_at),
            )
        )
    elif unit is not None:
        lines.append(
            t(
                "What happens next: it was sent to %(unit)s, who must acknowledge it by %(deadline)s. "
                "If they do not, the police above them are asked to see to it. You will get a message here "
                "at every step.",
                unit="<b>" + escape(unit.name(t.lang)) + "</b>",
                deadline=t.datetime(complaint.ack_due_at or complaint.created_at),
            )
        )
    else:
        lines.append(
            t(
                "What happens next: it will be sent to the police responsible for %(place)s as soon as "
                "their group is connected. You will get a message here at every step.",
                place=escape(path_label(complaint.commune_code, t.lang)),
            )
        )
    keyboard = inline_keyboard([[Button(t("🏠 Menu"), callbacks.encode("m", "home"))]])
    return Screen("\n".join(lines), keyboard)


def confirm_cancel(t: Translator, seq: int) -> Screen:
    text = t("Discard this complaint? Everything you have written for it will be deleted.")
    keyboard = inline_keyboard(
        [
            [
                Button(t("🗑 Yes, discard it"), callbacks.intake(seq, "discard")),
                Button(t("↩️ No, continue"), callbacks.intake(seq, "keep")),
            ]
        ]
    )
    return Screen(text, keyboard)
