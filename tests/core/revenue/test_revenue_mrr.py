"""MRR per customer per month: the last-day rule, the grid, as_of, dimensions, input checks."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from kizuna.core.revenue import check_lines, customer_mrr, default_as_of

AS_OF = dt.date(2024, 4, 15)  # any day of April 2024


def test_it_counts_a_line_in_the_months_whose_last_day_it_covers(make_lines, read_rows):
    # given a line from 15 January to 10 March (exclusive): active on 31 Jan and 29 Feb only
    lines = make_lines(("a", "2024-01-15", "2024-03-10", 100))
    # when
    mrr = customer_mrr(lines, as_of=AS_OF)
    # then the grid runs from January to April, March and April at 0
    assert read_rows(mrr, "customer_id", "date_month", "mrr") == [
        ("a", "2024-01", 100),
        ("a", "2024-02", 100),
        ("a", "2024-03", 0),
        ("a", "2024-04", 0),
    ]


def test_it_never_shows_a_customer_that_starts_and_ends_within_one_month(make_lines):
    # given b starts on 3 March and leaves on 28 March, never there on a month's last day
    lines = make_lines(("a", "2024-01-01", None, 10), ("b", "2024-03-03", "2024-03-28", 500))
    # when
    mrr = customer_mrr(lines, as_of=AS_OF)
    # then
    assert mrr["customer_id"].unique().to_list() == ["a"]


def test_it_sums_overlapping_lines_and_keeps_open_lines_to_as_of(make_lines, read_rows):
    # given two lines of one customer overlapping in February and March, the second open
    lines = make_lines(("a", "2024-01-01", "2024-04-01", 100), ("a", "2024-02-01", None, 30))
    # when
    mrr = customer_mrr(lines, as_of=AS_OF)
    # then
    assert read_rows(mrr, "date_month", "mrr") == [
        ("2024-01", 100),
        ("2024-02", 130),
        ("2024-03", 130),
        ("2024-04", 30),
    ]


def test_it_ignores_lines_after_as_of_and_zero_amount_lines(make_lines, read_rows):
    # given a line starting after as_of and a free line
    lines = make_lines(
        ("a", "2024-03-01", None, 10),
        ("a", "2024-05-01", None, 99),
        ("b", "2024-01-01", None, 0),
    )
    # when
    mrr = customer_mrr(lines, as_of=AS_OF)
    # then
    assert read_rows(mrr, "customer_id", "date_month", "mrr") == [
        ("a", "2024-03", 10),
        ("a", "2024-04", 10),
    ]


def test_it_builds_one_grid_per_dimension_value(make_lines, read_rows):
    # given a customer with one line in each of two products
    lines = make_lines(
        ("a", "2024-02-01", None, 100, {"product": "hr"}),
        ("a", "2024-03-01", "2024-04-01", 40, {"product": "payroll"}),
    )
    # when
    mrr = customer_mrr(lines, as_of=AS_OF, by="product")
    # then
    assert read_rows(mrr, "product", "customer_id", "date_month", "mrr") == [
        ("hr", "a", "2024-02", 100),
        ("hr", "a", "2024-03", 100),
        ("hr", "a", "2024-04", 100),
        ("payroll", "a", "2024-03", 40),
        ("payroll", "a", "2024-04", 0),
    ]


def test_default_as_of_is_the_latest_month_a_line_starts_or_ends(make_lines):
    # given the last event is an end on 1 February 2020
    lines = make_lines(("a", "2019-11-01", "2020-02-01", 5), ("b", "2019-12-10", None, 5))
    # when / then
    assert default_as_of(lines) == dt.date(2020, 2, 1)
    assert default_as_of(lines.clear()) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (pl.col("monthly_amount") * -1, "negative"),
        (pl.lit(dt.date(2000, 1, 1)).alias("end_date"), "reversed"),
        (pl.lit(None, dtype=pl.String).alias("customer_id"), "null_ids"),
    ],
)
def test_check_lines_rejects_invalid_frames(make_lines, change, message):
    # given an otherwise valid frame with one defect
    lines = make_lines(("a", "2024-01-01", None, 10)).with_columns(change)
    # when / then
    with pytest.raises(ValueError, match=message):
        check_lines(lines)


def test_check_lines_requires_the_columns_and_the_cut_dimension(make_lines):
    # given
    lines = make_lines(("a", "2024-01-01", None, 10))
    # when / then
    with pytest.raises(ValueError, match="monthly_amount"):
        check_lines(lines.drop("monthly_amount"))
    with pytest.raises(ValueError, match="team"):
        customer_mrr(lines.drop("team"), as_of=AS_OF, by="team")
