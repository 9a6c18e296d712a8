"""Churn events from the lines and the churn-reason report: exact values, empty input, one
event, ties, zero MRR, period boundaries (docs/metrics.md, "Churn reasons")."""

from __future__ import annotations

import datetime as dt

import pytest

from kizuna.core.churn_reasons import (
    CategoryTotal,
    Cell,
    Event,
    Line,
    ReasonRow,
    ask_since,
    category_totals,
    churn_events,
    churn_reason_report,
    period_label,
)

D = dt.date
AS_OF = D(2026, 11, 30)


def line(
    pk: int,
    start: dt.date,
    end: dt.date | None,
    mrr: int,
    product: str = "expense",
    account: int = 1,
) -> Line:
    return Line(pk, account, product, start, end, mrr)


# --- events ----------------------------------------------------------------------------------


def test_no_line_no_event() -> None:
    assert churn_events([], as_of=AS_OF) == []


def test_the_last_line_ending_is_a_whole_account_churn_with_its_mrr() -> None:
    # given one line that ended on 2026-10-01
    lines = [line(10, D(2025, 10, 1), D(2026, 10, 1), 50_000)]
    # then the account churned that day, naming no line, losing the line's MRR
    assert churn_events(lines, as_of=AS_OF) == [
        Event(1, None, D(2026, 10, 1), 50_000, (("expense", 50_000),))
    ]


def test_two_products_ending_together_are_one_churn_split_by_product() -> None:
    lines = [
        line(10, D(2025, 1, 1), D(2026, 4, 1), 30_000, "expense"),
        line(11, D(2025, 6, 1), D(2026, 4, 1), 20_000, "invoice"),
    ]
    assert churn_events(lines, as_of=AS_OF) == [
        Event(1, None, D(2026, 4, 1), 50_000, (("expense", 30_000), ("invoice", 20_000)))
    ]


def test_a_line_of_one_product_ending_while_another_runs_is_a_cancelled_line() -> None:
    lines = [
        line(10, D(2025, 1, 1), None, 30_000, "expense"),
        line(11, D(2025, 6, 1), D(2026, 4, 1), 20_000, "invoice"),
    ]
    assert churn_events(lines, as_of=AS_OF) == [
        Event(1, 11, D(2026, 4, 1), 20_000, (("invoice", 20_000),))
    ]


def test_a_renewal_or_a_new_price_of_the_same_product_is_no_event() -> None:
    # given a line replaced on its end day by a new one of the same product (smaller)
    lines = [
        line(10, D(2025, 1, 1), D(2026, 1, 1), 30_000),
        line(11, D(2026, 1, 1), None, 20_000),
    ]
    # then nothing churned (a contraction is not a cancellation)
    assert churn_events(lines, as_of=AS_OF) == []


def test_an_end_ahead_of_today_is_not_an_event_yet_and_today_is() -> None:
    ahead = [line(10, D(2025, 1, 1), D(2026, 12, 1), 30_000)]
    today = [line(10, D(2025, 1, 1), AS_OF, 30_000)]
    assert churn_events(ahead, as_of=AS_OF) == []
    assert [e.churned_on for e in churn_events(today, as_of=AS_OF)] == [AS_OF]


def test_churn_reactivation_and_churn_again_are_two_events() -> None:
    lines = [
        line(10, D(2024, 1, 1), D(2024, 7, 1), 10_000),
        line(11, D(2025, 1, 1), D(2025, 7, 1), 12_000),
    ]
    assert [(e.churned_on, e.line_id, e.lost_mrr) for e in churn_events(lines, as_of=AS_OF)] == [
        (D(2024, 7, 1), None, 10_000),
        (D(2025, 7, 1), None, 12_000),
    ]


def test_a_zero_mrr_line_still_churns_with_zero_lost() -> None:
    lines = [line(10, D(2025, 1, 1), D(2026, 1, 1), 0)]
    assert churn_events(lines, as_of=AS_OF) == [Event(1, None, D(2026, 1, 1), 0, (("expense", 0),))]


def test_since_keeps_events_on_or_after_it_and_accounts_are_apart() -> None:
    lines = [
        line(10, D(2025, 1, 1), D(2025, 11, 30), 1, account=1),
        line(20, D(2025, 1, 1), D(2025, 12, 1), 2, account=2),
    ]
    events = churn_events(lines, as_of=AS_OF, since=D(2025, 12, 1))
    assert [(e.account_id, e.churned_on) for e in events] == [(2, D(2025, 12, 1))]


def test_ask_since_is_a_year_back_and_safe_at_year_one() -> None:
    assert ask_since(D(2026, 11, 30)) == D(2025, 11, 30)
    assert ask_since(D(1, 1, 5)) == D.min


# --- the report --------------------------------------------------------------------------------


def row(day: dt.date, category: str, *losses: tuple[str, int], segment: str = "high") -> ReasonRow:
    return ReasonRow(day, segment, category, tuple(losses))


def test_an_empty_report_has_no_cells_and_no_totals() -> None:
    assert churn_reason_report([]) == []
    assert category_totals([]) == []


def test_one_reason_is_the_whole_of_its_month() -> None:
    cells = churn_reason_report([row(D(2026, 10, 1), "price", ("expense", 50_000))])
    assert cells == [Cell("2026-10", "", "price", 1, 50_000, 1.0, 1.0)]


def test_weights_by_mrr_and_by_count_differ() -> None:
    # given three churns in October: two small ones for price, one big one for a competitor
    rows = [
        row(D(2026, 10, 1), "price", ("expense", 10_000)),
        row(D(2026, 10, 15), "price", ("expense", 10_000)),
        row(D(2026, 10, 31), "competitor", ("expense", 80_000)),
    ]
    cells = churn_reason_report(rows)
    # then the competitor leads by lost MRR, price by count
    assert cells == [
        Cell("2026-10", "", "competitor", 1, 80_000, 1 / 3, 0.8),
        Cell("2026-10", "", "price", 2, 20_000, 2 / 3, 0.2),
    ]


def test_ties_keep_the_taxonomy_order() -> None:
    rows = [
        row(D(2026, 10, 1), "other", ("expense", 10_000)),
        row(D(2026, 10, 2), "price", ("expense", 10_000)),
    ]
    order = ["price", "product_fit", "other"]
    assert [c.category for c in churn_reason_report(rows, order=order)] == ["price", "other"]
    assert [t.category for t in category_totals(rows, order=order)] == ["price", "other"]
    # and without an order, by key
    assert [c.category for c in churn_reason_report(rows)] == ["other", "price"]


def test_zero_mrr_gives_no_mrr_share() -> None:
    rows = [row(D(2026, 10, 1), "price", ("expense", 0)), row(D(2026, 10, 2), "other", ("x", 0))]
    cells = churn_reason_report(rows, order=["price", "other"])
    assert cells == [
        Cell("2026-10", "", "price", 1, 0, 0.5, None),
        Cell("2026-10", "", "other", 1, 0, 0.5, None),
    ]
    assert category_totals(rows, order=["price", "other"]) == [
        CategoryTotal("price", 1, 0, 0.5, None),
        CategoryTotal("other", 1, 0, 0.5, None),
    ]


def test_a_churn_of_two_products_counts_in_each_products_cut() -> None:
    rows = [
        row(D(2026, 10, 1), "budget", ("expense", 30_000), ("invoice", 20_000)),
        row(D(2026, 10, 5), "price", ("invoice", 60_000)),
    ]
    assert churn_reason_report(rows, cut="product") == [
        Cell("2026-10", "expense", "budget", 1, 30_000, 1.0, 1.0),
        Cell("2026-10", "invoice", "price", 1, 60_000, 0.5, 0.75),
        Cell("2026-10", "invoice", "budget", 1, 20_000, 0.5, 0.25),
    ]
    # without a cut the churn counts once, with its whole lost MRR
    assert churn_reason_report(rows) == [
        Cell("2026-10", "", "price", 1, 60_000, 0.5, 60 / 110),
        Cell("2026-10", "", "budget", 1, 50_000, 0.5, 50 / 110),
    ]


def test_segment_cut_and_fiscal_periods() -> None:
    rows = [
        row(D(2026, 3, 31), "price", ("expense", 10_000), segment="high"),
        row(D(2026, 4, 1), "price", ("expense", 20_000), segment="tech"),
        row(D(2027, 3, 31), "budget", ("expense", 5_000), segment="tech"),
    ]
    # fiscal years from April: 2026-03-31 is FY2025, the other two FY2026
    assert churn_reason_report(rows, period="fiscal_year", cut="segment") == [
        Cell("FY2025", "high", "price", 1, 10_000, 1.0, 1.0),
        Cell("FY2026", "tech", "price", 1, 20_000, 0.5, 0.8),
        Cell("FY2026", "tech", "budget", 1, 5_000, 0.5, 0.2),
    ]
    assert [c.period for c in churn_reason_report(rows, period="quarter")] == [
        "FY2025-Q4",
        "FY2026-Q1",
        "FY2026-Q4",
    ]


@pytest.mark.parametrize(
    ("day", "period", "start", "label"),
    [
        (D(2026, 1, 31), "month", 4, "2026-01"),
        (D(2026, 1, 31), "quarter", 4, "FY2025-Q4"),
        (D(2026, 1, 31), "quarter", 1, "FY2026-Q1"),
        (D(2026, 12, 31), "fiscal_year", 1, "FY2026"),
        (D(1, 1, 1), "fiscal_year", 4, "FY0000"),
        (D(9999, 12, 31), "quarter", 4, "FY9999-Q3"),
    ],
)  # fmt: skip
def test_period_labels(day: dt.date, period: str, start: int, label: str) -> None:
    assert period_label(day, period, start) == label  # type: ignore[arg-type]
