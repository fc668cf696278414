"""Nobody keeps access they lost: removals from units' groups, strangers, and invitations (issue 8).

Each test reproduces an attack through the fake Telegram server: a revoked officer who kept reading
the unit's group, a group bound where the bot could remove nobody, a stranger reading cards, a link
that outlived its creator's authority.
"""

from __future__ import annotations

import re

import pytest

from bot.domain.policy import DEFAULT_FILE
from sandbox.fake_telegram.actors import FakeGroup, FakeUser
from sandbox.fake_telegram.models import Message
from tests.stations import DISTRICT, OTHER_POST, POST, World, file_complaint, make_world


@pytest.fixture
async def world(fake, tmp_path):
    w = await make_world(fake, tmp_path)
    yield w
    if not w.bot.task.done():
        await w.bot.stop()


def status_in(world: World, group: FakeGroup, user: FakeUser) -> str:
    return world.fake.world.member_status(group.chat, user.id)


def texts(world: World, chat_id: int, contains: str) -> list[str]:
    return [m.plain_text for m in world.fake.bot_messages(chat_id) if contains in m.plain_text]


def audit_actions(world: World) -> list[str]:
    return [r["action"] for r in world.query("SELECT action FROM audit_log ORDER BY id")]


async def revoke(world: World, code: str, person: FakeUser) -> Message:
    """The administrator removes `person` from unit `code` with the roster's button (private chat);
    returns the bot's account of what happens next."""
    world.admin.send(f"/officers {code}")
    roster = await world.fake.wait_for_message(world.admin.chat_id, lambda m: "People of" in m.plain_text)
    member_id = world.query(
        "SELECT id FROM members WHERE user_id = ? AND unit_code = ? AND revoked_at IS NULL", (person.id, code)
    )[0]["id"]
    query = world.admin.press(roster, f"o:{member_id}:revoke")
    await world.fake.wait_for(lambda: query in world.fake.callback_answers)
    return await world.fake.wait_for_message(world.admin.chat_id, lambda m: "no longer belongs to" in m.plain_text)


async def link_from(world: World, creator: FakeUser, command: str) -> str:
    creator.send(command)
    message = await world.fake.wait_for_message(creator.chat_id, lambda m: "t.me/" in m.plain_text)
    return re.search(r"start=(inv_[\w-]+)", message.plain_text).group(1)


async def newcomer(world: World, name: str) -> FakeUser:
    """Someone who has started the bot and reads English."""
    person = world.fake.user(name, language_code="en")
    person.send("/start")
    picker = await world.fake.next_bot_message(person.chat_id)
    person.press(picker, "lang:en")
    await world.fake.wait_for_edit(person.chat_id, picker.message_id)
    world.fake.consume_all(person.chat_id)
    return person


async def open_link(world: World, person: FakeUser, token: str) -> str:
    person.send(f"/start {token}")
    return (await world.fake.next_bot_message(person.chat_id)).plain_text


async def test_a_revoked_officer_is_removed_from_the_units_group_and_sees_no_new_cards(world, citizen):
    group = await world.bind(POST)
    officer = await world.invite(POST, name="Dara")
    assert status_in(world, group, officer) == "member"
    account = await revoke(world, POST, officer)
    assert "The bot is removing them from the group of" in account.plain_text and POST in account.plain_text
    await world.fake.wait_for(lambda: status_in(world, group, officer) == "left", what="the officer removed")
    bans = world.fake.calls_to("banChatMember")
    assert [(int(c.params["chat_id"]), int(c.params["user_id"])) for c in bans] == [(group.id, officer.id)]
    assert world.fake.calls_to("unbanChatMember")  # not banned for good: can be invited back once enrolled
    number = await file_complaint(citizen(language_code="en"))
    card = await world.card(POST, number)
    assert status_in(world, group, officer) == "left"  # the card is posted to a group they are no longer in
    with pytest.raises(ValueError, match="not a member"):
        officer.press(card, "✅ Acknowledge")
    assert not texts(world, group.id, "is not enrolled")  # leaving needs no alert
    world.fake.assert_no_errors()


async def test_bind_is_refused_until_the_bot_may_ban_users_and_says_how_to_fix_it(world):
    fake, admin = world.fake, world.admin
    group = fake.group("Sla Kram post", supergroup=True, members=[admin])
    group.send(admin, f"/bind {POST}")
    refusal = await fake.wait_for_message(group.id, lambda m: "administrator" in m.plain_text)
    assert "Make me an administrator with the right to ban users, then send /bind again" in refusal.plain_text
    assert fake.calls_to("getChatMember")  # it did not know, so it asked Telegram
    group.set_bot_status("administrator", by=admin, rights={"can_restrict_members": False})
    group.send(admin, f"/bind {POST}")
    refusal = await fake.wait_for_message(group.id, lambda m: "not allowed to ban users" in m.plain_text)
    assert "Give me the right to ban users, then send /bind again" in refusal.plain_text
    assert world.query("SELECT chat_id FROM units WHERE code = ?", (POST,))[0]["chat_id"] is None
    group.set_bot_status("administrator", by=admin)
    group.send(admin, f"/bind {POST}")
    await fake.wait_for_message(group.id, lambda m: f"({POST})" in m.plain_text)
    assert world.query("SELECT chat_id FROM units WHERE code = ?", (POST,))[0]["chat_id"] == group.id
    fake.assert_no_errors()


async def test_a_demoted_bot_warns_and_a_revocation_then_says_to_remove_by_hand(world):
    group = await world.bind(POST)
    chief = await world.invite(DISTRICT, "supervisor", "Chief")
    officer = await world.invite(POST, name="Dara")
    group.set_bot_status("member", by=world.admin)
    warning = "no longer an administrator allowed to ban users"
    await world.fake.wait_for_message(group.id, lambda m: warning in m.plain_text)
    await world.fake.wait_for_message(chief.chat_id, lambda m: warning in m.plain_text and POST in m.plain_text)
    assert "bot_demoted" in audit_actions(world)
    account = await revoke(world, POST, officer)
    assert "Remove them by hand from the group of" in account.plain_text and POST in account.plain_text
    assert not world.fake.calls_to("banChatMember")
    assert status_in(world, group, officer) == "member"
    world.fake.assert_no_errors()


async def test_a_stranger_joining_a_bound_group_is_reported_to_the_group_and_its_supervisors(world):
    fake = world.fake
    group = await world.bind(POST)
    chief = await world.invite(DISTRICT, "supervisor", "Chief")
    await world.invite(POST, name="Dara")  # enrolled first, then added: no alert
    stranger = fake.user("Evil <b>\u202eman", username="evil_man")
    group.add_member(stranger, by=world.admin)
    alert = await fake.wait_for_message(group.id, lambda m: "is not enrolled in it" in m.plain_text)
    assert "Evil <b>\u202eman (@evil_man)\u202c (id" in alert.plain_text  # escaped, its override closed
    assert str(stranger.id) in alert.plain_text and f"/invite {POST} officer" in alert.plain_text
    assert "Added by Admin" in alert.plain_text
    told = await fake.wait_for_message(chief.chat_id, lambda m: "is not enrolled in it" in m.plain_text)
    assert str(stranger.id) in told.plain_text
    group.remove_member(stranger)  # leaving needs no alert
    spam = FakeUser(fake, fake.world.new_user("Spam", is_bot=True))  # bots count as strangers too
    group.add_member(spam)
    await fake.wait_for_message(group.id, lambda m: str(spam.id) in m.plain_text and "🤖" in m.plain_text)
    assert len(texts(world, group.id, "is not enrolled in it")) == 2
    assert audit_actions(world).count("stranger_joined") == 2
    assert status_in(world, group, stranger) == "left" and not fake.calls_to("banChatMember")
    fake.assert_no_errors()


async def test_under_the_remove_policy_a_stranger_is_removed_at_once(fake, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text(DEFAULT_FILE.read_text().replace('strangers = "alert"', 'strangers = "remove"'))
    world = await make_world(fake, tmp_path, POLICY_FILE=str(policy))
    try:
        group = await world.bind(POST)
        stranger = fake.user("Reader")
        group.add_member(stranger)  # joined by themselves, e.g. through a leaked invite link
        await fake.wait_for_message(group.id, lambda m: "is being removed" in m.plain_text)
        await fake.wait_for(lambda: status_in(world, group, stranger) == "left", what="the stranger removed")
        await fake.wait_for(lambda: fake.calls_to("unbanChatMember"), what="the unban")
        group.add_member(stranger, by=world.admin)  # not banned for good: once enrolled they may be added
        row = world.query("SELECT detail FROM audit_log WHERE action = 'stranger_joined'")[0]
        assert '"policy": "remove"' in row["detail"]
        fake.assert_no_errors()
    finally:
        await world.bot.stop()


async def test_a_revoked_supervisors_unused_link_no_longer_enrols(world):
    chief = await world.invite(DISTRICT, "supervisor", "Chief")
    token = await link_from(world, chief, f"/invite {POST} officer")
    account = await revoke(world, DISTRICT, chief)
    assert "1 unused invitation they created was cancelled" in account.plain_text
    late = await newcomer(world, "Newcomer")
    assert "was cancelled" in await open_link(world, late, token)
    assert not world.query("SELECT * FROM members WHERE user_id = ?", (late.id,))


async def test_a_link_whose_creator_lost_authority_another_way_is_refused_at_enrolment(world):
    chief = await world.invite(DISTRICT, "supervisor", "Chief")
    token = await link_from(world, chief, f"/invite {POST} officer")
    # The chief is demoted by a new officer invitation (no revocation: nothing was cancelled).
    demotion = await link_from(world, world.admin, f"/invite {DISTRICT} officer")
    assert "You are now" in await open_link(world, chief, demotion)
    late = await newcomer(world, "Newcomer")
    text = await open_link(world, late, token)
    assert "no longer works: the person who created it may no longer invite people to" in text
    assert not world.query("SELECT * FROM members WHERE user_id = ?", (late.id,))
    assert "enrol_refused" in audit_actions(world)


async def test_a_used_link_says_already_used(world):
    token = await link_from(world, world.admin, f"/invite {POST} officer")
    first, second = await newcomer(world, "First"), await newcomer(world, "Second")
    assert "You are now" in await open_link(world, first, token)
    used = await open_link(world, second, token)
    assert "was already used" in used and "expired" not in used  # not mistaken for an expired link
    assert "You are now" in await open_link(world, first, token)  # their own link, opened again
    await revoke(world, POST, first)
    assert "was already used" in await open_link(world, first, token)  # no way back in through it
    assert not world.query("SELECT * FROM members WHERE user_id = ? AND revoked_at IS NULL", (first.id,))


async def test_invites_lists_outstanding_invitations_in_scope_and_cancels_them(world):
    fake, admin = world.fake, world.admin
    post_token = await link_from(world, admin, f"/invite {POST} officer")
    await link_from(world, admin, "/invite 0102 officer")  # another province
    await link_from(world, admin, f"/invite {OTHER_POST} officer")
    used = await link_from(world, admin, f"/invite {DISTRICT} supervisor")
    chief = await newcomer(world, "Chief")
    await open_link(world, chief, used)
    chief.send("/invites")
    listing = await fake.wait_for_message(chief.chat_id, lambda m: "Outstanding invitations" in m.plain_text)
    assert POST in listing.plain_text and OTHER_POST in listing.plain_text and "0102" not in listing.plain_text
    assert "by Admin" in listing.plain_text and len(listing.buttons()) == 2  # the used one is gone
    admin.send("/invites")
    listing = await fake.wait_for_message(admin.chat_id, lambda m: "Outstanding invitations" in m.plain_text)
    assert len(listing.buttons()) == 3 and all(len(data.encode()) <= 64 for _, data in listing.buttons())
    assert post_token.removeprefix("inv_") not in str(listing.reply_markup)  # buttons never carry the secret
    post_id = world.query("SELECT id FROM invites WHERE unit_code = ?", (POST,))[0]["id"]
    # Someone without authority over the unit cannot cancel it, even with forged button data.
    officer = await world.invite(DISTRICT, name="Dara")
    query = officer.press_raw(fake.bot_messages(officer.chat_id)[-1], f"iv:{post_id}:cancel")
    await fake.wait_for(lambda: query in fake.callback_answers)
    assert fake.callback_answers[query]["show_alert"]
    query = admin.press(listing, f"iv:{post_id}:cancel")
    await fake.wait_for(lambda: query in fake.callback_answers)
    assert fake.callback_answers[query]["text"] == "Invitation cancelled."
    edited = await fake.wait_for_edit(admin.chat_id, listing.message_id)
    assert POST not in edited.plain_text and len(edited.buttons()) == 2
    assert "was cancelled" in await open_link(world, await newcomer(world, "Late"), post_token)
    assert audit_actions(world).count("invite_cancelled") == 1
    # In a unit's group: that unit's invitations only.
    group = await world.bind(OTHER_POST)
    group.send(admin, "/invites")
    shown = await fake.wait_for_message(group.id, lambda m: "Outstanding invitations" in m.plain_text)
    assert OTHER_POST in shown.plain_text and "0102" not in shown.plain_text and len(shown.buttons()) == 1
    fake.assert_no_errors()


async def test_a_ban_telegram_refuses_is_reported_to_the_revoker_and_the_group(world):
    group = await world.bind(POST)
    officer = await world.invite(POST, name="Dara")
    world.fake.world.set_member_status(group.chat, officer.id, "administrator", world.admin.id)  # promoted
    await revoke(world, POST, officer)
    by_hand = "Remove them by hand"
    told = await world.fake.wait_for_message(world.admin.chat_id, lambda m: by_hand in m.plain_text)
    assert "they are an administrator of the group" in told.plain_text and str(officer.id) in told.plain_text
    await world.fake.wait_for_message(group.id, lambda m: by_hand in m.plain_text)
    assert status_in(world, group, officer) == "administrator"
    assert "removal_failed" in audit_actions(world)
    refused = [e for e in world.fake.errors if e.method.lower() in ("banchatmember", "unbanchatmember")]
    assert refused and all("user is an administrator of the chat" in e.description for e in refused)
    world.fake.errors[:] = [e for e in world.fake.errors if e not in refused]
    world.fake.assert_no_errors()


async def test_a_revoked_supervisor_leaves_the_groups_below_that_the_bot_saw_them_in(world):
    post_group = await world.bind(POST)
    district_group = await world.bind(DISTRICT)
    other_group = await world.bind(OTHER_POST)
    chief = await world.invite(DISTRICT, "supervisor", "Chief")  # added to the district's group
    post_group.add_member(chief, by=world.admin)
    await world.fake.wait_for(
        lambda: world.query("SELECT * FROM group_presence WHERE chat_id = ? AND user_id = ?", (post_group.id, chief.id))
    )
    account = await revoke(world, DISTRICT, chief)
    assert DISTRICT in account.plain_text and POST in account.plain_text and OTHER_POST not in account.plain_text
    for group in (post_group, district_group):
        await world.fake.wait_for(lambda group=group: status_in(world, group, chief) == "left")
    banned_in = {int(c.params["chat_id"]) for c in world.fake.calls_to("banChatMember")}
    assert banned_in == {post_group.id, district_group.id} and other_group.id not in banned_in
    world.fake.assert_no_errors()
