"""Durations, Cambodian working days, the policy file and the escalation ladder, without Telegram."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from bot.domain.deadlines import TIMEZONE, Duration, WorkCalendar
from bot.domain.places import Gazetteer
from bot.domain.policy import PolicyError, load_policy
from bot.domain.units import MINISTRY, default_registry
from bot.services.clocks import ladder


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=TIMEZONE).timestamp()


def local(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, TIMEZONE).strftime("%Y-%m-%d %H:%M")


def test_durations_parse_and_add():
    assert Duration.parse("90s").after(0) == 90
    assert Duration.parse("30m").after(0) == 1800
    assert Duration.parse("24h").after(0) == 86400
    assert Duration.parse("3d").after(0) == 3 * 86400
    for wrong in ("2 weeks", "0s", "-1h", "1.5wd", ""):
        with pytest.raises(ValueError):
            Duration.parse(wrong)


def test_working_days_skip_weekends():
    one = Duration.parse("1wd")
    assert local(one.after(at("2026-11-20 10:00"))) == "2026-11-26 10:00"  # Fri → Thu: the Water Festival, 23-25 Nov
    assert local(one.after(at("2026-11-27 10:00"))) == "2026-11-30 10:00"  # Fri → Mon
    assert local(one.after(at("2026-11-28 22:00"))) == "2026-11-30 22:00"  # a Saturday night → Monday


def test_working_days_across_khmer_new_year():
    # Khmer New Year 2026 is Tuesday 14 to Thursday 16 April.
    assert local(Duration.parse("1wd").after(at("2026-04-13 09:00"))) == "2026-04-17 09:00"
    assert (
        local(Duration.parse("3wd").after(at("2026-04-10 15:30"))) == "2026-04-20 15:30"
    )  # Fri → Mon 13, Fri 17, Mon 20
    calendar = WorkCalendar()
    assert not calendar.is_working_day(datetime(2026, 4, 15).date())
    assert "Khmer New Year" in (calendar.holiday_name(datetime(2026, 4, 15).date()) or "")


def test_working_days_across_pchum_ben():
    # Pchum Ben 2026 is Saturday 10 to Monday 12 October.
    assert local(Duration.parse("1wd").after(at("2026-10-09 11:00"))) == "2026-10-13 11:00"
    assert local(Duration.parse("2wd").after(at("2026-10-08 11:00"))) == "2026-10-13 11:00"
    assert WorkCalendar().holiday_name(datetime(2026, 10, 11).date(), "km")  # Khmer names too


def test_policy_defaults_categories_and_overrides():
    policy = load_policy(known_categories={"trafficking", "domestic_violence", "drugs"})
    assert str(policy.acknowledge("drugs")) == "1wd" and str(policy.resolve("drugs")) == "15wd"
    assert str(policy.acknowledge("trafficking")) == "4h" and str(policy.resolve("trafficking")) == "5wd"
    fast = policy.with_overrides(acknowledge=Duration.parse("2s"), escalation_step=Duration.parse("3s"))
    assert str(fast.acknowledge("drugs")) == "2s" and str(fast.escalation_step) == "3s"
    assert str(fast.acknowledge("trafficking")) == "4h"  # a category's own value stays


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[defaults]\nresolve = "2 weeks"\n', "defaults.resolve: '2 weeks' is not a duration"),
        ('[escalation]\nlevels = ["post"]\n', "escalation.levels"),
        ('[defaults]\nacknowlege = "1d"\n', "defaults.acknowlege"),
        ('[category.nothing]\nresolve = "1d"\n', "category.nothing: no such category"),
        ("[daily_summary]\nhour = 25\n", "daily_summary.hour"),
        ("not toml [", "is not valid TOML"),
    ],
)
def test_policy_errors_name_the_key(tmp_path: Path, text, message):
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match=message.replace("[", r"\[").replace(".", r"\.")):
        load_policy(path, known_categories={"drugs"})


def test_the_ladder_skips_unbound_levels_and_ends_at_the_ministry():
    registry = default_registry(Gazetteer.load())
    levels = ("district", "province")
    assert ladder(registry, "171001", levels) == []  # nothing bound: nobody to escalate to
    from dataclasses import replace

    for code in ("1710", MINISTRY):
        registry.units[code] = replace(registry.units[code], chat_id=-100 - len(code))
    assert [u.code for u in ladder(registry, "171001", levels)] == ["1710", MINISTRY]
    registry.units["17"] = replace(registry.units["17"], chat_id=-17)
    assert [u.code for u in ladder(registry, "171001", levels)] == ["1710", "17", MINISTRY]
    assert [u.code for u in ladder(registry, "1710", levels)] == ["17", MINISTRY]  # a district's own miss
    assert [u.code for u in ladder(registry, "171001", ("province",))] == ["17", MINISTRY]
