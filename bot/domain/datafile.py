"""The ministry's editable data files (categories, policy): TOML checked by a pydantic model, every
problem reported in one line that names the file and the key, so whoever edited it can fix it."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def load_toml(path: Path, model: type[M], error: type[Exception]) -> M:
    try:
        return model.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise error(f"cannot read {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path} is not valid TOML: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise error(f"{path}: {where}: {first['msg'].removeprefix('Value error, ')}") from exc
