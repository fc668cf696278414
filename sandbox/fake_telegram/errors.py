"""Bot API errors as Telegram reports them.

Every failure the fake returns is an :class:`ApiError`.  The descriptions are the strings Telegram
sends (bot code should match them with ``in``, never ``==``).  Helpers below build the common ones
so the method implementations read like the Bot API documentation.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error response: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class ButtonNotFound(AssertionError):
    """Raised by the user-side driver when a test presses a button that is not on the keyboard."""


def bad_request(reason: str, parameters: dict[str, Any] | None = None) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}", parameters)


def forbidden(reason: str) -> ApiError:
    return ApiError(403, f"Forbidden: {reason}")


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized")


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def conflict(reason: str) -> ApiError:
    return ApiError(409, f"Conflict: {reason}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})


def migrated(new_chat_id: int) -> ApiError:
    return bad_request("group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": new_chat_id})


MESSAGE_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
WRONG_FILE_ID = "wrong file identifier/HTTP URL specified"
GET_UPDATES_CONFLICT = "terminated by other getUpdates request; make sure that only one bot instance is running"
WEBHOOK_CONFLICT = "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"

DEFAULT_DESCRIPTIONS: dict[int, str] = {
    400: "Bad Request: injected failure",
    401: "Unauthorized",
    403: "Forbidden: injected failure",
    404: "Not Found",
    409: GET_UPDATES_CONFLICT,
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def default_description(code: int, retry_after: int | None = None) -> str:
    """A plausible description for an injected error with the given code."""
    if code == 429:
        return f"Too Many Requests: retry after {retry_after or 1}"
    if code == 409:
        return f"Conflict: {GET_UPDATES_CONFLICT}"
    return DEFAULT_DESCRIPTIONS.get(code, f"Error {code}")
