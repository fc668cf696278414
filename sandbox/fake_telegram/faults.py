"""Fault injection rules: make the next calls of a method fail the way Telegram or the network can."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import ApiError, default_description


@dataclass
class Fault:
    """One injected failure rule.

    ``after_accept`` faults let the call succeed inside the fake (the message is stored and
    delivered) and only then fail the HTTP exchange: with ``error_code`` as status, or by dropping
    the connection when ``drop_connection`` is set.  That is "Telegram accepted it but the answer
    was lost".
    """

    method: str  # lower-case method name
    error_code: int = 500
    description: str | None = None
    retry_after: int | None = None
    migrate_to_chat_id: int | None = None
    times: int = 1
    chat_id: int | str | None = None
    after_accept: bool = False
    drop_connection: bool = False

    def matches(self, method: str, chat_ref: str | None) -> bool:
        if self.times <= 0 or self.method != method.lower():
            return False
        return self.chat_id is None or str(self.chat_id) == (chat_ref or "")

    def error(self) -> ApiError:
        parameters: dict[str, Any] = {}
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if self.migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = self.migrate_to_chat_id
        description = self.description or default_description(self.error_code, self.retry_after)
        return ApiError(self.error_code, description, parameters or None)


class FaultPlan:
    """The active fault rules, consumed in the order they were added."""

    def __init__(self) -> None:
        self.rules: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        self.rules.append(fault)
        return fault

    def take(self, method: str, chat_ref: str | None, *, after_accept: bool) -> Fault | None:
        """Consume one use of the first rule matching this call, if any."""
        for fault in self.rules:
            if fault.after_accept == after_accept and fault.matches(method, chat_ref):
                fault.times -= 1
                if fault.times <= 0:
                    self.rules.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        self.rules.clear()
