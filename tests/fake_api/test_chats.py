"""The fake Bot API server: groups (migration, membership, privacy, removals), files, callback queries."""

from __future__ import annotations

import datetime as dtm

import pytest
from telegram import (
    Bot,
    InputMediaPhoto,
    ReplyParameters,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
)

from sandbox.fake_telegram import ButtonNotFound, FakeTelegram

from .client import TOKEN, USERNAME, keyboard, make_bot


# -- chats: migration, membership, privacy -------------------------------------------------------
async def test_migrated_group_answers_chat_migrated(fake: FakeTelegram, bot: Bot) -> None:
    bob = fake.user("Bob")
    group = fake.group("Post 010201", members=[bob])
    old_id = group.id
    new_id = group.migrate_to_supergroup()
    assert str(new_id).startswith("-100") and group.id == new_id
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(old_id, "hello")
    assert caught.value.new_chat_id == new_id
    updates = await bot.get_updates(timeout=0)
    assert [(u.message.chat.id, u.message.migrate_to_chat_id, u.message.migrate_from_chat_id) for u in updates] == [
        (old_id, new_id, None),
        (new_id, None, old_id),
    ]
    sent = await bot.send_message(new_id, "hello")
    assert sent.chat.type == "supergroup"


async def test_forbidden_cases(fake: FakeTelegram, bot: Bot) -> None:
    bob, stranger, blocker = fake.user("Bob"), fake.user("Never wrote"), fake.user("Blocker")
    group = fake.group("Post 010201", supergroup=True, members=[bob])
    await bot.send_message(group.id, "hi")
    group.remove_bot(by=bob)
    with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
        await bot.send_message(group.id, "still there?")
    basic = fake.group("Basic", members=[bob])
    basic.remove_bot(by=bob)
    with pytest.raises(Forbidden, match="bot is not a member of the group chat"):
        await bot.send_message(basic.id, "x")
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(stranger.id, "x")
    blocker.send("/start")
    blocker.block_bot()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(blocker.id, "x")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(-100999, "x")
    statuses = [
        (u.my_chat_member.chat.id, u.my_chat_member.new_chat_member.status)
        for u in await bot.get_updates(timeout=0)
        if u.my_chat_member
    ]
    assert statuses == [(group.id, "kicked"), (basic.id, "left"), (blocker.id, "kicked")]


async def test_add_bot_emits_my_chat_member_and_service_message(fake: FakeTelegram, bot: Bot) -> None:
    bob = fake.user("Bob")
    group = fake.group("Station 3", supergroup=True, bot_status="left", members=[bob])
    group.add_bot("administrator", by=bob)
    first, second = await bot.get_updates(timeout=0)
    assert first.my_chat_member.new_chat_member.status == "administrator"
    assert first.my_chat_member.old_chat_member.status == "left"
    assert second.message.new_chat_members[0].id == fake.bot_id
    admins = await bot.get_chat_administrators(group.id)
    assert {a.user.id for a in admins} == {bob.id, fake.bot_id}


async def test_privacy_mode_filters_group_messages(fake: FakeTelegram, bot: Bot) -> None:
    bob = fake.user("Bob")
    group = fake.group("Post", members=[bob])
    busy = fake.group("Busy", members=[bob], other_bots=1)
    open_group = fake.group("Open", members=[bob], privacy=False)
    prompt = await bot.send_message(group.id, "Reply with the case number")
    group.send(bob, "just chatting")
    group.send(bob, f"/bind@{USERNAME} 010201")
    group.send(bob, "/bind@other_bot 010201")
    group.send(bob, "/status")
    group.send(bob, "PP-1", reply_to=prompt)
    busy.send(bob, "/status")
    busy.send(bob, f"/status@{USERNAME}")
    open_group.send(bob, "anything")
    texts = [u.message.text for u in await bot.get_updates(timeout=0)]
    assert texts == [f"/bind@{USERNAME} 010201", "/status", "PP-1", f"/status@{USERNAME}", "anything"]
    assert len(fake.messages(group.id)) == 6  # users still see everything


# -- files ---------------------------------------------------------------------------------------
async def test_upload_get_file_and_download(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user()
    alice.send("/start")
    sent = await bot.send_photo(alice.chat_id, b"\xff\xd8evidence", caption="<b>Evidence</b>", parse_mode="HTML")
    assert sent.caption == "Evidence" and len(sent.photo) == 2
    file = await bot.get_file(sent.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == b"\xff\xd8evidence"
    again = await bot.send_photo(alice.chat_id, sent.photo[-1].file_id)  # reuse by file_id
    assert again.photo[-1].file_unique_id == sent.photo[-1].file_unique_id
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier/HTTP URL specified"):
        await bot.send_document(alice.chat_id, "no-such-file-id")
    with pytest.raises(BadRequest, match=r"(?i)type of file mismatch"):
        await bot.send_document(alice.chat_id, sent.photo[-1].file_id)
    # Files sent by users can be downloaded by the bot.
    voice = alice.send_voice(duration=4)
    document = alice.send_document(b"%PDF-1.4 complaint", file_name="complaint.pdf")
    (_, voice_update, doc_update) = await bot.get_updates(timeout=0)
    assert voice_update.message.voice.duration == dtm.timedelta(seconds=4)
    voice_file = await bot.get_file(voice_update.message.voice.file_id)
    assert bytes(await voice_file.download_as_bytearray()) == fake.world.files[voice.file_id].data
    doc_file = await bot.get_file(doc_update.message.document.file_id)
    assert bytes(await doc_file.download_as_bytearray()) == b"%PDF-1.4 complaint"
    assert doc_update.message.document.file_name == document.media["file_name"] == "complaint.pdf"


async def test_media_group(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user()
    alice.send("/start")
    album = await bot.send_media_group(
        alice.chat_id,
        [InputMediaPhoto(b"one", caption="<i>1</i>", parse_mode="HTML"), InputMediaPhoto(b"two")],
    )
    assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id
    assert album[0].caption == "1"


async def test_copy_and_forward(fake: FakeTelegram, bot: Bot) -> None:
    alice, officer = fake.user("Sokha"), fake.user("Officer")
    group = fake.group("Post 010201", supergroup=True, members=[officer])
    alice.send("/start")
    photo = alice.send_photo(caption="broken window")
    copied = await bot.copy_message(group.id, alice.chat_id, photo.message_id, caption="Evidence for PP-1")
    stored = fake.message(group.id, copied.message_id)
    assert stored.media_kind == "photo" and stored.caption == "Evidence for PP-1"
    assert stored.copied_from == (alice.chat_id, photo.message_id)
    forwarded = await bot.forward_message(group.id, alice.chat_id, photo.message_id)
    assert forwarded.forward_origin.sender_user.id == alice.id
    with pytest.raises(BadRequest, match=r"(?i)message to copy not found"):
        await bot.copy_message(group.id, alice.chat_id, 999)


async def test_reply_and_thread_checks(fake: FakeTelegram, bot: Bot) -> None:
    officer = fake.user("Officer")
    forum = fake.group("Stations", forum=True, bot_status="administrator", members=[officer])
    topic = await bot.create_forum_topic(forum.id, "Complaints")
    in_topic = await bot.send_message(forum.id, "card", message_thread_id=topic.message_thread_id)
    assert in_topic.is_topic_message and in_topic.message_thread_id == topic.message_thread_id
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(forum.id, "card", message_thread_id=9999)
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(forum.id, "x", reply_parameters=ReplyParameters(message_id=9999))
    await bot.send_message(
        forum.id, "x", reply_parameters=ReplyParameters(message_id=9999, allow_sending_without_reply=True)
    )
    user_topic = forum.create_topic("By officer", by=officer)
    reply = forum.send(officer, "done", topic=user_topic)
    assert reply.message_thread_id == user_topic.thread_id
    plain = fake.group("Plain", supergroup=True, members=[officer])
    with pytest.raises(BadRequest, match=r"(?i)the chat is not a forum"):
        await bot.create_forum_topic(plain.id, "x")


# -- callbacks -----------------------------------------------------------------------------------
async def test_callback_queries(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user()
    alice.send("/start")
    sent = await bot.send_message(alice.chat_id, "Language?", reply_markup=keyboard("lang:km", "lang:en"))
    stored = fake.message(alice.chat_id, sent.message_id)
    assert stored.buttons() == [("lang:km", "lang:km"), ("lang:en", "lang:en")]
    with pytest.raises(ButtonNotFound):
        alice.press(stored, "lang:fr")
    query_id = alice.press(stored, "lang:km")
    assert fake.unanswered_callbacks() == [query_id]
    updates = await bot.get_updates(timeout=0)
    query = updates[-1].callback_query
    assert query.data == "lang:km" and query.message.message_id == sent.message_id
    assert query.message.date.timestamp() > 0 and query.message.reply_markup is not None
    assert await query.answer("Saved")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer("again")
    assert fake.callback_answers[query_id]["text"] == "Saved" and fake.unanswered_callbacks() == []
    forged = alice.press_raw(sent, "admin:delete-all")  # PTB Message objects work too
    assert fake.world.callbacks[forged].data == "admin:delete-all"


async def test_callback_expires() -> None:
    now = [1_767_225_600.0]
    fake = FakeTelegram(token=TOKEN, bot_username=USERNAME, clock=lambda: now[0])
    async with fake, make_bot(fake) as client:
        alice = fake.user()
        alice.send("/start")
        sent = await client.send_message(alice.chat_id, "?", reply_markup=keyboard("ok"))
        query_id = alice.press(fake.message(alice.chat_id, sent.message_id), "ok")
        now[0] += 16
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await client.answer_callback_query(query_id)
        assert fake.unanswered_callbacks() == [query_id]


# -- removing members (banChatMember, unbanChatMember, chat_member) ------------------------------
MEMBER_UPDATES = ["message", "chat_member", "my_chat_member"]


async def test_ban_removes_a_member_until_unbanned_and_telegram_reports_each_change(
    fake: FakeTelegram, bot: Bot
) -> None:
    owner, dara = fake.user("Owner"), fake.user("Dara")
    group = fake.group("Post", supergroup=True, bot_status="administrator", members=[owner, dara])
    await bot.get_updates(timeout=0, allowed_updates=MEMBER_UPDATES)
    assert await bot.ban_chat_member(group.id, dara.id, revoke_messages=False)
    assert (await bot.get_chat_member(group.id, dara.id)).status == "kicked"
    assert await bot.get_chat_member_count(group.id) == 2  # the owner and the bot
    with pytest.raises(ValueError, match="banned"):
        group.add_member(dara, by=owner)  # not even an administrator can add them back
    assert await bot.unban_chat_member(group.id, dara.id, only_if_banned=True)
    assert (await bot.get_chat_member(group.id, dara.id)).status == "left"  # free to join, not added back
    group.add_member(dara, by=owner)
    assert await bot.unban_chat_member(group.id, dara.id, only_if_banned=True)  # not banned: nothing happens
    assert (await bot.get_chat_member(group.id, dara.id)).status == "member"
    assert await bot.unban_chat_member(group.id, dara.id)  # without only_if_banned it removes, as documented
    assert (await bot.get_chat_member(group.id, dara.id)).status == "left"
    updates = await bot.get_updates(timeout=0)
    members = [u.chat_member for u in updates if u.chat_member]
    changes = [(c.old_chat_member.status, c.new_chat_member.status) for c in members]
    assert changes == [("member", "kicked"), ("kicked", "left"), ("left", "member"), ("member", "left")]
    first = members[0]
    assert (first.chat.id, first.from_user.id, first.new_chat_member.user.id) == (group.id, fake.bot_id, dara.id)
    removals = [m.service["left_chat_member"]["id"] for m in fake.messages(group.id) if "left_chat_member" in m.service]
    assert removals == [dara.id, dara.id]  # the service message (posted by the bot), each time they were in
    # A basic group keeps no ban list: the ban just removes, and unbanChatMember does not exist there.
    basic = fake.group("Basic", bot_status="administrator", members=[owner, dara])
    assert await bot.ban_chat_member(basic.id, dara.id)
    assert (await bot.get_chat_member(basic.id, dara.id)).status == "left"
    with pytest.raises(BadRequest, match=r"(?i)method is available for supergroup and channel chats only"):
        await bot.unban_chat_member(basic.id, dara.id)


async def test_ban_is_refused_like_telegram_refuses_it(fake: FakeTelegram, bot: Bot) -> None:
    owner, admin, dara = fake.user("Owner"), fake.user("Admin"), fake.user("Dara")
    group = fake.group("Post", supergroup=True, members=[owner, dara], admins=[admin])
    with pytest.raises(BadRequest, match=r"(?i)not enough rights to restrict/unrestrict chat member"):
        await bot.ban_chat_member(group.id, dara.id)  # the bot is only a member
    group.set_bot_status("administrator", by=owner, rights={"can_restrict_members": False})
    own = await bot.get_chat_member(group.id, fake.bot_id)
    assert own.status == "administrator" and not own.can_restrict_members and own.can_delete_messages
    with pytest.raises(BadRequest, match=r"(?i)not enough rights to restrict/unrestrict chat member"):
        await bot.ban_chat_member(group.id, dara.id)
    with pytest.raises(BadRequest, match=r"(?i)not enough rights to restrict/unrestrict chat member"):
        await bot.unban_chat_member(group.id, dara.id, only_if_banned=True)
    group.set_bot_status("administrator", by=owner)
    assert (await bot.get_chat_member(group.id, fake.bot_id)).can_restrict_members
    with pytest.raises(BadRequest, match=r"(?i)can't remove chat owner"):
        await bot.ban_chat_member(group.id, owner.id)
    with pytest.raises(BadRequest, match=r"(?i)user is an administrator of the chat"):
        await bot.ban_chat_member(group.id, admin.id)
    with pytest.raises(BadRequest, match=r"(?i)user not found"):
        await bot.ban_chat_member(group.id, 987654321)
    dara.send("/start")
    with pytest.raises(BadRequest, match=r"(?i)can't ban members in private chats"):
        await bot.ban_chat_member(dara.chat_id, dara.id)
    with pytest.raises(ValueError, match="unknown administrator rights"):
        group.set_bot_status("administrator", by=owner, rights={"can_fly": True})
    assert (await bot.get_chat_member(group.id, dara.id)).status == "member"  # nothing changed
    stranger = fake.user("Stranger")
    assert await bot.ban_chat_member(group.id, stranger.id)  # someone not in the group is banned beforehand
    with pytest.raises(ValueError, match="banned"):
        group.add_member(stranger)


async def test_chat_member_updates_go_only_to_an_administrator_that_asked_for_them(
    fake: FakeTelegram, bot: Bot
) -> None:
    owner, dara, muted = fake.user("Owner"), fake.user("Dara"), fake.user("Muted")
    group = fake.group("Post", supergroup=True, members=[owner])
    group.add_member(dara)  # the bot is not an administrator: no chat_member
    assert [u for u in await bot.get_updates(timeout=0) if u.chat_member] == []
    group.set_bot_status("administrator", by=owner, rights={"can_restrict_members": False})
    group.remove_member(dara)
    assert [u for u in await bot.get_updates(timeout=0) if u.chat_member] == []  # not asked for (the default)
    await bot.get_updates(timeout=0, allowed_updates=MEMBER_UPDATES)
    group.add_member(dara)
    group.add_member(muted, by=owner, status="restricted")
    group.remove_member(dara)
    updates = [u.chat_member for u in await bot.get_updates(timeout=0) if u.chat_member]
    assert [(c.new_chat_member.user.id, c.new_chat_member.status) for c in updates] == [
        (dara.id, "member"),
        (muted.id, "restricted"),
        (dara.id, "left"),
    ]
    assert updates[1].new_chat_member.is_member and not updates[1].new_chat_member.can_send_messages
    assert updates[1].from_user.id == owner.id and updates[0].from_user.id == dara.id
