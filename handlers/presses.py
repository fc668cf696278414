"""Every inline-button press, in any chat: routed by one table, parsed strictly, re-authorised.

Each kind of button (bot/callbacks.py) has one route: where it may be pressed, and the service that
handles it. Each route is its own CallbackQueryHandler, matched by the kind's pattern; data that
matches no pattern (forged, or from an older version of the bot) reaches one fallback that answers
"no longer valid". The services re-check who may press what; forged or stale data gets a short
answer and changes nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import CallbackQuery, Message, Update
from telegram.ext import Application, CallbackQueryHandler

from bot import callbacks
from bot.services import citizen, forget, handling, intake, oversight, supervision, units_admin
from bot.services.press_place import Place
from bot.services.session import PressAnswer, Session, session
from handlers.common import Context, answer_query, person_of, services_of, thread_of


class Where(enum.Enum):
    """Where a kind of button lives: anything pressed elsewhere was forged or copied."""

    PRIVATE = "private"
    GROUP = "group"
    ANYWHERE = "anywhere"

    def allows(self, private: bool) -> bool:
        return self is Where.ANYWHERE or (self is Where.PRIVATE) == private


@dataclass(frozen=True)
class Pressed:
    """A press that passed the parsing and the place check: what the services are given."""

    press: callbacks.Press
    message_id: int  # the bot's message the button is on
    place: Place  # the forum topic it was pressed in, for the buttons bound to a unit's chat


# A service's answer: a PressAnswer, a toast's text, or nothing (the spinner just stops).
Act = Callable[[Session, Pressed], Awaitable[PressAnswer | str | None]]


@dataclass(frozen=True)
class Route:
    kind: str  # a kind of bot/callbacks.py
    where: Where
    act: Act
    # Wait until the Telegram ids of the messages sent so far are recorded before acting.
    settle_first: bool = False


PRIVATE, GROUP, ANYWHERE = Where.PRIVATE, Where.GROUP, Where.ANYWHERE

ROUTES: tuple[Route, ...] = (
    # A citizen's own chat.
    Route("lang", PRIVATE, lambda s, p: citizen.choose_language(s, p.press.action, p.message_id)),
    Route("menu", PRIVATE, lambda s, p: citizen.on_menu(s, p.press, p.message_id)),
    Route("intake", PRIVATE, lambda s, p: intake.on_press(s, p.press, p.message_id)),
    Route("mine", PRIVATE, lambda s, p: citizen.press_mine(s, p.press, p.message_id)),
    Route("show", PRIVATE, lambda s, p: citizen.press_show(s, p.press, p.message_id)),
    Route("answer", PRIVATE, lambda s, p: handling.start_answer(s, p.press.target)),
    Route("feedback", PRIVATE, lambda s, p: handling.feedback(s, p.press.target, p.press.action, p.message_id)),
    Route("forget", PRIVATE, lambda s, p: forget.on_press(s, p.press.action, p.message_id)),
    # Private like the list itself: a page pressed in a group would edit the list into the group.
    Route("overdue", PRIVATE, lambda s, p: supervision.overdue(s, int(p.press.action), p.message_id)),
    # A unit's group.
    Route("card", GROUP, lambda s, p: handling.on_card_press(s, p.press, p.message_id, p.place)),
    Route("group_lang", GROUP, lambda s, p: units_admin.group_language(s, p.press.action, p.message_id)),
    # "Take over" makes the pressed message the complaint's card: its id must be known.
    Route("escalation", GROUP, lambda s, p: oversight.on_press(s, p.press, p.message_id, p.place), settle_first=True),
    # /officers and /invites answer in a group or in a private chat.
    Route("revoke", ANYWHERE, lambda s, p: units_admin.revoke(s, p.press.target)),
    Route("invite_cancel", ANYWHERE, lambda s, p: units_admin.cancel_invite(s, p.press.target, p.message_id)),
)


def _handler(route: Route) -> Callable[[Update, Context], Awaitable[None]]:
    async def on_press(update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        pressed = _pressed(route, query)
        if pressed is not None and route.settle_first:
            await services_of(context).settle_sends()
        async with session(services_of(context), person_of(update)) as s:
            if pressed is None:
                answer = PressAnswer(await citizen.stale_press(s))
            else:
                answer = _as_answer(await route.act(s, pressed))
        await answer_query(query, answer.text, alert=answer.alert)

    return on_press


def _pressed(route: Route, query: CallbackQuery) -> Pressed | None:
    """The press, if it is the route's kind and was pressed where that kind lives. The pattern only
    chose the route (python-telegram-bot also hands it presses without data): parsed again, strictly."""
    press = callbacks.decode(query.data)
    message = query.message  # a Message, or an InaccessibleMessage (e.g. too old to be shown again)
    if press is None or press.kind != route.kind or message is None:
        return None
    if not route.where.allows(message.chat.type == "private"):
        return None
    # The chat is always known; the forum topic only if Telegram still shows the message.
    place = Place(thread_of(message), topic_known=True) if isinstance(message, Message) else Place(None, False)
    return Pressed(press, message.message_id, place)


def _as_answer(result: PressAnswer | str | None) -> PressAnswer:
    return result if isinstance(result, PressAnswer) else PressAnswer(result)


async def on_unknown_press(update: Update, context: Context) -> None:
    """Data no route's pattern matches: forged, or a button of an older version of the bot."""
    query = update.callback_query
    assert query is not None
    async with session(services_of(context), person_of(update)) as s:
        text = await citizen.stale_press(s)
    await answer_query(query, text)


def register(app: Application) -> None:
    assert sorted(route.kind for route in ROUTES) == sorted(callbacks.KINDS)  # every kind, once
    for route in ROUTES:
        app.add_handler(CallbackQueryHandler(_handler(route), pattern=callbacks.pattern(route.kind)))
    app.add_handler(CallbackQueryHandler(on_unknown_press))  # after the routes: what none of them took
