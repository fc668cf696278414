"""Typed access to Bot API request parameters.

PTB sends every value as a string (non-strings JSON-encoded); JSON request bodies carry native
values.  :class:`Params` accepts both, so methods never care which one arrived.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import bad_request


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes

    def __repr__(self) -> str:
        return f"<Upload {self.filename!r} {len(self.data)} bytes>"


class Params:
    """Parameters of one Bot API call."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = dict(values)

    def __contains__(self, name: str) -> bool:
        return name in self.values and self.values[name] not in (None, "")

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def str(self, name: str, *, required: bool = False) -> str | None:
        value = self.values.get(name)
        if value is None or isinstance(value, Upload):
            if required:
                raise bad_request(f"{name} is empty")
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def int(self, name: str, *, required: bool = False) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def float(self, name: str, *, required: bool = False) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def bool(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def json(self, name: str, *, required: bool = False) -> Any:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None

    def upload(self, ref: Any) -> Upload | None:
        """The multipart part for a value that is an upload or an ``attach://<name>`` reference."""
        if isinstance(ref, Upload):
            return ref
        if isinstance(ref, str) and ref.startswith("attach://"):
            part = self.values.get(ref[len("attach://") :])
            if not isinstance(part, Upload):
                raise bad_request(f"file of {ref} not found in the request")
            return part
        return None

    def loggable(self) -> dict[str, Any]:
        """Parameters for the call log; uploads become short descriptions."""
        return {k: (repr(v) if isinstance(v, Upload) else v) for k, v in self.values.items()}
