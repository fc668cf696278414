"""The lifecycle as pure code: random event sequences keep its invariants, and illegal moves are refused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import lifecycle as lc
from bot.domain.complaint import Feedback, Status
from bot.domain.routing import Route

OFFICER = lc.By("officer", 7, "Dara", "officer")
CITIZEN = lc.By("citizen", 42)
UNITS = ("171001", "171002", "1710", "17", "KH")
LEVELS = ("1710", "17", "KH")  # the levels above the posts, lowest first


def routes() -> st.SearchStrategy[Route]:
    # Sometimes the unit's chat is missing and the card goes above it, or nowhere yet.
    return st.builds(
        lambda unit, fallback: Route(unit, {"self": unit, "up": "17", "none": None}[fallback]),
        st.sampled_from(UNITS),
        st.sampled_from(("self", "self", "up", "none")),
    )


COMMANDS = st.one_of(
    st.tuples(st.just("route"), routes()),
    st.tuples(st.just("acknowledge")),
    st.tuples(st.just("reply")),
    st.tuples(st.just("citizen_message")),
    st.tuples(st.just("transfer"), st.sampled_from(UNITS), routes()),
    st.tuples(st.just("resolve")),
    st.tuples(st.just("reject")),
    st.tuples(st.just("rate"), st.sampled_from(list(Feedback)), routes()),
    st.tuples(st.just("miss"), st.booleans()),
    st.tuples(st.just("remind"), st.sampled_from(LEVELS)),
    st.tuples(st.just("take_over"), st.sampled_from(LEVELS)),
    st.tuples(st.just("reassign"), st.sampled_from(LEVELS), st.sampled_from(UNITS), routes()),
    st.tuples(st.just("reopen"), routes()),
    st.tuples(st.just("reroute"), routes()),
)


def run(case: lc.Case, command: tuple) -> lc.Transition:
    name, *args = command
    if name == "route":
        return lc.route(case, args[0])
    if name == "acknowledge":
        return lc.acknowledge(case, OFFICER)
    if name == "reply":
        return lc.reply(case, OFFICER, "When?")
    if name == "citizen_message":
        return lc.citizen_message(case, CITIZEN, "At nine.")
    if name == "transfer":
        target, to = args
        return lc.transfer(case, OFFICER, target, Route(target, to.handler and target), "wrong place")
    if name == "resolve":
        return lc.resolve(case, OFFICER, "Done.")
    if name == "reject":
        return lc.reject(case, OFFICER, "duplicate", "Filed twice.")
    if name == "rate":
        return lc.rate(case, CITIZEN, args[0], args[1])
    if name == "miss":
        # The sweep fires the running clock; the next level is the lowest one not yet asked.
        escalate, clock = args[0], case.clock
        if clock is None:
            clock = lc.Clock(lc.ClockKind.ACKNOWLEDGE, case.handler or "171001")
        above = [u for u in LEVELS if u != case.handler and u not in case.escalated_to]
        nxt = above[0] if escalate and above else None
        return lc.miss_deadline(case, clock, nxt, tell_ministry=nxt != "KH")
    if name == "remind":
        return lc.remind(case, OFFICER, args[0])
    if name == "take_over":
        return lc.take_over(case, OFFICER, args[0])
    if name == "reassign":
        level, target, to = args
        return lc.reassign(case, OFFICER, level, target, Route(target, to.handler and target), "theirs")
    if name == "reroute":
        return lc.reroute(case, args[0])
    return lc.reopen(case, OFFICER, args[0], "wrongly rejected")


def check_invariants(t: lc.Transition, history: list[lc.Entry]) -> None:
    case = t.case
    # The history replays to the current state.
    assert lc.replay(history) == case
    # Exactly one handling unit: a complaint that is with a unit is with exactly one (a single
    # field can hold only one); an open complaint without one is waiting, and then has no clock.
    if case.handler is None:
        assert case.status == Status.SUBMITTED and case.clock is None
    # Clocks agree with the state.
    if not case.is_open:
        assert case.clock is None and case.escalated_to == () and not case.overdue
    elif case.clock is not None:
        expected = lc.ClockKind.ACKNOWLEDGE if case.status == Status.SUBMITTED else lc.ClockKind.RESOLVE
        assert case.clock.kind == expected
        assert case.clock.stage == len(case.escalated_to)
        assert case.clock.unit == (case.escalated_to[-1] if case.escalated_to else case.handler)
        assert case.overdue == bool(case.escalated_to)
    elif case.handler is not None:
        assert case.overdue  # only a missed deadline leaves an open, handled complaint without a clock
    assert len(set(case.escalated_to)) == len(case.escalated_to)
    assert case.handler not in case.escalated_to
    # The effects carry the state change out.
    if case.clock is not None and case.clock != t.before.clock:
        assert lc.StartClock(case.clock) in t.effects
    if t.before.is_open and not case.is_open:
        assert lc.StopClock() in t.effects
    if t.before.handler is not None and case.handler != t.before.handler:
        assert lc.RefreshCards() in t.effects  # the former handler's card shows where it went
    if case.handler is not None and case.handler != t.before.handler:
        assert lc.SendCard(case.handler) in t.effects or lc.AdoptCard(case.handler) in t.effects
    if t.before.escalated_to and case.escalated_to != t.before.escalated_to:
        assert lc.RefreshCards() in t.effects  # the escalation cards lose their buttons


@settings(max_examples=400, deadline=None)
@given(st.lists(COMMANDS, max_size=25))
def test_random_event_sequences_keep_the_invariants(commands):
    filed = lc.file(CITIZEN)
    history = list(filed.entries)
    t = lc.route(filed.case, Route("171001", "171001"))
    history += t.entries
    check_invariants(t, history)
    for command in commands:
        try:
            t = run(t.case, command)
        except lc.Refused:
            continue  # a refused move changes nothing: there is no new case to check
        history += t.entries
        check_invariants(t, history)


def routed(unit: str = "171001") -> lc.Case:
    return lc.route(lc.file(CITIZEN).case, Route(unit, unit)).case


def escalated(case: lc.Case, *levels: str) -> lc.Case:
    for level in levels:
        clock = case.clock
        assert clock is not None
        case = lc.miss_deadline(case, clock, level, tell_ministry=True).case
    return case


def test_after_the_province_takes_over_the_ministry_cannot():
    # The review's case: the ministry's stale Take over moved the complaint from the province.
    case = escalated(routed(), "1710", "17", "KH")
    case = lc.take_over(case, OFFICER, "17").case
    assert case.handler == "17" and case.status == Status.ACKNOWLEDGED and case.escalated_to == ()
    with pytest.raises(lc.Refused) as refused:
        lc.take_over(case, OFFICER, "KH")
    assert refused.value.reason == lc.Refusal.NOT_ESCALATED_HERE


def test_a_deadline_acted_on_in_time_does_not_fire():
    case = routed()
    due = case.clock
    assert due is not None
    case = lc.acknowledge(case, OFFICER).case
    with pytest.raises(lc.Refused) as refused:
        lc.miss_deadline(case, due, "1710", tell_ministry=True)
    assert refused.value.reason == lc.Refusal.STALE_CLOCK


def test_transitions_the_old_table_got_wrong():
    # An appeal reopens a resolved complaint as submitted, one level up; a transfer starts the
    # receiving unit's time to acknowledge.
    case = lc.resolve(routed(), OFFICER, "Done.").case
    appeal = lc.rate(case, CITIZEN, Feedback.UNSATISFIED, Route("1710", "1710"))
    assert appeal.case.status == Status.SUBMITTED and appeal.case.handler == "1710"
    assert lc.TellCitizen(lc.Notice.APPEALED) in appeal.effects
    moved = lc.transfer(lc.acknowledge(routed(), OFFICER).case, OFFICER, "171002", Route("171002", "171002"), "x")
    assert moved.case.status == Status.SUBMITTED and moved.case.handler == "171002"
    assert moved.case.clock == lc.Clock(lc.ClockKind.ACKNOWLEDGE, "171002")


@pytest.mark.parametrize(
    ("make", "command", "reason"),
    [
        (lambda: lc.acknowledge(routed(), OFFICER).case, lambda c: lc.acknowledge(c, OFFICER), lc.Refusal.NOT_WAITING),
        (lambda: lc.resolve(routed(), OFFICER, "x").case, lambda c: lc.reply(c, OFFICER, "x"), lc.Refusal.CLOSED),
        (routed, lambda c: lc.transfer(c, OFFICER, "171001", Route("171001", "171001"), "x"), lc.Refusal.SAME_UNIT),
        (routed, lambda c: lc.rate(c, CITIZEN, Feedback.SATISFIED), lc.Refusal.NOT_RESOLVED),
        (routed, lambda c: lc.remind(c, OFFICER, "1710"), lc.Refusal.NOT_ESCALATED_HERE),
        (routed, lambda c: lc.reopen(c, OFFICER, Route("171001", "171001"), "x"), lc.Refusal.STILL_OPEN),
    ],
)
def test_illegal_moves_are_refused_with_a_reason(make, command, reason):
    with pytest.raises(lc.Refused) as refused:
        command(make())
    assert refused.value.reason == reason
