"""One chat's queue in the outbox sender: a lane per complaint, lanes served in turn, and coalescing.

- Lanes: the messages about one complaint keep their order; the lanes of different complaints take
  turns, one message each, so a new complaint's card is never stuck behind another complaint's
  chatter (Telegram lets the bot post only 20 messages a minute in a group). Messages about no
  complaint share one lane, unless they ask for their own (OWN_LANE: a notice that must not wait
  behind the answers to a flood). A message threaded under (`reply_to_outbox`) or editing
  (`edit_of_outbox`) a message still queued joins that message's lane, so it always follows it.
- Card refreshes: an edit of a card replaces the older edit of the same card still waiting. The
  older one is recorded as sent without a call (state 'sent', no message id, like an edit Telegram
  calls "not modified"): the newer one carries the card's whole current state.
- Relayed messages: a citizen's text messages about one complaint waiting together for one group
  are sent as one message, each part with its own header, up to Telegram's 4,096 characters
  (`relay_run`). The rows stay as they were queued; they are merged only into the call, and all are
  marked sent with the one message id once Telegram accepted it, so a crash at any point sends
  them again rather than losing any, and what is sent is always the rows' current content.
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace
from typing import Any

from bot.domain.textsplit import html_length
from bot.outgoing import OWN_LANE, RELAY
from db.repositories.outbox import OutboxRow

Lane = int | str | None  # a complaint's id; None for messages about no complaint; a name (OWN_LANE)
_MARKERS = (RELAY, OWN_LANE)  # the bot's own params, never sent to Telegram

_SEPARATOR = "\n\n"
# Removing a person from a group (a revoked officer) goes before anything else waiting for that
# group: a card queued meanwhile must not reach someone who just lost access.
FIRST = "first"
_FIRST_METHODS = ("banChatMember", "unbanChatMember")


class ChatQueue:
    def __init__(self) -> None:
        self._lanes: dict[Lane, deque[OutboxRow]] = {}
        self._turns: deque[Lane] = deque()  # the lanes with something to send; the first one is next
        self._lane_of: dict[int, Lane] = {}  # row id -> lane, for the rows queued here
        self._edits: dict[int, OutboxRow] = {}  # edited row id -> the edit of it waiting here
        self.not_before = 0.0  # wall-clock time before which nothing goes to this chat (a retry)

    @classmethod
    def joined(cls, moved: ChatQueue | None, there: ChatQueue | None, chat_id: int) -> tuple[ChatQueue, list]:
        """A group's queue after it became the supergroup `chat_id` (whose queue may have begun):
        both, in the order they were queued; and the edits that superseded others meanwhile."""
        joined, superseded = cls(), []
        queues = [q for q in (moved, there) if q is not None]
        joined.not_before = max((q.not_before for q in queues), default=0.0)
        for row in sorted((r for q in queues for r in q.rows()), key=lambda r: r.id):
            older = joined.add(replace(row, chat_id=chat_id))
            if older is not None:
                superseded.append(older)
        return joined, superseded

    def __len__(self) -> int:
        return len(self._lane_of)

    def head(self) -> OutboxRow:
        """The next message to send."""
        return self._lanes[self._turns[0]][0]

    def add(self, row: OutboxRow, *, sending: bool = False) -> OutboxRow | None:
        """Queue a row; returns the older edit it supersedes, if any (never the head being sent)."""
        lane = self._lane_for(row)
        superseded = None
        target = _edit_target(row)
        if target is not None:
            older = self._edits.get(target)
            if older is not None and not (sending and older is self.head()):
                self._remove(older)
                superseded = older
            self._edits[target] = row
        if lane not in self._lanes:
            self._lanes[lane] = deque()
            if lane == FIRST:  # next in turn (after the head, if it is being sent right now)
                self._turns.insert(1 if sending and self._turns else 0, lane)
            else:
                self._turns.append(lane)
        self._lanes[lane].append(row)
        self._lane_of[row.id] = lane
        self.not_before = max(self.not_before, row.next_attempt_at)
        return superseded

    def replace_head(self, row: OutboxRow) -> None:
        """The head with new attempt figures (after a retry)."""
        lane = self._lanes[self._turns[0]]
        assert lane[0].id == row.id
        lane[0] = row

    def pop_head(self) -> OutboxRow:
        """The head is done: remove it; its lane, if not empty, waits for its next turn."""
        lane_key = self._turns.popleft()
        row = self._lanes[lane_key].popleft()
        self._forget(row)
        if self._lanes[lane_key]:
            self._turns.append(lane_key)
        else:
            del self._lanes[lane_key]
        return row

    def discard(self, rows: list[OutboxRow]) -> None:
        """Rows sent as part of the head's call (a merged relay)."""
        for row in rows:
            self._remove(row)

    def rows(self) -> list[OutboxRow]:
        return sorted((row for lane in self._lanes.values() for row in lane), key=lambda r: r.id)

    def relay_run(self, limit: int) -> list[OutboxRow]:
        """The relayed texts after the head, in its lane, that can go out in one message with it: up
        to the first message of another kind (a media copy keeps its place); edits are stepped over
        (they change no order the reader sees)."""
        head = self.head()
        if not _mergeable(head):
            return []
        run, length = [], html_length(head.params["text"])
        for row in list(self._lanes[self._turns[0]])[1:]:
            if _edit_target(row) is not None:
                continue
            if not _mergeable(row) or _merge_key(row) != _merge_key(head):
                break
            length += len(_SEPARATOR) + html_length(row.params["text"])
            if length > limit:
                break
            run.append(row)
        return run

    def _lane_for(self, row: OutboxRow) -> Lane:
        if row.method in _FIRST_METHODS:
            return FIRST
        for key in ("reply_to_outbox", "edit_of_outbox"):
            earlier = row.params.get(key)
            if earlier is not None and int(earlier) in self._lane_of:
                return self._lane_of[int(earlier)]
        own = row.params.get(OWN_LANE)
        return f"own:{own}" if own is not None and row.complaint_id is None else row.complaint_id

    def _remove(self, row: OutboxRow) -> None:
        lane_key = self._lane_of[row.id]
        lane = self._lanes[lane_key]
        lane.remove(row)
        self._forget(row)
        if not lane:
            del self._lanes[lane_key]
            self._turns.remove(lane_key)

    def _forget(self, row: OutboxRow) -> None:
        del self._lane_of[row.id]
        target = _edit_target(row)
        if target is not None and self._edits.get(target) is row:
            del self._edits[target]


def merged(head: OutboxRow, run: list[OutboxRow]) -> OutboxRow:
    """The head carrying the texts of the whole run (itself when the run is empty)."""
    if not run:
        return head
    text = _SEPARATOR.join(r.params["text"] for r in (head, *run))
    return replace(head, params={**head.params, "text": text})


def for_telegram(row: OutboxRow) -> OutboxRow:
    """The row without the bot's own markers (Telegram must never see them)."""
    if not any(marker in row.params for marker in _MARKERS):
        return row
    return replace(row, params={k: v for k, v in row.params.items() if k not in _MARKERS})


def _edit_target(row: OutboxRow) -> int | None:
    target = row.params.get("edit_of_outbox")
    return int(target) if row.method == "editMessageText" and target is not None else None


def _mergeable(row: OutboxRow) -> bool:
    relay: Any = row.params.get(RELAY)
    return (
        row.method == "sendMessage"
        and isinstance(relay, dict)
        and relay.get("to") == "police"
        and "reply_markup" not in row.params
        and isinstance(row.params.get("text"), str)
    )


def _merge_key(row: OutboxRow) -> tuple[Any, Any]:
    return row.params.get("message_thread_id"), row.params.get("reply_to_outbox")
