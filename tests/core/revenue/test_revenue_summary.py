"""Monthly summary and churn rates, with exact values and zero-denominator months."""

from __future__ import annotations

import datetime as dt

import pytest

from kizuna.core.revenue import (
    annualised_churn,
    churn_rates,
    customer_mrr,
    monthly_summary,
    mrr_movements,
    simple_annual_churn,
)

APRIL = dt.date(2024, 4, 1)


def _rates(lines, as_of=APRIL):
    return churn_rates(monthly_summary(mrr_movements(customer_mrr(lines, as_of=as_of))))


def test_the_summary_is_the_mrr_bridge_of_each_month(small_book, read_rows):
    # given the small book (see conftest)
    # when
    summary = _rates(small_book)
    # then
    assert read_rows(
        summary,
        "date_month",
        "total_mrr",
        "active_customers",
        "new_mrr",
        "expansion_mrr",
        "contraction_mrr",
        "churn_mrr",
        "reactivation_mrr",
        "net_new_mrr",
        "previous_total_mrr",
    ) == [
        ("2024-01", 180, 3, 180, 0, 0, 0, 0, 180, 0),
        ("2024-02", 220, 4, 40, 0, 0, 0, 0, 40, 180),
        ("2024-03", 170, 3, 0, 20, 20, 50, 0, -50, 220),
        ("2024-04", 170, 3, 0, 0, 0, 0, 0, 0, 170),
    ]
    assert read_rows(
        summary,
        "new_customers",
        "expansion_customers",
        "contraction_customers",
        "churned_customers",
        "reactivated_customers",
    ) == [(3, 0, 0, 0, 0), (1, 0, 0, 0, 0), (0, 1, 1, 1, 0), (0, 0, 0, 0, 0)]


def test_churn_rates_use_the_base_at_the_end_of_the_previous_month(small_book, read_rows):
    # given the small book
    # when
    summary = _rates(small_book)
    # then March: 1 of 4 logos, (50 + 20) / 220 gross, (70 − 20) / 220 net, 20 / 70 quick
    assert read_rows(
        summary,
        "date_month",
        "logo_churn_rate",
        "gross_mrr_churn_rate",
        "net_mrr_churn_rate",
        "quick_ratio",
    ) == [
        ("2024-01", None, None, None, None),
        ("2024-02", 0.0, 0.0, 0.0, None),
        ("2024-03", 0.25, 0.318182, 0.227273, 0.285714),
        ("2024-04", 0.0, 0.0, 0.0, None),
    ]
    march = summary.row(2, named=True)
    assert march["logo_churn_annualised"] == pytest.approx(1 - 0.75**12)
    assert march["logo_churn_simple_annual"] == pytest.approx(3.0)


def test_months_without_a_base_have_no_rates(make_lines, read_rows):
    # given x leaves at the end of January, nobody in Feb–Mar, y arrives in April
    lines = make_lines(("x", "2024-01-01", "2024-02-01", 10), ("y", "2024-04-01", None, 20))
    # when
    summary = _rates(lines, as_of=dt.date(2024, 5, 1))
    # then the empty months exist, and every rate with a zero base is None, not 0
    assert read_rows(
        summary,
        "date_month",
        "total_mrr",
        "active_customers",
        "logo_churn_rate",
        "gross_mrr_churn_rate",
        "net_mrr_churn_rate",
        "quick_ratio",
    ) == [
        ("2024-01", 10, 1, None, None, None, None),
        ("2024-02", 0, 0, 1.0, 1.0, 1.0, 0.0),
        ("2024-03", 0, 0, None, None, None, None),
        ("2024-04", 20, 1, None, None, None, None),
        ("2024-05", 20, 1, 0.0, 0.0, 0.0, None),
    ]


def test_net_mrr_churn_is_negative_when_expansion_outgrows_losses(make_lines, read_rows):
    # given 100 expanding to 150 while another 50 contracts to 40
    lines = make_lines(
        ("a", "2024-01-01", None, 100),
        ("a", "2024-02-01", None, 50),
        ("b", "2024-01-01", "2024-02-01", 50),
        ("b", "2024-02-01", None, 40),
    )
    # when
    summary = _rates(lines, as_of=dt.date(2024, 2, 1))
    # then (10 − 50) / 150
    assert read_rows(summary, "gross_mrr_churn_rate", "net_mrr_churn_rate")[-1] == (
        0.066667,
        -0.266667,
    )


@pytest.mark.parametrize(
    ("monthly", "compounded", "simple"),
    [(0.0, 0.0, 0.0), (0.02, 0.215284, 0.24), (0.1, 0.717570, 1.2), (1.0, 1.0, 12.0)],
)
def test_annualised_churn(monthly, compounded, simple):
    # given a constant monthly churn rate / when annualised / then
    assert annualised_churn(monthly) == pytest.approx(compounded, abs=1e-6)
    assert simple_annual_churn(monthly) == pytest.approx(simple)


def test_annualised_churn_rejects_rates_outside_zero_to_one():
    with pytest.raises(ValueError, match="fraction"):
        annualised_churn(1.5)
