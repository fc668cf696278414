"""Every inline-button press, in any chat: parsed strictly, then handed to the service it names.

The services re-check who may press what; forged or stale data gets a short answer and changes
nothing.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import Application, CallbackQueryHandler

from bot import callbacks
from bot.services import citizen, forget, handling, intake, oversight, supervision, units_admin
from bot.services.press_place import Place
from bot.services.session import PressAnswer, Session, session
from handlers.common import Context, answer_query, person_of, services_of, thread_of

# Where each kind of button lives: anything pressed elsewhere was forged or copied. The overdue
# list's pages are private like the list itself (a page press in a group would edit it into the group).
PRIVATE_ONLY = {"lang", "menu", "intake", "mine", "show", "answer", "feedback", "overdue", "forget"}
GROUP_ONLY = {"card", "group_lang", "escalation"}


async def on_press(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    press = callbacks.decode(query.data)
    pressed = query.message  # a Message, or an InaccessibleMessage (e.g. too old to be shown again)
    message_id = pressed.message_id if pressed is not None else None
    private = pressed is not None and pressed.chat.type == "private"
    # Where the press came from: the chat always; the forum topic only if Telegram shows the message.
    place = Place(thread_of(pressed), topic_known=True) if isinstance(pressed, Message) else Place(None, False)
    if press is not None and press.kind == "escalation":
        await services_of(context).settle_sends()  # "take over" makes the pressed message the card
    async with session(services_of(context), person_of(update)) as s:
        misplaced = press is not None and (press.kind in (GROUP_ONLY if private else PRIVATE_ONLY))
        if press is None or message_id is None or misplaced:
            answer = PressAnswer(await citizen.stale_press(s))
        else:
            answer = await _dispatch(s, press, message_id, place)
    await answer_query(query, answer.text, alert=answer.alert)


async def _dispatch(s: Session, press: callbacks.Press, message_id: int, place: Place) -> PressAnswer:
    kind = press.kind
    if kind == "card":
        return await handling.on_card_press(s, press, message_id, place)
    if kind == "revoke":
        return await units_admin.revoke(s, press.target)
    if kind == "invite_cancel":
        return await units_admin.cancel_invite(s, press.target, message_id)
    if kind == "group_lang":
        return await units_admin.group_language(s, press.action, message_id)
    if kind == "escalation":
        return await oversight.on_press(s, press, message_id, place)
    if kind == "overdue":
        await supervision.overdue(s, int(press.action), message_id)
        return PressAnswer()
    text: str | None = None
    if kind == "lang":
        text = await citizen.choose_language(s, press.action, message_id)
    elif kind == "menu":
        text = await citizen.on_menu(s, press, message_id)
    elif kind == "intake":
        text = await intake.on_press(s, press, message_id)
    elif kind == "mine":
        await citizen.my_complaints(s, int(press.action), message_id)
    elif kind == "show":
        await citizen.show_complaint(s, press.action, message_id)
    elif kind == "answer":
        text = await handling.start_answer(s, press.target)
    elif kind == "feedback":
        text = await handling.feedback(s, press.target, press.action)
    elif kind == "forget":
        text = await forget.on_press(s, press.action, message_id)
    return PressAnswer(text)


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_press))
