"""ARPA, LTV (undefined at zero churn) and cohort retention by start month."""

from __future__ import annotations

import datetime as dt

import pytest

from kizuna.core.revenue import (
    arpa_and_ltv,
    churn_rates,
    cohort_retention,
    customer_mrr,
    lifetime_value,
    monthly_summary,
    mrr_movements,
)

APRIL = dt.date(2024, 4, 1)


def _ltv(lines, **options):
    summary = monthly_summary(mrr_movements(customer_mrr(lines, as_of=APRIL)))
    return arpa_and_ltv(churn_rates(summary), **options)


def test_ltv_is_arpa_over_the_mean_logo_churn_of_six_months(small_book, read_rows):
    # given the small book: logo churn Jan None, Feb 0, Mar 0.25, Apr 0
    # when
    ltv = _ltv(small_book)
    # then Jan has no churn rate, Feb's mean churn is 0 (LTV undefined), Mar: 56.67 / 0.125,
    # Apr: 56.67 / mean(0, 0.25, 0)
    assert read_rows(ltv, "date_month", "arpa", "mean_logo_churn_rate", "ltv") == [
        ("2024-01", 60.0, None, None),
        ("2024-02", 55.0, 0.0, None),
        ("2024-03", 56.666667, 0.125, 453.333333),
        ("2024-04", 56.666667, 0.083333, 680.0),
    ]


def test_ltv_applies_the_gross_margin_and_a_shorter_churn_window(small_book, read_rows):
    # given a gross margin of 80 % and a 1-month churn window
    # when
    ltv = _ltv(small_book, gross_margin=0.8, churn_months=1)
    # then only March has churn: 56.67 × 0.8 / 0.25; April's own churn is 0 again
    assert read_rows(ltv, "date_month", "ltv") == [
        ("2024-01", None),
        ("2024-02", None),
        ("2024-03", 181.333333),
        ("2024-04", None),
    ]


def test_lifetime_value_of_single_figures():
    # given / when / then
    assert lifetime_value(50_000.0, 0.02) == pytest.approx(2_500_000.0)
    assert lifetime_value(50_000.0, 0.02, gross_margin=0.75) == pytest.approx(1_875_000.0)
    assert lifetime_value(50_000.0, 0.0) is None
    assert lifetime_value(None, 0.02) is None
    with pytest.raises(ValueError, match="gross_margin"):
        lifetime_value(1.0, 0.1, gross_margin=1.5)


def test_cohorts_follow_logos_and_revenue_from_their_start_month(small_book, read_rows):
    # given the small book: Jan cohort a, b, d (180); Feb cohort c (40)
    # when
    cohorts = cohort_retention(mrr_movements(customer_mrr(small_book, as_of=APRIL)))
    # then
    assert read_rows(
        cohorts,
        "cohort_month",
        "months_since_start",
        "date_month",
        "cohort_customers",
        "active_customers",
        "logo_retention",
        "cohort_start_mrr",
        "mrr",
        "revenue_retention",
        "gross_revenue_retention",
    ) == [
        ("2024-01", 0, "2024-01", 3, 3, 1.0, 180, 180, 1.0, 1.0),
        ("2024-01", 1, "2024-02", 3, 3, 1.0, 180, 180, 1.0, 1.0),
        ("2024-01", 2, "2024-03", 3, 2, 0.666667, 180, 110, 0.611111, 0.611111),
        ("2024-01", 3, "2024-04", 3, 2, 0.666667, 180, 110, 0.611111, 0.611111),
        ("2024-02", 0, "2024-02", 1, 1, 1.0, 40, 40, 1.0, 1.0),
        ("2024-02", 1, "2024-03", 1, 1, 1.0, 40, 60, 1.5, 1.0),
        ("2024-02", 2, "2024-04", 1, 1, 1.0, 40, 60, 1.5, 1.0),
    ]


def test_a_reactivated_customer_counts_again_in_its_first_cohort(make_lines, read_rows):
    # given h starts in Jan, is away in Feb, comes back in Mar
    lines = make_lines(("h", "2024-01-01", "2024-02-01", 10), ("h", "2024-03-01", None, 10))
    # when
    cohorts = cohort_retention(mrr_movements(customer_mrr(lines, as_of=dt.date(2024, 3, 1))))
    # then it stays in the January cohort
    assert read_rows(cohorts, "cohort_month", "months_since_start", "logo_retention") == [
        ("2024-01", 0, 1.0),
        ("2024-01", 1, 0.0),
        ("2024-01", 2, 1.0),
    ]
