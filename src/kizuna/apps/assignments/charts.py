"""The capacity plan's chart, drawn by the chart toolkit (``kizuna.apps.front.charts``): CSMs
needed each month (all teams) against today's headcount."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from kizuna.apps.front import charts
from kizuna.apps.front.formats import month_label
from kizuna.core.capacity import CapacityMonth


def csms_needed(plan: Sequence[CapacityMonth]) -> charts.Chart:
    """Bars: the CSMs needed each month (each team's need rounded up, summed), the count
    written above each; a dashed line at today's headcount."""
    needed = [sum(need.needed_ceil for need in month.teams) for month in plan]
    headcount = sum(need.headcount for need in plan[0].teams) if plan else 0
    name = _("CSMs needed")
    return charts.category_chart(
        [month_label(month.month) for month in plan],
        bars=charts.Bars(name, [float(n) for n in needed], value_labels=True),
        references=[charts.Reference(float(headcount), _("Today: %(n)s") % {"n": headcount})],
        y=charts.Axis(title=_("CSMs (people)"), integer=True),
        x_title=_("Month"),
        width=760,
        height=230,
        label=name,
        legend=False,
    )
