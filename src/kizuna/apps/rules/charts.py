"""The rule preview's chart: the tasks (bars) and alerts (a line) a rule would have made in
each of the last weeks, one band per week labelled by its first day."""

from __future__ import annotations

import datetime as dt

from django.utils import formats
from django.utils.translation import gettext as _

from kizuna.apps.front import charts
from kizuna.apps.front.formats import day_in_month_label
from kizuna.core.rules.preview import Preview


def _day(day: dt.date) -> str:
    return str(formats.date_format(day, "SHORT_DATE_FORMAT"))


def preview_chart(result: Preview) -> charts.Chart:
    weeks = result.weeks
    tasks_name, alerts_name = _("Tasks"), _("Alerts")
    hover = [
        _("%(start)s – %(end)s: %(tasks)s tasks, %(alerts)s alerts")
        % {"start": _day(w.start), "end": _day(w.end), "tasks": w.tasks, "alerts": w.alerts}
        for w in weeks
    ]
    return charts.category_chart(
        [day_in_month_label(w.start) for w in weeks],
        bars=charts.Bars(tasks_name, [float(w.tasks) for w in weeks], value_labels=True),
        lines=[charts.Series(alerts_name, [float(w.alerts) for w in weeks], colour=charts.DOWN)],
        y=charts.Axis(title=_("tasks and alerts"), integer=True),
        x_title=_("week starting"),
        width=620,
        height=260,
        label=_("Tasks and alerts a week, last 12 weeks"),
        hover=hover,
        legend=True,
    )
