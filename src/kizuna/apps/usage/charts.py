"""The account page's usage chart, drawn by the chart toolkit (``kizuna.apps.front.charts``):
events a day as bars (left axis) and daily active users as a line (right axis)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _

from kizuna.apps.front import charts
from kizuna.apps.front.formats import day_in_month_label

#: days the chart shows, today included
CHART_DAYS = 60


@dataclass(frozen=True)
class UsageChart:
    chart: charts.Chart
    max_events: int
    max_users: int


def daily_usage(days: dict[dt.date, tuple[int, int]], *, today: dt.date) -> UsageChart:
    """The last :data:`CHART_DAYS` days up to ``today``; a day without a rollup is 0."""
    first = today - dt.timedelta(days=CHART_DAYS - 1)
    span = [first + dt.timedelta(days=n) for n in range(CHART_DAYS)]
    events = [days.get(day, (0, 0))[0] for day in span]
    users = [days.get(day, (0, 0))[1] for day in span]
    hover = [
        f"{formats.date_format(day, 'SHORT_DATE_FORMAT')}: "
        + _("%(events)s events, %(users)s active users") % {"events": e, "users": u}
        for day, e, u in zip(span, events, users, strict=True)
    ]
    events_name, users_name = _("Events per day"), _("Active users per day")
    chart = charts.category_chart(
        [day_in_month_label(day) for day in span],
        bars=charts.Bars(events_name, [float(e) for e in events]),
        lines=[charts.Series(users_name, [float(u) for u in users], charts.PALETTE[0], right=True)],
        y=charts.Axis(title=events_name, integer=True),
        y2=charts.Axis(title=users_name, integer=True),
        x_title=_("Day"),
        width=820,
        height=210,
        label=_("Daily events and active users (60 days)"),
        hover=hover,
    )
    return UsageChart(chart=chart, max_events=max(events), max_users=max(users))
