"""Benchmarks: the intake bot against the fake Telegram server, with a bare PTB echo bot as baseline."""
