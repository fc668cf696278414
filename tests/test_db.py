"""Storage on a real SQLite file: migrations, transactions, repositories, backup."""

from __future__ import annotations

import dataclasses
import sqlite3

import pytest

from bot.domain import intake
from bot.domain.complaint import NewComplaint, Status
from bot.domain.intake import ContactMode, Draft, Evidence
from bot.outgoing import Outgoing
from db.database import Database, IntegrityError, UpdateMark, current_update, open_database
from db.migrate import available, migrate
from db.repositories import complaints, drafts, inbox, messages, outbox, pending, users
from db.repositories.inbox import InboxItem
from tests import dbaccess


@pytest.fixture
async def db(tmp_path):
    database = await open_database(dbaccess.url_for(tmp_path / "bot.sqlite3", migrated=False))
    await migrate(database)
    yield database
    await database.close()


def finished_draft() -> Draft:
    draft = intake.choose_category(Draft(), "drugs", {"drugs"})
    draft = intake.choose_place(draft, "171001", ["17", "1710", "171001"])
    draft = intake.add_description(draft, "A <b>bold</b> & 'quoted' description")
    draft = intake.finish_description(draft)
    draft = intake.add_evidence(draft, Evidence("photo", "f1", "u1", 10, caption="cap"))
    draft = intake.finish_evidence(draft)
    return intake.set_contact(draft, ContactMode.TYPED, "+85512345678")


async def test_migrations_apply_once(db, tmp_path):
    assert await migrate(db) == []  # already applied by the fixture
    async with db.read() as tx:
        versions = [r[0] for r in await tx.fetchall("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == [v for v, _ in available()]


async def test_a_failed_transaction_leaves_nothing(db):
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await users.touch(tx, 1)
            raise RuntimeError("boom")
    async with db.read() as tx:
        assert await users.get(tx, 1) is None


async def test_filing_stores_complaint_evidence_and_first_event(db):
    async with db.transaction() as tx:
        await users.touch(tx, 42)
        seq = await users.next_draft_seq(tx, 42)
        await drafts.create(tx, 42, seq, finished_draft())
        stored = await drafts.get(tx, 42)
        filed = await complaints.file(tx, NewComplaint(42, seq, stored.draft, "km"), 2025)
    async with db.read() as tx:
        again = await complaints.of_citizen_by_number(tx, 42, filed.tracking_no)
        assert again == filed
        assert again.description == "A <b>bold</b> & 'quoted' description"  # stored exactly as typed
        assert again.status == Status.SUBMITTED and again.phone == "+85512345678"
        assert await complaints.evidence_count(tx, filed.id) == 1
        assert await complaints.events(tx, filed.id) == []  # the history is the lifecycle's (delivery.dispatch)
        # Someone else's number answers like a number that does not exist.
        assert await complaints.of_citizen_by_number(tx, 43, filed.tracking_no) is None


async def test_the_same_draft_cannot_be_filed_twice(db):
    async with db.transaction() as tx:
        await users.touch(tx, 42)
        await complaints.file(tx, NewComplaint(42, 1, finished_draft(), "en"), 2025)
    with pytest.raises(IntegrityError):
        async with db.transaction() as tx:
            await complaints.file(tx, NewComplaint(42, 1, finished_draft(), "en"), 2025)


async def test_inbox_ignores_redelivered_updates_and_marks_with_the_handlers_transaction(db):
    items = [InboxItem(7, "c1", "{}"), InboxItem(8, "c1", "{}")]
    async with db.transaction() as tx:
        assert await inbox.store(tx, items) == items
    async with db.transaction() as tx:
        assert await inbox.store(tx, [InboxItem(8, "c1", "{}"), InboxItem(9, "c2", "{}")]) == [InboxItem(9, "c2", "{}")]
    token = current_update.set(UpdateMark(7))
    try:
        async with db.transaction() as tx:
            await users.touch(tx, 5)
    finally:
        current_update.reset(token)
    async with db.read() as tx:
        assert [i.update_id for i in await inbox.pending(tx)] == [8, 9]


async def test_outbox_rows_keep_order_and_follow_a_migrated_chat(db):
    async with db.transaction() as tx:
        first = await outbox.add(tx, Outgoing(-100, "sendMessage", {"text": "1"}, "notify"))
        second = await outbox.add(tx, Outgoing(-100, "sendMessage", {"text": "2"}, "notify"))
        await outbox.mark_sent_many(tx, [(first, 55, 1.0)])
        await messages.record(tx, [(first, 55, 1.0)])
        assert await outbox.move_chat(tx, -100, -1001234) == 1
    async with db.read() as tx:
        pending = await outbox.pending_after(tx, 0)
        assert [(r.id, r.chat_id, r.params["text"]) for r in pending] == [(second, -1001234, "2")]
        assert await messages.message_id_of(tx, first) == 55


@dbaccess.sqlite_only
async def test_backup_is_a_checked_consistent_copy(db, tmp_path):
    async with db.transaction() as tx:
        await users.touch(tx, 1)
    target = tmp_path / "backup.sqlite3"
    await db.backup_to(target)
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 1
    copy.close()


def mode(path) -> int:
    return path.stat().st_mode & 0o777


@dbaccess.sqlite_only
async def test_database_and_backups_are_private_to_the_bot_user(tmp_path):
    # Under the usual umask 022 files came out 0644: readable by every account on the server.
    database = await Database.open(tmp_path / "new" / "bot.sqlite3")
    try:
        await migrate(database)
        assert mode(tmp_path / "new") == 0o700
        assert mode(tmp_path / "new" / "bot.sqlite3") == 0o600
        assert mode(tmp_path / "new" / "bot.sqlite3-wal") == 0o600
        await database.backup_to(tmp_path / "backups" / "copy.sqlite3")
        assert mode(tmp_path / "backups") == 0o700 and mode(tmp_path / "backups" / "copy.sqlite3") == 0o600
    finally:
        await database.close()


@dbaccess.sqlite_only
async def test_an_existing_world_readable_database_is_narrowed_on_open(tmp_path):
    path = tmp_path / "old.sqlite3"
    sqlite3.connect(path).close()
    path.chmod(0o644)
    database = await Database.open(path)
    await database.close()
    assert mode(path) == 0o600


async def test_messages_are_backfilled_from_sent_rows_and_handles_stop_being_outbox_keys(tmp_path, monkeypatch):
    import db.migrate as migrations

    every = migrations.available()
    monkeypatch.setattr(migrations, "available", lambda: [m for m in every if m[0] < 7])
    database = await open_database(dbaccess.url_for(tmp_path / "old.sqlite3", migrated=False))
    try:
        await migrate(database)
        group = -100
        async with database.transaction() as tx:
            await users.touch(tx, 42)
            # No evidence: its table has the columns of later migrations (0010) in the code's INSERT.
            old_draft = dataclasses.replace(finished_draft(), evidence=())
            filed = await complaints.file(tx, NewComplaint(42, 1, old_draft, "en"), 2025)

            async def row(method: str, state: str, message_id: int | None, complaint_id: int | None = filed.id) -> int:
                return await tx.insert(
                    "INSERT INTO outbox (chat_id, method, payload, priority, state, next_attempt_at, created_at, "
                    "sent_at, message_id, complaint_id) VALUES (?, ?, '{}', 'notify', ?, 1.0, 1.0, ?, ?, ?)",
                    (group, method, state, 2.0 if state == "sent" else None, message_id, complaint_id),
                )

            card = await row("sendMessage", "sent", 100)
            edit = await row("editMessageText", "sent", 100)  # an edit makes no message
            parts = [await row("sendMessage", "sent", 101), await row("sendMessage", "sent", 101)]  # merged relay
            prompt = await row("sendMessage", "sent", 102)
            ban = await row("banChatMember", "sent", None, None)
            await row("sendMessage", "failed", None)
            waiting = await row("sendMessage", "pending", None)
            await tx.execute("UPDATE complaints SET card_outbox_id = ? WHERE id = ?", (card, filed.id))
            await tx.execute(
                "INSERT INTO pending_inputs (chat_id, user_id, complaint_id, action, detail, prompt_outbox_id, "
                "created_at) VALUES (?, 7, ?, 'reply', '{}', ?, 1.0)",
                (group, filed.id, prompt),
            )
            await tx.execute(
                "INSERT INTO removals (outbox_id, chat_id, user_id, reason, created_at) "
                "VALUES (?, ?, 8, 'revoked', 1.0)",
                (ban, group),
            )

        monkeypatch.setattr(migrations, "available", lambda: every)
        assert (await migrate(database))[0] == 7
        async with database.read() as tx:
            found = await tx.fetchall("SELECT outbox_id, chat_id, message_id, complaint_id, sent_at FROM messages")
            assert [tuple(r) for r in found] == [
                (card, group, 100, filed.id, 2.0),
                (parts[0], group, 101, filed.id, 2.0),
                (parts[1], group, 101, filed.id, 2.0),
                (prompt, group, 102, filed.id, 2.0),
            ]
            assert edit not in {r[0] for r in found}
            assert (await complaints.get(tx, filed.id)).card_outbox_id == card
            assert (await pending.for_prompt(tx, group, 102)).complaint_id == filed.id
            assert (await complaints.by_bot_message(tx, group, 101)).id == filed.id
            assert await messages.row_of_message(tx, group, 101) == parts[0]
            assert await tx.fetchval("SELECT outbox_id FROM removals") == ban
        # The handles are no foreign keys to the outbox any more: its sent rows can go.
        async with database.transaction() as tx:
            assert await tx.execute("DELETE FROM outbox WHERE state != 'pending'") == 7
        async with database.read() as tx:
            assert await messages.message_id_of(tx, card) == 100
            assert [r.id for r in await outbox.pending_after(tx, 0)] == [waiting]
    finally:
        await database.close()
