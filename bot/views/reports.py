"""The words of supervisors' files and requests: the /stats caption and chart labels, the /export
caption, columns and cells, and how to ask for /reveal. The figures themselves are in
bot.views.supervision."""

from __future__ import annotations

from bot import charts
from bot.domain.units import Level, Unit
from bot.i18n import N_, Translator
from bot.outgoing import Screen
from bot.views.supervision import figures_lines
from db.repositories.figures import Figures

CAPTION_LIMIT = 1000  # of Telegram's 1,024 characters for a photo's caption
CAPTION_FIGURES = 5  # the first lines of the figures, under the chart


def stats_caption(t: Translator, days: int, found: Figures, units: dict[str, Unit]) -> str:
    lines = ["📈 <b>" + t("Last %(days)s days", days=t.number(days)) + "</b>", *figures_lines(t, found, units)]
    return "\n".join(lines[: 1 + CAPTION_FIGURES])[:CAPTION_LIMIT]


_BY_UNIT = N_("By unit: filed · overdue now")
_BREAKDOWN = {
    Level.MINISTRY: N_("By province: filed · overdue now"),
    Level.PROVINCE: N_("By district: filed · overdue now"),
}


def chart_text(t: Translator, unit: Unit, days: int) -> charts.ChartText:
    return charts.ChartText(
        title=t("Complaints, last %(days)s days · %(unit)s", days=t.number(days), unit=unit.name(t.lang)),
        filed=t("filed"),
        overdue=t("became overdue"),
        per_day=t("Per day"),
        per_unit=t(_BREAKDOWN.get(unit.level, _BY_UNIT)),
        numbers=t.number,
        more_units=lambda n: t.plural("and %(num)s more unit", "and %(num)s more units", n),
    )


def export_caption(t: Translator, count: int, days: int) -> str:
    return t("%(count)s complaints of the last %(days)s days.", count=t.number(count), days=t.number(days))


def reveal_usage(t: Translator) -> Screen:
    return Screen(
        t(
            "Send /reveal followed by the tracking number and the reason, e.g. "
            "/reveal 482-913-0574 the citizen asked to be called back."
        )
    )
