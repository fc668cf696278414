"""The sandbox's web client: a Telegram-like page over the fake Telegram server (sandbox/web/API.md).

The page acts as the demo's people through the fake's user-side driver, exactly as the tests do,
and watches the fake's change events to show what the bot does, live (server-sent events).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
from pathlib import Path
from typing import Any

from aiohttp import web
from PIL import Image, UnidentifiedImageError

from bot.i18n import LANGUAGES, N_, Catalogs, Translator
from sandbox.demo import CHAIN, MINISTRY, PROVINCE, Cast, describe, unit_named
from sandbox.fake_telegram import FakeTelegram
from sandbox.fake_telegram.actors import FakeGroup, FakeUser
from sandbox.fake_telegram.errors import ButtonNotFound
from sandbox.fake_telegram.world import Event
from sandbox.web.fonts import emoji_font, khmer_font
from sandbox.web.render import message_json, reply_keyboard_json, sender_name
from sandbox.web.strings import PAGE_STRINGS

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
MAX_UPLOAD = 20 * 1024 * 1024  # Telegram's limit for files a bot downloads
MAX_TEXT = 4096  # Telegram's limit for one message, in UTF-16 units: its apps split a longer text
MAX_VOICE_SECONDS = 3 * 60 * 60
# What a sound file starts with -> its type (the page's recordings are WebM or Ogg Opus).
SOUND_SIGNATURES = (
    (b"OggS", "audio/ogg"),
    (b"\x1a\x45\xdf\xa3", "audio/webm"),
    (b"ID3", "audio/mpeg"),
    (b"\xff\xfb", "audio/mpeg"),
    (b"\xff\xf3", "audio/mpeg"),
)
PERSONAS = ("citizen", "officer", "supervisor")
PERSONA_LABELS = {"citizen": "Citizen", "officer": "Officer", "supervisor": "Supervisor"}


class Problem(Exception):
    """An action the page asked for that cannot be done (answered 400 with the reason, worded in
    the page's language: `message` is a catalog msgid)."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message)
        self.message, self.values = message, values


def page_language(request: web.Request) -> str:
    """The page sends its language (Accept-Language: km|en); Khmer when it says nothing else."""
    wanted = request.headers.get("Accept-Language", "").strip().lower()
    return "en" if wanted.startswith("en") else "km"


class WebClient:
    def __init__(self, fake: FakeTelegram, cast: Cast, deadlines: dict[str, str]) -> None:
        self.fake = fake
        self.cast = cast
        self.deadlines = deadlines
        self.catalogs = Catalogs.load()
        self._clients: set[asyncio.Queue[tuple[str, dict[str, Any]]]] = set()
        self._keyboards: dict[int, Any] = {}
        fake.world.listen(self._on_event)

    # -- who is who ------------------------------------------------------------------------------
    def chats(self, t: Translator | None = None) -> list[dict[str, Any]]:
        t = t or self.catalogs.get("en")
        world, cast = self.fake.world, self.cast
        name = lambda uid: sender_name(world, uid)  # noqa: E731
        # A private chat is the person's chat with the bot: their Telegram shows the bot's name on
        # it, so does the page; the subtitle says whose chat it is.
        bot_name = world.bot.first_name
        listed = [
            {
                "id": cast.citizen,
                "title": bot_name,
                "kind": "private",
                "subtitle": t("%(name)s, citizen · private chat with the bot", name=name(cast.citizen)),
                "default_persona": "citizen",
                "members": {"citizen": name(cast.citizen)},
            }
        ]
        for code in CHAIN:
            members = {"officer": name(cast.officers[code])}
            if code != MINISTRY:
                members["supervisor"] = name(cast.supervisor)
            listed.append(
                {
                    "id": cast.groups[code],
                    "title": world.chats[cast.groups[code]].title,
                    "kind": "group",
                    "subtitle": t("Unit %(code)s", code=code),
                    "unit": code,
                    "default_persona": "officer",
                    "members": members,
                }
            )
        listed.append(
            {
                "id": cast.supervisor,
                "title": bot_name,
                "kind": "private",
                "subtitle": t(
                    "%(name)s, supervisor of %(unit)s · private chat with the bot",
                    name=name(cast.supervisor),
                    unit=unit_named(t, PROVINCE),
                ),
                "default_persona": "supervisor",
                "members": {"supervisor": name(cast.supervisor)},
            }
        )
        return listed

    def actor(self, chat_id: int, persona: str) -> tuple[FakeUser, FakeGroup | None]:
        chat = next((c for c in self.chats() if c["id"] == chat_id), None)
        if chat is None:
            raise Problem(N_("There is no such chat."))
        if persona not in chat["members"]:
            raise Problem(N_("This person is not in this chat: choose another persona."))
        cast = self.cast
        if persona == "citizen":
            user_id = cast.citizen
        elif persona == "supervisor":
            user_id = cast.supervisor
        else:
            user_id = cast.officers[chat["unit"]]
        user = FakeUser(self.fake, self.fake.world.users[user_id])
        group = None if chat["kind"] == "private" else FakeGroup(self.fake, self.fake.world.chats[chat_id])
        return user, group

    # -- live events -----------------------------------------------------------------------------
    def _publish(self, name: str, payload: dict[str, Any]) -> None:
        for queue in self._clients:
            queue.put_nowait((name, payload))

    def _on_event(self, event: Event) -> None:
        kind, world = event["type"], self.fake.world
        if kind in ("message", "edit"):
            message = world.get_message(event["chat_id"], event["message_id"])
            if message is not None:
                self._publish(kind, message_json(world, message))
            # The fake records a message's reply keyboard just after announcing the message: look
            # once the call that sent it has finished.
            asyncio.get_running_loop().call_soon(self._check_keyboard, event["chat_id"])
        elif kind == "delete":
            self._publish("delete", {"chat_id": event["chat_id"], "message_id": event["message_id"]})
        elif kind == "callback_answer" and event.get("text"):
            self._publish(
                "toast",
                {"chat_id": event["chat_id"], "text": event["text"], "show_alert": bool(event.get("show_alert"))},
            )
        elif kind == "chat_action":
            self._publish("typing", {"chat_id": event["chat_id"], "action": event["action"]})

    def _check_keyboard(self, chat_id: int) -> None:
        chat = self.fake.world.chats.get(chat_id)
        if chat is not None and self._keyboards.get(chat.id) != chat.reply_keyboard:
            self._keyboards[chat.id] = chat.reply_keyboard
            self._publish("keyboard", {"chat_id": chat.id, "reply_keyboard": reply_keyboard_json(chat.reply_keyboard)})

    async def events(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        )
        await response.prepare(request)
        queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        self._clients.add(queue)
        try:
            await response.write(b": connected\n\n")
            while True:
                try:
                    name, payload = await asyncio.wait_for(queue.get(), timeout=15)
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")  # notices a closed tab
                    continue
                if not name:  # the sandbox is stopping
                    break
                data = json.dumps(payload, ensure_ascii=False)
                await response.write(f"event: {name}\ndata: {data}\n\n".encode())
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self._clients.discard(queue)
        return response

    # -- reading ---------------------------------------------------------------------------------
    async def index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    async def font(self, request: web.Request) -> web.FileResponse:
        found = {"khmer": khmer_font, "emoji": emoji_font}.get(request.match_info["name"])
        if found is None:
            raise web.HTTPNotFound()
        return web.FileResponse(found(), headers={"Content-Type": "font/ttf", "Cache-Control": "max-age=86400"})

    async def strings(self, request: web.Request) -> web.Response:
        lang = request.match_info["lang"]
        if lang not in LANGUAGES:
            raise web.HTTPNotFound()
        t = self.catalogs.get(lang)
        return web.json_response({key: t(text) for key, text in PAGE_STRINGS.items()})

    async def state(self, request: web.Request) -> web.Response:
        bot, t = self.fake.world.bot, self.catalogs.get(page_language(request))
        return web.json_response(
            {
                "bot": {"name": bot.first_name, "username": bot.username},
                "personas": [{"key": key, "label": PERSONA_LABELS[key]} for key in PERSONAS],
                "chats": self.chats(t),
                "demo": describe(self.cast, self.fake, self.deadlines, t),
            }
        )

    async def chat(self, request: web.Request) -> web.Response:
        chat = self.fake.world.chats.get(int(request.match_info["chat_id"]))
        if chat is None or chat.id not in {c["id"] for c in self.chats()}:
            raise web.HTTPNotFound()
        messages = [message_json(self.fake.world, m) for m in chat.messages.values() if not m.deleted]
        return web.json_response({"messages": messages, "reply_keyboard": reply_keyboard_json(chat.reply_keyboard)})

    async def file(self, request: web.Request) -> web.Response:
        stored = self.fake.world.files.get(request.match_info["file_id"])
        if stored is None:
            raise web.HTTPNotFound()
        headers = {"Cache-Control": "max-age=3600"}
        if stored.kind == "document":
            name = (stored.file_name or "file").replace('"', "")
            headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
        return web.Response(
            body=stored.data, content_type=stored.mime_type or _guess_type(stored.kind), headers=headers
        )

    # -- acting ----------------------------------------------------------------------------------
    async def act(self, request: web.Request) -> web.Response:
        action = request.match_info["action"]
        try:
            if action == "upload":
                message = await self._upload(request)
            else:
                body = await request.json()
                user, group = self.actor(int(body["chat_id"]), str(body["persona"]))
                message = self._do(action, body, user, group)
        except Problem as problem:
            return self._refuse(request, problem)
        except ButtonNotFound:
            return self._refuse(request, Problem(N_("That button is no longer shown.")))
        except (ValueError, KeyError, TypeError) as error:  # the fake refused it, as Telegram would
            log.info("sandbox action %s refused: %s", action, error)
            return self._refuse(request, Problem(N_("That cannot be done here.")))
        found = message_json(self.fake.world, message) if message is not None else None
        return web.json_response({"ok": True, "message": found})

    def _refuse(self, request: web.Request, problem: Problem) -> web.Response:
        t = self.catalogs.get(page_language(request))
        return web.json_response({"ok": False, "error": t(problem.message, **problem.values)}, status=400)

    def _do(self, action: str, body: dict[str, Any], user: FakeUser, group: FakeGroup | None):
        chat_id = int(body["chat_id"])
        if action == "send":
            text = str(body.get("text", "")).strip()
            if not text:
                raise Problem(N_("Write a message first."))
            if len(text.encode("utf-16-le")) // 2 > MAX_TEXT:  # as Telegram's server: its apps split first
                raise Problem(N_("A message can be at most %(limit)s characters long."), limit=MAX_TEXT)
            reply_to = body.get("reply_to")
            return user.send(text, chat=group, reply_to=int(reply_to) if reply_to else None)
        if action == "press":
            user.press(self.fake.world.get_message(chat_id, int(body["message_id"])) or _missing(), str(body["data"]))
            return None
        if action == "tap":
            return self._tap(user, group, chat_id, str(body["text"]))
        if action == "location":
            return user.send_location(float(body["latitude"]), float(body["longitude"]), chat=group)
        if action == "contact":
            if not user.phone:
                raise Problem(N_("This person has no phone number to share."))
            return user.send_contact(chat=group)
        raise web.HTTPNotFound()

    def _tap(self, user: FakeUser, group: FakeGroup | None, chat_id: int, text: str):
        chat = self.fake.world.chats[chat_id]
        buttons = [b for row in (chat.reply_keyboard or {}).get("keyboard", []) for b in row]
        button = next((b for b in buttons if (b["text"] if isinstance(b, dict) else b) == text), None)
        if button is None:
            raise Problem(N_("That button is no longer shown."))
        if isinstance(button, dict) and button.get("request_contact"):
            return user.send_contact(chat=group)
        if isinstance(button, dict) and button.get("request_location"):
            return user.send_location(13.3633, 103.8564, chat=group)  # Siem Reab
        if chat.reply_keyboard and chat.reply_keyboard.get("one_time_keyboard"):
            chat.reply_keyboard = None
        return user.send(text, chat=group)

    async def _upload(self, request: web.Request):
        form = await request.post()
        user, group = self.actor(int(str(form["chat_id"])), str(form["persona"]))
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            raise Problem(N_("Choose a file first."))
        data = upload.file.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise Problem(N_("The file is larger than %(size)s MB."), size=MAX_UPLOAD // (1024 * 1024))
        caption = str(form.get("caption") or "").strip() or None
        reply_to = int(str(form["reply_to"])) if form.get("reply_to") else None
        if form.get("as") == "voice":
            mime = sound_type(data)
            if mime is None:
                raise Problem(N_("A voice message must be a sound recording (Ogg, WebM, MP3, M4A or WAV)."))
            duration = min(max(int(str(form.get("duration") or 0)), 1), MAX_VOICE_SECONDS)
            return user.send_voice(data, caption, duration=duration, mime_type=mime, chat=group, reply_to=reply_to)
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
        except (UnidentifiedImageError, OSError):
            mime = upload.content_type or "application/octet-stream"
            name = Path(upload.filename or "file").name
            return user.send_document(data, caption, file_name=name, mime_type=mime, chat=group, reply_to=reply_to)
        return user.send_photo(data, caption, width=width, height=height, chat=group, reply_to=reply_to)

    def application(self) -> web.Application:
        app = web.Application(client_max_size=MAX_UPLOAD + 1024 * 1024)
        app.add_routes(
            [
                web.get("/", self.index),
                web.get("/font/{name}.ttf", self.font),
                web.get("/api/i18n/{lang}", self.strings),
                web.get("/api/state", self.state),
                web.get("/api/events", self.events),
                web.get("/api/chats/{chat_id}", self.chat),
                web.get("/api/files/{file_id}", self.file),
                web.post("/api/{action}", self.act),
                web.static("/static", STATIC),
            ]
        )

        async def close_streams(app: web.Application) -> None:
            for queue in list(self._clients):
                with contextlib.suppress(asyncio.QueueFull):
                    queue.put_nowait(("", {}))

        app.on_shutdown.append(close_streams)
        return app


def sound_type(data: bytes) -> str | None:
    """The type of a sound file from its first bytes, or None if it is not one the page sends."""
    for signature, mime in SOUND_SIGNATURES:
        if data.startswith(signature):
            return mime
    if data[4:8] == b"ftyp":
        return "audio/mp4"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    return None


def _missing():
    raise Problem(N_("That message no longer exists."))


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


def _guess_type(kind: str) -> str:
    return {"photo": "image/jpeg", "voice": "audio/ogg", "video": "video/mp4", "sticker": "image/webp"}.get(
        kind, "application/octet-stream"
    )
