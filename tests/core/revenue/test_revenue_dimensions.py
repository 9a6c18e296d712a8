"""Cuts by dimension: per-value figures, and cuts that add up to the total."""

from __future__ import annotations

import datetime as dt

import polars as pl

from kizuna.core.revenue import DIMENSIONS, revenue_report

APRIL = dt.date(2024, 4, 1)
ADDITIVE = (
    "total_mrr",
    "active_customers",
    "new_mrr",
    "expansion_mrr",
    "contraction_mrr",
    "churn_mrr",
    "reactivation_mrr",
    "net_new_mrr",
    "churned_customers",
)


def test_a_segment_cut_gives_each_segment_its_own_figures(small_book, read_rows):
    # given the small book: a high, b and c low, d tech
    # when
    report = revenue_report(small_book, as_of=APRIL, by="segment")
    # then low loses b (50 of 90) in March while c expands by 20
    low = report.summary.filter(pl.col("segment") == "low")
    assert read_rows(
        low, "date_month", "total_mrr", "logo_churn_rate", "gross_mrr_churn_rate", "nrr_3m"
    ) == [
        ("2024-01", 50, None, None, None),
        ("2024-02", 90, 0.0, 0.0, None),
        ("2024-03", 60, 0.5, 0.555556, None),
        ("2024-04", 60, 0.0, 0.0, 0.0),
    ]
    assert report.summary["segment"].unique().sort().to_list() == ["high", "low", "tech"]
    assert report.cohorts.columns[0] == "segment"
    assert report.movements.columns[:2] == ["segment", "customer_id"]


def test_cuts_by_a_customer_attribute_add_up_to_the_total(small_book):
    # given the small book, whose segment is constant per customer
    # when
    total = revenue_report(small_book, as_of=APRIL).summary
    cut = revenue_report(small_book, as_of=APRIL, by="segment").summary
    # then every additive column sums to the total, month by month
    summed = cut.group_by("date_month").agg(pl.col(ADDITIVE).sum()).sort("date_month")
    assert summed.equals(total.select("date_month", *ADDITIVE))


def test_a_product_switch_is_churn_in_one_product_and_new_in_the_other(make_lines, read_rows):
    # given a moves from product hr to product payroll in March at the same price
    lines = make_lines(
        ("a", "2024-01-01", "2024-03-01", 100, {"product": "hr"}),
        ("a", "2024-03-01", None, 100, {"product": "payroll"}),
    )
    # when
    total = revenue_report(lines, as_of=APRIL).summary
    cut = revenue_report(lines, as_of=APRIL, by="product").summary
    # then the company sees no movement, each product sees its side; MRR still adds up
    assert read_rows(total, "date_month", "total_mrr", "churn_mrr", "new_mrr")[2] == (
        "2024-03",
        100,
        0,
        0,
    )
    assert read_rows(
        cut.filter(pl.col("date_month") == dt.date(2024, 3, 1)),
        "product",
        "total_mrr",
        "churn_mrr",
        "new_mrr",
    ) == [
        ("hr", 0, 100, 0),
        ("payroll", 100, 0, 100),
    ]
    summed = cut.group_by("date_month").agg(pl.col("total_mrr", "net_new_mrr").sum())
    assert summed.sort("date_month").equals(total.select("date_month", "total_mrr", "net_new_mrr"))


def test_lines_without_a_dimension_value_form_their_own_group(make_lines, read_rows):
    # given one line with a channel and one without
    lines = make_lines(
        ("a", "2024-04-01", None, 10, {"channel": "partner"}), ("b", "2024-04-01", None, 20)
    )
    # when
    cut = revenue_report(lines, as_of=APRIL, by="channel").summary
    # then
    assert read_rows(cut, "channel", "total_mrr") == [("partner", 10), (None, 20)]


def test_every_dimension_can_cut_the_report(small_book):
    # given / when / then: the cut column leads every frame for each dimension
    for dimension in DIMENSIONS:
        report = revenue_report(small_book, as_of=APRIL, by=dimension)
        assert report.summary.columns[0] == dimension
        assert report.summary["total_mrr"].sum() == 740
