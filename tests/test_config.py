"""Settings come from the environment as an operator writes them (durations as 90s, 3m, 1wd)."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from bot.domain.deadlines import Duration


def test_durations_are_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env here
    env = {"BOT_TOKEN": "1:x", "ACK_DEADLINE": "3m", "RESOLVE_DEADLINE": "15wd", "SWEEP_INTERVAL": "10s"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.ack_deadline == Duration(3, "m")
    assert settings.resolve_deadline == Duration(15, "wd")
    assert settings.sweep_interval == Duration(10, "s")
    assert settings.escalation_step is None  # the policy file's value applies


def test_a_working_day_sweep_interval_is_refused_in_one_line(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_TOKEN", "1:x")
    monkeypatch.setenv("SWEEP_INTERVAL", "1wd")
    with pytest.raises(ConfigError, match=r"SWEEP_INTERVAL is invalid .*e\.g\. SWEEP_INTERVAL=60s"):
        load_settings()
