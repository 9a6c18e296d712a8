"""The one-call report: its summary carries every KPI column, windows included."""

from __future__ import annotations

import datetime as dt

from kizuna.core.revenue import revenue_report


def test_the_report_summary_carries_every_kpi(small_book, read_rows):
    # given the small book
    # when
    report = revenue_report(small_book, as_of=dt.date(2024, 4, 30))
    # then
    assert report.as_of == dt.date(2024, 4, 1)
    assert report.by is None
    assert read_rows(
        report.summary, "date_month", "grr_3m", "nrr_3m", "grr_12m", "nrr_12m", "ltv"
    ) == [
        ("2024-01", None, None, None, None, None),
        ("2024-02", None, None, None, None, None),
        ("2024-03", None, None, None, None, 453.333333),
        ("2024-04", 0.611111, 0.611111, None, None, 680.0),
    ]
    assert report.movements.height == 4 + 4 + 3 + 4
    assert report.cohorts.height == 7


def test_the_bridge_closes_every_month(small_book):
    # given / when
    summary = revenue_report(small_book, as_of=dt.date(2024, 4, 1)).summary
    # then start + net new = end
    for row in summary.iter_rows(named=True):
        assert row["previous_total_mrr"] + row["net_new_mrr"] == row["total_mrr"]
