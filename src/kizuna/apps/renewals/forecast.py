"""The renewal forecast as the pages and the API read it: the renewals and the stored health
grades as frames (one query each), calibrated and backtested by ``kizuna.core.renewals``.

Limits, stated (docs/renewals.md, *The forecast*):

- grades are the **stored** daily scores (``HealthScore``): a renewal's grade 90 days before
  its date is the latest stored one in the 30 days up to that day. Scores are not replayed for
  days the daily job never scored (the health backtest replays inputs, but usage older than
  its retention is gone and a replayed grade would claim knowledge Kizuna did not have); a
  renewal without a stored grade then is *ungraded* and calibrated as its own group;
- the touch model is the account's current one;
- the outcome is the one the lines give today (late CRM corrections included).

The result is computed once per company day and kept in the cache for an hour (like a
draft's backtest on the health pages). Every stored grade since the oldest renewal − 120 days
is read: fine for monthly or a year of daily scores, too many for years of daily scores at
100,000 accounts (bench/README.md, *Renewals*, says what to do next).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from django.core.cache import cache
from django.utils import timezone

from kizuna.apps.health.models import HealthScore
from kizuna.apps.renewals.models import Renewal
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.core.renewals.backtest import Backtest, backtest
from kizuna.core.renewals.forecast import (
    GRADE_TOLERANCE_DAYS,
    LEAD_DAYS,
    Calibration,
    Quarter,
    QuarterForecast,
    Rates,
    calibrate,
    quarter_after,
    quarter_forecast,
    quarter_of,
    with_grades_on,
    with_lead_grades,
)
from kizuna.db.rows import plain_frame

CACHE_SECONDS = 3600
_RENEWALS = {
    "account_id": pl.Int64,
    "date": pl.Date,
    "segment": pl.Utf8,
    "mrr_due": pl.Int64,
    "mrr_after": pl.Int64,
    "call": pl.Utf8,
}
_GRADES = {"account_id": pl.Int64, "day": pl.Date, "grade": pl.Int64}


@dataclass(frozen=True)
class Forecast:
    """What the forecast page shows, computed on ``as_of`` (the company's day)."""

    as_of: dt.date
    start_month: int
    calibration: Calibration
    quarters: tuple[QuarterForecast, ...]  # this quarter and the next
    backtest: Backtest
    ungraded_open: int  # open renewals of the two quarters without a grade today
    computed_at: dt.datetime


def renewal_frame() -> pl.DataFrame:
    """Every renewal still due (not *no longer due*), with its account's touch model and
    the CSM's call: one query."""
    rows = (
        Renewal.objects.filter(no_longer_due=False)
        .order_by()
        .values_list(
            "account_id", "date", "account__segment", "mrr_due", "mrr_after", "forecast_call"
        )
    )
    return plain_frame(rows, _RENEWALS)


def grade_frame(*, since: dt.date | None = None) -> pl.DataFrame:
    """The stored grades (``account_id``, ``day``, ``grade``) from ``since`` on."""
    scores = HealthScore.objects.filter(grade__isnull=False)
    if since is not None:
        scores = scores.filter(day__gte=since)
    return plain_frame(scores.order_by().values_list("account_id", "day", "grade"), _GRADES)


def _grades_since(renewals: pl.DataFrame, first: dt.date) -> dt.date | None:
    """The earliest day a grade may be read for: 90 + 30 days before the oldest renewal,
    or the oldest quarter's start."""
    if renewals.is_empty():
        return None
    earliest = renewals["date"].min()
    oldest = min(earliest, first) if isinstance(earliest, dt.date) else first
    try:
        return oldest - dt.timedelta(days=LEAD_DAYS + GRADE_TOLERANCE_DAYS)
    except OverflowError:
        return None


def forecast_compute(
    *,
    today: dt.date,
    quarter: Quarter | None = None,
    renewals: pl.DataFrame | None = None,
    grades: pl.DataFrame | None = None,
) -> Forecast:
    """The calibration as of ``today`` (renewals before it), the forecast of this quarter and
    the next (or of ``quarter`` alone), graded as of ``today``, and the backtest of the eight
    quarters before this one. ``renewals`` and ``grades`` default to the database's."""
    start_month = tenant_settings_get().fiscal_year_start_month
    current = quarter_of(today, start_month)
    shown = (quarter,) if quarter is not None else (current, *_next(current, start_month))
    if renewals is None:
        renewals = renewal_frame()
    if grades is None:
        first = min(q.first for q in shown)
        grades = grade_frame(since=_grades_since(renewals, first))
    history = with_lead_grades(renewals, grades)
    calibration = calibrate(history, as_of=today)
    now = with_grades_on(renewals, grades, today)
    forecasts = tuple(quarter_forecast(now, calibration, q, as_of=today) for q in shown)
    ungraded = now.filter(
        pl.col("grade").is_null()
        & (pl.col("date") > today)
        & pl.col("date").is_between(shown[0].first, shown[-1].last)
        & (pl.col("mrr_due") > 0)
    ).height
    result = backtest(history, grades, today=today, start_month=start_month)
    return Forecast(today, start_month, calibration, forecasts, result, ungraded, timezone.now())


def _next(current: Quarter, start_month: int) -> tuple[Quarter, ...]:
    try:
        return (quarter_after(current, start_month),)
    except ValueError:  # after the year 9999
        return ()


def forecast_for(*, today: dt.date, quarter: Quarter | None = None) -> Forecast:
    """``forecast_compute`` from the database, cached for the day (an hour at most)."""
    key = f"renewals-forecast:{today.isoformat()}:{quarter.key if quarter else ''}"
    cached = cache.get(key)
    if isinstance(cached, Forecast):
        return cached
    result = forecast_compute(today=today, quarter=quarter)
    cache.set(key, result, CACHE_SECONDS)
    return result


#: the forecast page's tables, as CSV (``?format=csv&table=<name>``) and in the API
CSV_HEADERS: dict[str, list[str]] = {
    "quarters": [
        "quarter", "first_day", "last_day", "as_of", "renewals", "closed", "open",
        "open_without_call", "mrr_due", "kizuna_grr", "kizuna_nrr", "commit_grr", "commit_nrr",
        "commit_likely_grr", "commit_likely_nrr", "expected_renewals",
    ],
    "backtest": [
        "quarter", "first_day", "last_day", "renewals", "mrr_due", "forecast_renewals",
        "actual_renewals", "forecast_grr", "actual_grr", "forecast_nrr", "actual_nrr",
    ],
    "reliability": ["grade", "touch_model", "renewals", "predicted", "actual"],
    "calibration": [
        "grade", "touch_model", "renewals", "renewed", "actual_rate", "probability",
        "kept_ratio", "expansion_ratio",
    ],
}  # fmt: skip


def csv_rows(table: str, forecast: Forecast) -> list[list[object]]:
    """The rows of one of ``CSV_HEADERS`` (rates as fractions, money in minor units, empty =
    undefined or ungraded: the conventions of docs/metrics.md)."""
    if table == "quarters":
        return [
            [f.quarter.key, f.quarter.first, f.quarter.last, f.as_of, f.renewals, f.closed,
             f.open, f.without_call, f.mrr_due, f.kizuna_grr, f.kizuna_nrr, f.commit_grr,
             f.commit_nrr, f.likely_grr, f.likely_nrr, round(f.expected_renewals, 4)]
            for f in forecast.quarters
        ]  # fmt: skip
    if table == "backtest":
        return [
            [q.quarter.key, q.quarter.first, q.quarter.last, q.renewals, q.mrr_due,
             round(q.forecast_renewals, 4), q.actual_renewals, q.forecast_grr, q.actual_grr,
             q.forecast_nrr, q.actual_nrr]
            for q in forecast.backtest.quarters
        ]  # fmt: skip
    if table == "reliability":
        return [
            [r.grade, r.segment, r.renewals, r.predicted, r.actual]
            for r in forecast.backtest.reliability
        ]
    if table == "calibration":
        return [
            [grade, segment, rates.renewals, rates.renewed, rates.actual, rates.p, rates.q,
             rates.e]
            for (grade, segment), rates in calibration_cells(forecast.calibration)
        ]  # fmt: skip
    raise KeyError(table)


def calibration_cells(calibration: Calibration) -> list[tuple[tuple[int | None, str], Rates]]:
    """The calibrated cells (grade, touch model) with history, grades first then ungraded."""
    return sorted(
        calibration.by_cell.items(),
        key=lambda item: (item[0][0] is None, item[0][0] or 0, item[0][1]),
    )
