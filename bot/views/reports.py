"""The words of supervisors' files and requests: the /stats caption and chart labels, the /export
caption, columns and cells, and how to ask for /reveal. The figures themselves are in
bot.views.supervision."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot import charts
from bot.domain import tracking
from bot.domain.categories import Categories
from bot.domain.places import path_label
from bot.domain.units import Registry, Unit
from bot.i18n import Translator
from bot.outgoing import Screen
from bot.views.supervision import figures_lines
from db.repositories.figures import Figures

CAPTION_LIMIT = 1000  # of Telegram's 1,024 characters for a photo's caption
CAPTION_FIGURES = 5  # the first lines of the figures, under the chart


def stats_caption(t: Translator, days: int, found: Figures, units: dict[str, Unit]) -> str:
    lines = ["📈 <b>" + t("Last %(days)s days", days=t.number(days)) + "</b>", *figures_lines(t, found, units)]
    return "\n".join(lines[: 1 + CAPTION_FIGURES])[:CAPTION_LIMIT]


def chart_text(t: Translator, unit: Unit, days: int) -> charts.ChartText:
    return charts.ChartText(
        title=t("Complaints, last %(days)s days · %(unit)s", days=t.number(days), unit=unit.name(t.lang)),
        filed=t("filed"),
        overdue=t("became overdue"),
        per_day=t("Per day"),
        per_unit=t("By unit: filed, and overdue now"),
        numbers=t.number,
    )


def export_caption(t: Translator, count: int, days: int) -> str:
    return t("%(count)s complaints of the last %(days)s days.", count=t.number(count), days=t.number(days))


def export_header(t: Translator, *, identities: bool) -> list[str]:
    header = [
        t("Tracking number"),
        t("Filed on"),
        t("Category"),
        t("Place"),
        t("Unit"),
        t("Status"),
        t("Acknowledged"),
        t("Closed"),
        t("Citizen"),
        t("Rating"),
        t("What happened"),
    ]
    if identities:
        header += [t("Telegram user id"), t("Telegram name"), t("Phone")]
    return header


def export_cells(
    t: Translator, row: Mapping[str, Any], registry: Registry, categories: Categories, *, identities: bool
) -> list[object]:
    """One complaint's cells, as `export_header` names them (plain text: a spreadsheet shows no HTML)."""
    category = categories.get(row["category"])
    unit = registry.get(row["unit_code"] or "")
    cells: list[object] = [
        tracking.display(row["tracking_no"], "en"),
        t.datetime(row["created_at"]),
        category.label(t.lang) if category else row["category"],
        path_label(row["commune_code"], t.lang),
        unit.name(t.lang) if unit else "",
        row["status"],
        t.datetime(row["acknowledged_at"]) if row["acknowledged_at"] else "",
        t.datetime(row["closed_at"]) if row["closed_at"] else "",
        t("Citizen %(pseudonym)s", pseudonym=row["pseudonym"]),
        row["feedback"] or "",
        row["description"],
    ]
    if identities:
        cells += [
            row["citizen_id"],
            " ".join(x for x in (row["first_name"], row["username"] and "@" + row["username"]) if x),
            row["phone"] or "",
        ]
    return cells


def reveal_usage(t: Translator) -> Screen:
    return Screen(
        t(
            "Send /reveal followed by the tracking number and the reason, e.g. "
            "/reveal 482-913-0574 the citizen asked to be called back."
        )
    )
