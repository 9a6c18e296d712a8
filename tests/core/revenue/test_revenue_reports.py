"""Every cut computed together (``revenue_reports``) equals each cut computed on its own."""

from __future__ import annotations

import datetime as dt
import random

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from kizuna.core.revenue import (
    DIMENSIONS,
    SubscriptionLine,
    lines_frame,
    revenue_report,
    revenue_reports,
)

AS_OF = dt.date(2024, 12, 1)


def _book(*, seed: int, customers: int, lines: int, team_per_line: bool = False) -> pl.DataFrame:
    """A random book: 2020-01 … 2025-02 starts (some after ``AS_OF``), 20 % open, zero
    amounts, one-month lines, customers whose segment is null, products per line."""
    rng = random.Random(seed)
    segments = ("high", "low", "tech", None)
    rows = []
    for number in range(lines):
        customer = rng.randrange(customers)
        start = dt.date(2020 + rng.randrange(6), rng.randrange(1, 13), rng.choice((1, 15)))
        months = rng.randrange(0, 40)
        end_index = start.year * 12 + start.month - 1 + months
        end = None if rng.random() < 0.2 else dt.date(end_index // 12, end_index % 12 + 1, 1)
        if end is not None and end < start:
            end = start
        rows.append(
            SubscriptionLine(
                subscription_id=f"s{number}",
                customer_id=f"c{customer}",
                start_date=start,
                end_date=end,
                monthly_amount=rng.choice((0, 1000, 5000, 12_000, 10**12)),
                product=rng.choice(("expense", "hr", None)),
                segment=segments[customer % 4],
                channel="partner" if customer % 5 == 4 else "direct",
                team=f"t{rng.randrange(3)}" if team_per_line else f"t{customer % 3}",
            )
        )
    return lines_frame(rows)


def _same(together: dict, lines: pl.DataFrame, **options: object) -> None:
    for cut, report in together.items():
        alone = revenue_report(lines, as_of=AS_OF, by=cut, **options)  # type: ignore[arg-type]
        assert report.by == cut and report.as_of == alone.as_of
        assert_frame_equal(report.summary, alone.summary)
        assert_frame_equal(report.cohorts, alone.cohorts)
        order = [*([cut] if cut else []), "customer_id", "date_month"]
        assert_frame_equal(
            report.movements.sort(order, nulls_last=True),
            alone.movements.sort(order, nulls_last=True),
        )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_cut_together_equals_each_cut_alone(seed):
    # given a random book whose segment, channel and team are account attributes
    lines = _book(seed=seed, customers=60, lines=240)
    # when
    together = revenue_reports(lines, as_of=AS_OF, gross_margin=0.8, churn_months=3)
    # then
    assert list(together) == [None, *DIMENSIONS]
    _same(together, lines, gross_margin=0.8, churn_months=3)


def test_a_dimension_that_varies_within_a_customer_is_computed_on_its_own():
    # given teams assigned per line (a customer in two teams)
    lines = _book(seed=4, customers=30, lines=200, team_per_line=True)
    # when
    together = revenue_reports(lines, as_of=AS_OF, cuts=("team", None))
    # then the team cut is sorted as a cut of its own, and equal to it
    assert list(together) == ["team", None]
    assert_frame_equal(
        together["team"].movements, revenue_report(lines, as_of=AS_OF, by="team").movements
    )
    _same(together, lines)


def test_a_null_value_is_a_group_of_its_own_and_the_cuts_add_up():
    # given customers without a segment
    lines = _book(seed=5, customers=40, lines=160)
    # when
    segment = revenue_reports(lines, as_of=AS_OF, cuts=("segment",))["segment"].summary
    total = revenue_report(lines, as_of=AS_OF).summary
    # then
    assert segment["segment"].null_count() > 0
    by_month = segment.group_by("date_month").agg(pl.col("total_mrr").sum()).sort("date_month")
    assert by_month["total_mrr"].to_list() == total["total_mrr"].to_list()


def test_an_empty_book_and_a_missing_dimension_column():
    # given no lines at all, and lines without the channel column
    empty = lines_frame([])
    some = _book(seed=6, customers=5, lines=10).drop("channel")
    # when / then: the empty book gives empty frames for every cut
    for cut, report in revenue_reports(empty, as_of=AS_OF).items():
        assert report.summary.is_empty() and report.cohorts.is_empty(), cut
    _same(revenue_reports(some, as_of=AS_OF, cuts=(None, "segment")), some)
    with pytest.raises(ValueError, match="channel"):
        revenue_reports(some, as_of=AS_OF, cuts=("channel",))
