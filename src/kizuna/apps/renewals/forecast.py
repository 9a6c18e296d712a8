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
draft's backtest on the health pages). Of the stored grades only those that answer one of
the forecast's questions are read (``asked_grades``): one per renewal, account and backtested
quarter at most, however many grades are stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from django.core.cache import cache
from django.db.models import Expression, OuterRef, Q, Subquery, Value
from django.utils import timezone

from kizuna.apps.customers.models import Account
from kizuna.apps.health.models import HealthScore
from kizuna.apps.renewals.models import Renewal
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.core.renewals.backtest import BACKTEST_QUARTERS, Backtest, backtest, backtest_quarters
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
from kizuna.db.dates import DaysBefore
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


def asked_grades(*, today: dt.date, start_month: int) -> pl.DataFrame:
    """The stored grades that answer the forecast's questions (``account_id``, ``day``,
    ``grade``; each at most once): for each renewal still due its grade ``LEAD_DAYS`` before its
    date; for each account with one, its grade today; for each backtested quarter, the grade
    on its first day of each account with a renewal dated in it. The answer to a question
    (account, day) is the account's latest non-empty grade in [day − ``GRADE_TOLERANCE_DAYS``,
    day], found by the database (a seek on the grade's account and day).

    The core's as-of joins give the same grades on these rows as on every stored grade: each
    question's answer is among them, and no row is a grade that was not stored."""
    due = Renewal.objects.filter(no_longer_due=False).order_by()
    lead = DaysBefore(OuterRef("date"), LEAD_DAYS)
    first = DaysBefore(OuterRef("date"), LEAD_DAYS + GRADE_TOLERANCE_DAYS)
    answers = Q(pk__in=due.annotate(answer=_answer("account_id", lead, first)).values("answer"))
    quarters = backtest_quarters(today=today, start_month=start_month, quarters=BACKTEST_QUARTERS)
    for day, renewals in [
        (today, due),
        *((q.first, due.filter(date__range=(q.first, q.last))) for q in quarters),
    ]:
        accounts = Account.objects.filter(pk__in=renewals.values("account_id")).order_by()
        answer = _answer("pk", Value(day), Value(_tolerated(day)))
        answers |= Q(pk__in=accounts.annotate(answer=answer).values("answer"))
    rows = HealthScore.objects.filter(answers).order_by().values_list("account_id", "day", "grade")
    return plain_frame(rows, _GRADES)


def _answer(account: str, day: Expression, first: Expression) -> Subquery:
    """The primary key of the latest non-empty grade of the outer query's ``account`` dated
    in [``first``, ``day``] (none: NULL)."""
    return Subquery(
        HealthScore.objects.filter(
            account_id=OuterRef(account), grade__isnull=False, day__lte=day, day__gte=first
        )
        .order_by("-day")
        .values("pk")[:1]
    )


def _tolerated(day: dt.date) -> dt.date:
    try:
        return day - dt.timedelta(days=GRADE_TOLERANCE_DAYS)
    except OverflowError:
        return dt.date.min


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
        grades = asked_grades(today=today, start_month=start_month)
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
