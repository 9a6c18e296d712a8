"""GRR and NRR: the cohort at the window start, start-versus-end per customer, boundaries."""

from __future__ import annotations

import datetime as dt

import pytest

from kizuna.core.revenue import customer_mrr, mrr_movements, retention_windows

APRIL = dt.date(2024, 4, 1)
COLUMNS = (
    "date_month",
    "window_start_month",
    "cohort_customers",
    "start_mrr",
    "end_mrr",
    "churned_mrr",
    "contraction_mrr",
    "expansion_mrr",
    "grr",
    "nrr",
)


def _windows(lines, months, as_of=APRIL):
    return retention_windows(mrr_movements(customer_mrr(lines, as_of=as_of)), months=months)


def test_a_window_measures_the_customers_active_at_its_start(small_book, read_rows):
    # given the small book, 2-month windows
    # when
    windows = _windows(small_book, months=2)
    # then the window ending April starts at the end of February (a, b, c, d: 220) and ends
    # with a 100, b 0, c 60, d 10: GRR (100 + 0 + 40 + 10) / 220, NRR 170 / 220
    assert read_rows(windows, *COLUMNS) == [
        ("2024-01", "2023-11", 0, 0, 0, 0, 0, 0, None, None),
        ("2024-02", "2023-12", 0, 0, 0, 0, 0, 0, None, None),
        ("2024-03", "2024-01", 3, 180, 110, 50, 20, 0, 0.611111, 0.611111),
        ("2024-04", "2024-02", 4, 220, 170, 50, 20, 20, 0.681818, 0.772727),
    ]


def test_new_customers_of_the_window_never_count(small_book, make_lines, read_rows):
    # given the small book plus a big customer arriving in March
    lines = small_book.vstack(
        make_lines(("z", "2024-03-01", None, 1000)).select(small_book.columns)
    )
    # when
    windows = _windows(lines, months=3)
    # then the 3-month window ending April only follows a, b and d (active at the end of Jan)
    assert read_rows(windows, *COLUMNS)[-1] == (
        "2024-04",
        "2024-01",
        3,
        180,
        110,
        50,
        20,
        0,
        0.611111,
        0.611111,
    )


def test_only_the_net_change_per_customer_counts(make_lines, read_rows):
    # given e dips from 100 to 60 in Feb and is back at 100 in Mar;
    # f churns in Feb and comes back in Mar at 70 instead of 50
    lines = make_lines(
        ("e", "2024-01-01", "2024-02-01", 100),
        ("e", "2024-02-01", "2024-03-01", 60),
        ("e", "2024-03-01", None, 100),
        ("f", "2024-01-01", "2024-02-01", 50),
        ("f", "2024-03-01", None, 70),
    )
    # when
    windows = _windows(lines, months=2, as_of=dt.date(2024, 3, 1))
    # then nothing was lost between the end of Jan and the end of Mar; f's +20 is expansion
    assert read_rows(windows, *COLUMNS)[-1] == (
        "2024-03",
        "2024-01",
        2,
        150,
        170,
        0,
        0,
        20,
        1.0,
        1.133333,
    )


def test_a_customer_gone_at_the_window_end_is_churned_in_full(make_lines, read_rows):
    # given g expands and then leaves inside the window
    lines = make_lines(("g", "2024-01-01", "2024-03-01", 40), ("g", "2024-02-01", "2024-03-01", 60))
    # when
    windows = _windows(lines, months=2, as_of=dt.date(2024, 3, 1))
    # then its start MRR (40) is churned: GRR = NRR = 0
    assert read_rows(windows, *COLUMNS)[-1] == ("2024-03", "2024-01", 1, 40, 0, 40, 0, 0, 0.0, 0.0)


def test_a_window_is_at_least_one_month(small_book):
    movements = mrr_movements(customer_mrr(small_book, as_of=APRIL))
    with pytest.raises(ValueError, match="at least one month"):
        retention_windows(movements, months=0)
