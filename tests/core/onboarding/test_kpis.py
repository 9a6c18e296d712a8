"""Onboarding KPIs: target-date cohorts, durations, revivals, the funnel and pooled periods."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import polars as pl
import pytest

from kizuna.core.onboarding.kpis import (
    FUNNEL_NODES,
    FUNNEL_RATES,
    ONBOARDINGS_SCHEMA,
    CohortRow,
    FunnelRow,
    PeriodCompletion,
    cohort_rows,
    completion_cohorts,
    funnel_rows,
    funnel_totals,
    onboarding_funnel,
    period_completion,
)

AS_OF = dt.date(2024, 4, 15)
JAN, FEB, MAR, APR = (dt.date(2024, month, 1) for month in (1, 2, 3, 4))

#: (id, product, started, target, completed, stalled, expected churn, ended, first renewal)
BOOK = (
    # January targets
    (1, "expense", "2023-10-01", "2024-01-31", "2024-01-31", None, None, None, "2024-04-01"),
    (2, "expense", "2023-11-01", "2024-01-15", "2024-01-16", "2024-01-16", None, "2024-02-01",
     "2024-02-01"),
    (3, "invoice", "2023-11-15", "2024-01-20", "2024-03-01", "2024-01-21", "2024-02-10", None,
     None),
    (4, "invoice", "2023-12-01", "2024-01-10", None, "2024-01-11", "2024-02-01", "2024-03-01",
     "2024-06-01"),
    (5, "expense", "2024-01-01", "2024-01-31", "2024-01-05", None, None, None, None),
    # February targets
    (6, "expense", "2023-12-01", "2024-02-29", "2024-02-10", None, None, "2024-03-02",
     "2024-03-01"),
    (7, "expense", "2024-01-01", "2024-02-15", "2024-04-20", "2024-02-16", None, None, None),
    (8, "invoice", "2024-01-05", "2024-02-20", "2024-02-20", None, None, None, None),
    (9, "invoice", "2024-01-10", "2024-02-25", "2024-02-01", None, None, None, None),
    # no March target; April targets: on as_of (in), after as_of (not yet in)
    (10, "expense", "2024-02-01", "2024-04-15", None, None, None, None, None),
    (11, "invoice", "2024-02-15", "2024-04-30", "2024-04-10", None, None, None, None),
    # handed over after as_of
    (12, "expense", "2024-05-01", "2024-07-31", None, None, None, None, None),
)  # fmt: skip

COHORT_COLUMNS = (
    "cohort_month",
    "cohort_size",
    "completed_on_time",
    "completion_rate",
    "completed",
    "duration_median_days",
    "duration_p80_days",
    "stalled",
    "expected_churn",
    "revived",
    "revival_rate",
)


def _frame(*rows: tuple[Any, ...]) -> pl.DataFrame:
    def day(text: str | None) -> dt.date | None:
        return dt.date.fromisoformat(text) if text else None

    records = [
        {
            "onboarding_id": number,
            "product": product,
            "segment": "high" if number % 2 else "low",
            "team": None,
            "csm": f"csm{number % 3}",
            "started_on": day(started),
            "target_on": day(target),
            "completed_on": day(completed),
            "stalled_on": day(stalled),
            "expected_churn_on": day(churn),
            "ended_on": day(ended),
            "first_renewal_on": day(renewal),
        }
        for number, product, started, target, completed, stalled, churn, ended, renewal in rows
    ]
    return pl.DataFrame(records, schema=ONBOARDINGS_SCHEMA)


def _rows(frame: pl.DataFrame, *columns: str) -> list[tuple[Any, ...]]:
    """Row tuples, dates as "YYYY-MM", floats rounded to 6 decimals."""
    picked = frame.select(columns).with_columns(
        pl.col(pl.Date).dt.to_string("%Y-%m"), pl.col(pl.Float64).round(6)
    )
    return picked.rows()


@pytest.fixture
def book() -> pl.DataFrame:
    return _frame(*BOOK)


def test_it_counts_each_target_month_once_its_dates_have_come(book: pl.DataFrame) -> None:
    # given the book as of 15 April 2024
    # when
    cohorts = completion_cohorts(book, as_of=AS_OF, first_month=JAN, last_month=APR)
    # then January: 1 on its target day and 5 count as on time, 2 (one day late) does not;
    # durations 4, 76, 107, 122 → median (76 + 107) / 2, p80 the ⌈3.2⌉ = 4th smallest;
    # 3 and 4 became expected churn, 3 then completed (revived).
    # February: 7 completed after as_of (not completed); durations 22, 46, 71 → p80 the 3rd.
    # March has no target date: size 0, rates and durations None.
    # April: 10 (target = as_of) is in, 11 (target 30 April) not yet, though complete.
    assert _rows(cohorts, *COHORT_COLUMNS) == [
        ("2024-01", 5, 2, 0.4, 4, 91.5, 122, 3, 2, 1, 0.5),
        ("2024-02", 4, 3, 0.75, 3, 46.0, 71, 1, 0, 0, None),
        ("2024-03", 0, 0, None, 0, None, None, 0, 0, 0, None),
        ("2024-04", 1, 0, 0.0, 0, None, None, 0, 0, 0, None),
    ]


def test_it_cuts_cohorts_by_product(book: pl.DataFrame) -> None:
    # given the book
    # when
    cohorts = completion_cohorts(book, as_of=AS_OF, first_month=JAN, last_month=APR, by="product")
    # then every month has a row per product, empty ones included; January invoice has
    # one duration (107) that is both median and p80; February invoice has 22 and 46
    assert _rows(cohorts, "product", *COHORT_COLUMNS) == [
        ("expense", "2024-01", 3, 2, 0.666667, 3, 76.0, 122, 1, 0, 0, None),
        ("invoice", "2024-01", 2, 0, 0.0, 1, 107.0, 107, 2, 2, 1, 0.5),
        ("expense", "2024-02", 2, 1, 0.5, 1, 71.0, 71, 1, 0, 0, None),
        ("invoice", "2024-02", 2, 2, 1.0, 2, 34.0, 46, 0, 0, 0, None),
        ("expense", "2024-03", 0, 0, None, 0, None, None, 0, 0, 0, None),
        ("invoice", "2024-03", 0, 0, None, 0, None, None, 0, 0, 0, None),
        ("expense", "2024-04", 1, 0, 0.0, 0, None, None, 0, 0, 0, None),
        ("invoice", "2024-04", 0, 0, None, 0, None, None, 0, 0, 0, None),
    ]
    assert cohorts.columns[:2] == ["cohort_month", "product"]


def test_a_null_dimension_value_is_its_own_group_listed_last(book: pl.DataFrame) -> None:
    # given the book, where nobody has a team
    # when
    cohorts = completion_cohorts(book, as_of=AS_OF, first_month=FEB, last_month=FEB, by="team")
    # then one group, null
    assert _rows(cohorts, "team", "cohort_size", "completed_on_time") == [(None, 4, 3)]


def test_the_completion_day_on_the_target_is_on_time_and_the_next_day_is_late() -> None:
    # given two onboardings due on 31 January, completed on the day and the day after
    frame = _frame(
        (1, "expense", "2024-01-01", "2024-01-31", "2024-01-31", None, None, None, None),
        (2, "expense", "2024-01-01", "2024-01-31", "2024-02-01", None, None, None, None),
    )
    # when as of the target day, and as of the day after
    on_target_day = completion_cohorts(
        frame, as_of=dt.date(2024, 1, 31), first_month=JAN, last_month=JAN
    )
    next_day = completion_cohorts(frame, as_of=dt.date(2024, 2, 1), first_month=JAN, last_month=JAN)
    # then the first is on time either way; the second is completed only from 1 February
    columns = ("cohort_size", "completed_on_time", "completion_rate", "completed")
    assert _rows(on_target_day, *columns) == [(2, 1, 0.5, 1)]
    assert _rows(next_day, *columns) == [(2, 1, 0.5, 2)]


def test_the_pooled_rate_sums_the_months_before_dividing(book: pl.DataFrame) -> None:
    # given the book
    # when the last three months per product against 90 %
    pooled = period_completion(
        book, as_of=AS_OF, first_month=FEB, last_month=dt.date(2024, 4, 15), by="product"
    )
    # then expense: (1 + 0 + 0) / (2 + 0 + 1); invoice: 2 / 2 (April's 11 is not due yet)
    assert pooled == (
        PeriodCompletion("product", "expense", FEB, APR, 3, 1, 1 / 3, 0.9, False),
        PeriodCompletion("product", "invoice", FEB, APR, 2, 2, 1.0, 0.9, True),
    )


def test_the_pooled_rate_meets_a_target_it_equals_and_is_undefined_when_empty(
    book: pl.DataFrame,
) -> None:
    # given the book
    # when February alone against 75 %, March alone, and everything
    february = period_completion(book, as_of=AS_OF, first_month=FEB, last_month=FEB, target=0.75)
    march = period_completion(book, as_of=AS_OF, first_month=MAR, last_month=MAR)
    everything = period_completion(book, as_of=AS_OF, first_month=JAN, last_month=APR)
    # then 3 / 4 meets 75 % exactly; March has nothing due: rate and verdict None
    assert february == (PeriodCompletion(None, None, FEB, FEB, 4, 3, 0.75, 0.75, True),)
    assert march == (PeriodCompletion(None, None, MAR, MAR, 0, 0, None, 0.9, None),)
    assert everything == (PeriodCompletion(None, None, JAN, APR, 10, 5, 0.5, 0.9, False),)


def test_it_rejects_a_target_outside_zero_to_one(book: pl.DataFrame) -> None:
    # given / when / then
    with pytest.raises(ValueError, match="fraction"):
        period_completion(book, as_of=AS_OF, first_month=JAN, last_month=JAN, target=90)


FUNNEL_COLUMNS = (
    "cohort_month",
    "handed_over",
    "completed_on_time",
    "missed_target",
    "completed_late",
    "expected_churn",
    "revived",
    "churned_before_completion",
    "still_onboarding",
    "renewal_due",
    "retained",
    "churned_at_first_renewal",
)


def test_the_funnel_follows_each_hand_over_month(book: pl.DataFrame) -> None:
    # given the book; 12 is handed over on 1 May, after as_of
    # when
    funnel = onboarding_funnel(
        book, as_of=AS_OF, first_month=dt.date(2023, 10, 1), last_month=dt.date(2024, 5, 1)
    )
    # then November: 2 completed late (not expected churn first), 3 expected churn then
    # completed (revived); 2 ended on its first renewal day (end exclusive: churned).
    # December: 4 churned before completing; 6 ended the day after its renewal (retained).
    # January: 7 completes after as_of (still onboarding). February: 10's target is as_of,
    # unmet (missed, still onboarding); 11 completed before its target, on time.
    assert _rows(funnel, *FUNNEL_COLUMNS) == [
        ("2023-10", 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0),
        ("2023-11", 2, 0, 2, 1, 1, 1, 0, 0, 1, 0, 1),
        ("2023-12", 2, 1, 1, 0, 1, 0, 1, 0, 1, 1, 0),
        ("2024-01", 4, 3, 1, 0, 0, 0, 0, 1, 0, 0, 0),
        ("2024-02", 2, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0),
        ("2024-03", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        ("2024-04", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        ("2024-05", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    ]
    assert _rows(funnel, "completed_on_time_rate", "revival_rate", "first_renewal_retention") == [
        (1.0, None, 1.0),
        (0.0, 1.0, 0.0),
        (0.5, 0.0, 1.0),
        (0.75, None, None),
        (0.5, None, None),
        (None, None, None),
        (None, None, None),
        (None, None, None),
    ]
    assert funnel.columns == ["cohort_month", *FUNNEL_NODES, *FUNNEL_RATES]


def test_funnel_totals_sum_the_counts_and_recompute_the_rates(book: pl.DataFrame) -> None:
    # given the funnel of every hand-over month
    funnel = onboarding_funnel(
        book, as_of=AS_OF, first_month=dt.date(2023, 10, 1), last_month=dt.date(2024, 5, 1)
    )
    # when
    totals = funnel_totals(funnel)
    # then the 5 that missed their target split into 1 late, 1 revived, 1 churned, 2 still
    assert _rows(totals, *FUNNEL_COLUMNS[1:]) == [(11, 6, 5, 1, 2, 1, 1, 2, 3, 2, 1)]
    rates = ("completed_on_time_rate", "missed_target_rate", "revival_rate")
    assert _rows(totals, *rates, "first_renewal_retention") == [(0.545455, 0.454545, 0.5, 0.666667)]


def test_funnel_totals_keep_the_dimension_and_a_month_range(book: pl.DataFrame) -> None:
    # given the funnel per product
    funnel = onboarding_funnel(
        book,
        as_of=AS_OF,
        first_month=dt.date(2023, 10, 1),
        last_month=dt.date(2024, 5, 1),
        by="product",
    )
    # when the cohorts of November and December 2023 only
    totals = funnel_totals(
        funnel, first_month=dt.date(2023, 11, 1), last_month=dt.date(2023, 12, 31)
    )
    # then expense has 2 (late) and 6 (on time), invoice 3 and 4 (both expected churn, one
    # revived)
    columns = ("product", "handed_over", "completed_late", "expected_churn", "revived")
    assert _rows(totals, *columns, "revival_rate") == [
        ("expense", 2, 1, 0, 0, None),
        ("invoice", 2, 0, 2, 1, 0.5),
    ]


def test_the_rows_as_values_carry_every_column_of_their_frame(book: pl.DataFrame) -> None:
    # given the cohorts, the funnel and its totals of the book
    cohorts = completion_cohorts(book, as_of=AS_OF, first_month=JAN, last_month=APR)
    funnel = onboarding_funnel(
        book, as_of=AS_OF, first_month=dt.date(2023, 10, 1), last_month=dt.date(2024, 5, 1)
    )
    totals = funnel_totals(funnel)
    # when read as values
    months, handed_over, [total] = cohort_rows(cohorts), funnel_rows(funnel), funnel_rows(totals)
    # then each column is a field, in the frame's order, with the frame's values
    assert [f.name for f in dataclasses.fields(CohortRow)] == cohorts.columns
    assert [f.name for f in dataclasses.fields(FunnelRow)] == funnel.columns
    assert [dataclasses.astuple(row) for row in months] == cohorts.rows()
    assert [dataclasses.astuple(row) for row in handed_over] == funnel.rows()
    assert dataclasses.astuple(total) == (None, *totals.row(0))
    assert (total.handed_over, total.revived, total.revival_rate) == (11, 1, 0.5)
    # and an empty funnel's totals are zeros without rates
    assert FunnelRow() == FunnelRow(cohort_month=None, handed_over=0, revival_rate=None)


def test_an_empty_frame_gives_empty_months_and_no_rates() -> None:
    # given no onboarding
    empty = pl.DataFrame(schema=ONBOARDINGS_SCHEMA)
    # when
    cohorts = completion_cohorts(empty, as_of=AS_OF, first_month=JAN, last_month=FEB)
    by_product = completion_cohorts(
        empty, as_of=AS_OF, first_month=JAN, last_month=FEB, by="product"
    )
    funnel = onboarding_funnel(empty, as_of=AS_OF, first_month=JAN, last_month=JAN)
    totals = funnel_totals(funnel)
    pooled = period_completion(empty, as_of=AS_OF, first_month=JAN, last_month=FEB)
    pooled_by_product = period_completion(
        empty, as_of=AS_OF, first_month=JAN, last_month=FEB, by="product"
    )
    # then
    assert _rows(cohorts, *COHORT_COLUMNS) == [
        ("2024-01", 0, 0, None, 0, None, None, 0, 0, 0, None),
        ("2024-02", 0, 0, None, 0, None, None, 0, 0, 0, None),
    ]
    assert by_product.is_empty()
    assert by_product.columns == ["cohort_month", "product", *COHORT_COLUMNS[1:]]
    assert _rows(funnel, *FUNNEL_COLUMNS) == [("2024-01", *[0] * 11)]
    assert totals.row(0) == (*[0] * 11, *[None] * len(FUNNEL_RATES))
    assert pooled == (PeriodCompletion(None, None, JAN, FEB, 0, 0, None, 0.9, None),)
    assert pooled_by_product == ()


def test_it_rejects_an_invalid_frame_or_range(book: pl.DataFrame) -> None:
    # given a frame without its renewal column, one with a duplicated id, a reversed range
    # when / then
    with pytest.raises(ValueError, match="first_renewal_on"):
        onboarding_funnel(
            book.drop("first_renewal_on"), as_of=AS_OF, first_month=JAN, last_month=JAN
        )
    with pytest.raises(ValueError, match="duplicate_ids"):
        completion_cohorts(pl.concat([book, book]), as_of=AS_OF, first_month=JAN, last_month=JAN)
    with pytest.raises(ValueError, match="first_month"):
        completion_cohorts(book, as_of=AS_OF, first_month=FEB, last_month=JAN)
