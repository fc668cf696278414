"""The columns of /export, for analysis: ISO dates beside a local display, stable codes beside the
translated labels (a spreadsheet filters on `resolved` in any language), deadlines and whether they
passed, the level a complaint was escalated to, and how often it was reopened.

Cells are typed Python values (datetime, int, str, None); bot.spreadsheets writes them as CSV text
or as typed .xlsx cells.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.domain import tracking
from bot.domain.categories import Categories
from bot.domain.complaint import Feedback, Status
from bot.domain.places import path_label
from bot.domain.units import Registry
from bot.i18n import N_, TIMEZONE, Translator
from bot.views.card import CARD_STATUS

RATINGS = {Feedback.SATISFIED: N_("satisfied"), Feedback.UNSATISFIED: N_("not satisfied")}
LEVELS = {"ministry": N_("Ministry"), "province": N_("Province"), "district": N_("District"), "post": N_("Post")}


def header(t: Translator, *, identities: bool) -> list[str]:
    names = [
        t("Tracking number"),
        t("Filed (ISO)"),
        t("Filed on"),
        t("Category code"),
        t("Category"),
        t("Commune code"),
        t("Place"),
        t("Unit code"),
        t("Unit"),
        t("Status code"),
        t("Status"),
        t("Deadline (ISO)"),
        t("Overdue (1 = yes)"),
        t("Escalated to (code)"),
        t("Escalated to (level)"),
        t("Times reopened"),
        t("Acknowledged (ISO)"),
        t("Closed (ISO)"),
        t("Citizen"),
        t("Rating code"),
        t("Rating"),
        t("What happened"),
    ]
    if identities:
        names += [t("Telegram user id"), t("Telegram name"), t("Phone")]
    return names


def cells(
    t: Translator,
    row: Mapping[str, Any],
    registry: Registry,
    categories: Categories,
    *,
    identities: bool,
    now: float,
) -> list[object]:
    """One complaint, in the order of `header`."""
    category = categories.get(row["category"])
    unit = registry.get(row["unit_code"] or "")
    status = Status(row["status"])
    deadline = {Status.SUBMITTED: row["ack_due_at"], Status.ACKNOWLEDGED: row["resolve_due_at"]}.get(status)
    escalated = registry.get(row["escalated_to"] or "")
    rating = Feedback(row["feedback"]) if row["feedback"] in tuple(Feedback) else None
    values: list[object] = [
        tracking.display(row["tracking_no"], "en"),
        moment(row["created_at"]),
        t.datetime(row["created_at"]),
        row["category"],
        category.label(t.lang) if category else row["category"],
        row["commune_code"],
        path_label(row["commune_code"], t.lang),
        row["unit_code"],
        unit.name(t.lang) if unit else "",
        status.value,
        t(CARD_STATUS[status]),
        moment(deadline),
        int(deadline is not None and deadline < now),
        row["escalated_to"],
        t(LEVELS[escalated.level.value]) if escalated else None,
        int(row["reopened"] or 0),
        moment(row["acknowledged_at"]),
        moment(row["closed_at"]),
        t("Citizen %(pseudonym)s", pseudonym=row["pseudonym"]),
        rating.value if rating else None,
        t(RATINGS[rating]) if rating else None,
        row["description"],
    ]
    if identities:
        name = " ".join(x for x in (row["first_name"], row["username"] and "@" + row["username"]) if x)
        values += [row["citizen_id"], name, row["phone"]]
    return values


def moment(timestamp: float | None) -> datetime | None:
    """A time as the spreadsheet gets it: Phnom Penh time, to the second."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, TIMEZONE).replace(microsecond=0)
