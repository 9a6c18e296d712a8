"""The demo's renewal forecast: its renewals derived from the lines, health scores back-filled
on the first of each month over the last two years (so that past renewals and past quarters
have grades to calibrate and backtest on), and the CSMs' calls on the open renewals of this
quarter and the next, mostly following the grade, some left empty and some wrong (as people
call)."""

from __future__ import annotations

import datetime as dt
import random

from kizuna.apps.health.models import HealthScore
from kizuna.apps.health.selectors import latest_grades
from kizuna.apps.health.services import health_scores_refresh_days
from kizuna.apps.renewals.models import ForecastCall, Renewal, Stage
from kizuna.apps.renewals.services import renewals_refresh
from kizuna.core.calendar import month_start_before

#: months of back-filled scores (the eight backtested quarters start within them, and the
#: renewals of the last year and a half get a grade 90 days before their date)
BACKFILL_MONTHS = 27
#: the call most CSMs make for a grade; the rest is drawn at random
_CALL_OF_GRADE = {
    1: ForecastCall.LOST, 2: ForecastCall.AT_RISK, 3: ForecastCall.LIKELY, 4: ForecastCall.COMMIT,
    5: ForecastCall.COMMIT,
}  # fmt: skip


def forecast_demo_load(*, as_of: dt.date, large: bool = False, seed: int = 15) -> int:
    """Renewals, back-filled monthly scores (not for a large load-test demo: it has two weeks
    of scores) and calls. Returns the renewals called."""
    renewals_refresh(today=as_of)
    if not large:
        days = [month_start_before(as_of, n) for n in range(1, BACKFILL_MONTHS + 1)]
        scored = set(HealthScore.objects.filter(day__in=days).values_list("day", flat=True))
        health_scores_refresh_days(days=[day for day in days if day not in scored])
    return _calls(as_of, seed)


def _calls(as_of: dt.date, seed: int) -> int:
    rng = random.Random(seed)
    open_rows = list(
        Renewal.objects.filter(
            date__gt=as_of,
            date__lte=as_of + dt.timedelta(days=180),
            forecast_call="",
            stage__in=[Stage.NOT_STARTED, Stage.PLAN_DRAFTED, Stage.NEGOTIATION, Stage.COMMITTED],
        ).order_by("id")
    )
    grades = latest_grades(account_ids=[row.account_id for row in open_rows])
    changed = []
    choices = list(ForecastCall)
    for row in open_rows:
        draw = rng.random()
        if draw < 0.15:
            continue  # not called yet
        grade = grades.get(row.account_id)
        if grade is None or draw > 0.85:
            row.forecast_call = rng.choice(choices)
        else:
            row.forecast_call = _CALL_OF_GRADE[grade]
        changed.append(row)
    Renewal.objects.bulk_update(changed, ["forecast_call"], batch_size=1000)
    return len(changed)
