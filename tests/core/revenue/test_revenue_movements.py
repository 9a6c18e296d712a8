"""MRR movements: every category, same-month start and churn, gaps, the playbook row shape."""

from __future__ import annotations

import datetime as dt

from kizuna.core.revenue import customer_mrr, mrr_movements, trim_inactive_tail

COLUMNS = ("date_month", "mrr", "previous_month_mrr", "mrr_change", "change_category")


def test_it_labels_every_movement_of_one_customer(make_lines, read_rows):
    # given 100 from Jan, +50 from Feb, −30 from Mar, nothing from May, 80 again from Jul
    lines = make_lines(
        ("a", "2024-01-01", "2024-05-01", 100),
        ("a", "2024-02-01", "2024-03-01", 50),
        ("a", "2024-03-01", "2024-05-01", 20),
        ("a", "2024-07-01", None, 80),
    )
    # when
    movements = mrr_movements(customer_mrr(lines, as_of=dt.date(2024, 8, 1)))
    # then
    assert read_rows(movements, *COLUMNS) == [
        ("2024-01", 100, 0, 100, "new"),
        ("2024-02", 150, 100, 50, "expansion"),
        ("2024-03", 120, 150, -30, "contraction"),
        ("2024-04", 120, 120, 0, "unchanged"),
        ("2024-05", 0, 120, -120, "churn"),
        ("2024-06", 0, 0, 0, None),
        ("2024-07", 80, 0, 80, "reactivation"),
        ("2024-08", 80, 80, 0, "unchanged"),
    ]


def test_a_one_month_contract_is_new_then_churn(make_lines, read_rows):
    # given a contract for January only (end exclusive on 1 February)
    lines = make_lines(("a", "2024-01-01", "2024-02-01", 70))
    # when
    movements = mrr_movements(customer_mrr(lines, as_of=dt.date(2024, 3, 1)))
    # then January is new, February churn, March nothing
    assert read_rows(movements, *COLUMNS) == [
        ("2024-01", 70, 0, 70, "new"),
        ("2024-02", 0, 70, -70, "churn"),
        ("2024-03", 0, 0, 0, None),
    ]


def test_starting_and_churning_within_a_month_shows_no_movement(make_lines):
    # given b signs on 2 Feb and cancels on 20 Feb
    lines = make_lines(("a", "2024-01-01", None, 10), ("b", "2024-02-02", "2024-02-20", 90))
    # when
    movements = mrr_movements(customer_mrr(lines, as_of=dt.date(2024, 3, 1)))
    # then b never appears: neither new nor churn
    assert movements["customer_id"].unique().to_list() == ["a"]


def test_each_customer_starts_fresh(make_lines, read_rows):
    # given a churns before b starts: b's first month must be new, not a's reactivation
    lines = make_lines(("a", "2024-01-01", "2024-02-01", 10), ("b", "2024-02-01", None, 20))
    # when
    movements = mrr_movements(customer_mrr(lines, as_of=dt.date(2024, 2, 1)))
    # then
    assert read_rows(movements, "customer_id", *COLUMNS) == [
        ("a", "2024-01", 10, 0, 10, "new"),
        ("a", "2024-02", 0, 10, -10, "churn"),
        ("b", "2024-02", 20, 0, 20, "new"),
    ]


def test_trim_inactive_tail_keeps_gaps_and_the_churn_row_only(make_lines, read_rows):
    # given a: Jan, gap in Feb, Mar, churn in Apr, then idle to July; b still active
    lines = make_lines(
        ("a", "2024-01-01", "2024-02-01", 10),
        ("a", "2024-03-01", "2024-04-01", 10),
        ("b", "2024-06-01", None, 5),
    )
    movements = mrr_movements(customer_mrr(lines, as_of=dt.date(2024, 7, 1)))
    # when
    trimmed = trim_inactive_tail(movements)
    # then
    assert read_rows(trimmed, "customer_id", "date_month", "change_category") == [
        ("a", "2024-01", "new"),
        ("a", "2024-02", "churn"),
        ("a", "2024-03", "reactivation"),
        ("a", "2024-04", "churn"),
        ("b", "2024-06", "new"),
        ("b", "2024-07", "unchanged"),
    ]
