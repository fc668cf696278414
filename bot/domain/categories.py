"""Complaint categories: a data file the ministry edits, validated before the bot starts."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from bot.domain.datafile import load_toml

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "data" / "categories.toml"


class Category(BaseModel, frozen=True):
    # Short ASCII keys: they travel in callback_data (64 bytes at most) and are stored forever.
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,23}$")
    label_en: str = Field(min_length=1, max_length=60)
    label_km: str = Field(min_length=1, max_length=60)
    route: Literal["post", "district"] = "post"
    retired: bool = False

    def label(self, lang: str) -> str:
        return self.label_km if lang == "km" else self.label_en


class Categories(BaseModel, frozen=True):
    category: list[Category]

    @field_validator("category")
    @classmethod
    def _unique_keys(cls, value: list[Category]) -> list[Category]:
        keys = [c.key for c in value]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"duplicate category keys: {', '.join(duplicates)}")
        return value

    @model_validator(mode="after")
    def _some_active(self) -> Categories:
        if not self.active():
            raise ValueError("at least one category must not be retired")
        return self

    def active(self) -> list[Category]:
        return [c for c in self.category if not c.retired]

    def get(self, key: str) -> Category | None:
        return next((c for c in self.category if c.key == key), None)


class CategoriesError(ValueError):
    pass


def load_categories(path: Path | None = None) -> Categories:
    path = path or DEFAULT_FILE
    return load_toml(path, Categories, CategoriesError)
