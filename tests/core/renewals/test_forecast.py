"""``core.renewals.forecast`` and ``core.renewals.backtest``: calibration on constructed
histories (none at all, a grade without renewals, all renewed, the as-of boundary), grades as
of a day, fiscal quarters, the quarter's forecast beside the CSMs' calls, the backtest."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from kizuna.core.renewals.backtest import backtest
from kizuna.core.renewals.forecast import (
    BASE_RATE,
    calibrate,
    grades_as_of,
    quarter_forecast,
    quarter_from_key,
    quarter_of,
)

D = dt.date

SCHEMA = {
    "account_id": pl.Int64,
    "date": pl.Date,
    "segment": pl.Utf8,
    "mrr_due": pl.Int64,
    "mrr_after": pl.Int64,
    "grade": pl.Int64,
    "call": pl.Utf8,
}


def frame(*rows: tuple[object, ...]) -> pl.DataFrame:
    """Rows of (account, date, segment, due, after, grade[, call])."""
    full = [(*row, "") if len(row) == 6 else row for row in rows]
    return pl.DataFrame(full, schema=SCHEMA, orient="row")


def grades(*rows: tuple[int, dt.date, int | None]) -> pl.DataFrame:
    schema = {"account_id": pl.Int64, "day": pl.Date, "grade": pl.Int64}
    return pl.DataFrame(list(rows), schema=schema, orient="row")


def test_no_history_at_all_gives_the_base_everywhere() -> None:
    # given no renewal at all
    # when
    found = calibrate(frame(), as_of=D(2026, 4, 1))
    # then every group falls back to the base: p 0.9, kept 1, expansion 0
    rates = found.rates(3, "high")
    assert (rates.p, rates.q, rates.e, rates.renewals) == (BASE_RATE, 1.0, 0.0, 0)
    assert found.overall.actual is None
    assert found.by_grade == {} and found.by_cell == {}


def test_all_renewed_shrinks_toward_the_parents_exactly() -> None:
    # given 10 renewals of grade 5 (high touch), all renewed at their MRR due
    history = frame(*[(n, D(2025, 1, 1 + n), "high", 100, 100, 5) for n in range(10)])
    # when
    found = calibrate(history, as_of=D(2026, 1, 1))
    # then overall (10 + 10·0.9) / 20; grade (10 + 10·0.95) / 20; cell (10 + 10·0.975) / 20
    assert found.overall.p == pytest.approx(0.95)
    assert found.by_grade[5].p == pytest.approx(0.975)
    assert found.rates(5, "high").p == pytest.approx(0.9875)
    assert found.rates(5, "high").actual == 1.0
    assert found.rates(5, "high").q == pytest.approx(1.0)
    # a grade with zero renewals falls back to the overall rate; a touch model without any
    # to its grade's rate
    assert found.rates(1, "high").p == pytest.approx(0.95)
    assert found.rates(5, "low").p == pytest.approx(0.975)


def test_churn_downgrade_and_expansion_give_exact_rates() -> None:
    # given four grade-2 low-touch renewals: two churned, one downgraded 100 → 50, one
    # expanded 100 → 150
    history = frame(
        (1, D(2025, 3, 1), "low", 100, 0, 2),
        (2, D(2025, 3, 1), "low", 100, 0, 2),
        (3, D(2025, 3, 1), "low", 100, 50, 2),
        (4, D(2025, 3, 1), "low", 100, 150, 2),
    )
    # when
    found = calibrate(history, as_of=D(2026, 1, 1))
    # then p: overall (2 + 9) / 14; kept among the renewed: (150 + 10·100·1) / (200 + 1000);
    # expansion (50 + 0) / 1200
    p0, q0, e0 = 11 / 14, 1150 / 1200, 50 / 1200
    assert (found.overall.p, found.overall.q, found.overall.e) == pytest.approx((p0, q0, e0))
    p1 = (2 + 10 * p0) / 14
    q1 = (150 + 1000 * q0) / 1200
    assert found.by_grade[2].p == pytest.approx(p1)
    assert found.by_grade[2].q == pytest.approx(q1)
    assert found.rates(2, "low").p == pytest.approx((2 + 10 * p1) / 14)
    assert found.rates(2, "low").actual == 0.5
    # and without a prior the raw rates come back
    raw = calibrate(history, as_of=D(2026, 1, 1), prior_weight=0)
    assert (raw.rates(2, "low").p, raw.rates(2, "low").q) == pytest.approx((0.5, 0.75))
    assert raw.rates(2, "low").e == pytest.approx(0.25)


def test_only_renewals_before_the_day_with_an_outcome_and_something_due_count() -> None:
    # given a renewal on the as-of day, one after, an open one, a ¥0 one and one before
    history = frame(
        (1, D(2026, 1, 1), "high", 100, 0, 3),
        (2, D(2026, 2, 1), "high", 100, 0, 3),
        (3, D(2025, 12, 1), "high", 100, None, 3),
        (4, D(2025, 12, 1), "high", 0, 0, 3),
        (5, D(2025, 12, 31), "high", 100, 100, 3),
    )
    # when
    found = calibrate(history, as_of=D(2026, 1, 1), prior_weight=0)
    # then only the last one is read
    assert (found.overall.renewals, found.overall.renewed, found.overall.p) == (1, 1, 1.0)


def test_ungraded_renewals_are_their_own_group() -> None:
    history = frame(
        (1, D(2025, 5, 1), "tech", 100, 0, None), (2, D(2025, 5, 1), "tech", 100, 100, 4)
    )
    found = calibrate(history, as_of=D(2026, 1, 1), prior_weight=0)
    assert found.rates(None, "tech").p == 0.0
    assert found.rates(4, "tech").p == 1.0


def test_a_negative_prior_weight_is_refused() -> None:
    with pytest.raises(ValueError):
        calibrate(frame(), as_of=D(2026, 1, 1), prior_weight=-1)


def test_grades_as_of_a_day_never_read_later_or_stale_grades() -> None:
    # given grades on 1 March (3) and 1 April (4) for account 1, 1 January for account 2
    stored = grades((1, D(2026, 3, 1), 3), (1, D(2026, 4, 1), 4), (2, D(2026, 1, 1), 2))
    keys = pl.DataFrame(
        {
            "account_id": [1, 1, 1, 2, 3],
            "day": [D(2026, 3, 31), D(2026, 4, 1), D(2026, 2, 28), D(2026, 3, 1), D(2026, 4, 1)],
        }
    )
    # when
    found = grades_as_of(keys, stored, day_column="day")
    # then the latest on or before the day within 30 days, else null
    assert found.to_list() == [3, 4, None, None, None]


@pytest.mark.parametrize(
    ("day", "start", "key", "first", "last"),
    [
        (D(2026, 5, 1), 4, "2026Q1", D(2026, 4, 1), D(2026, 6, 30)),
        (D(2027, 2, 15), 4, "2026Q4", D(2027, 1, 1), D(2027, 3, 31)),
        (D(2026, 12, 31), 1, "2026Q4", D(2026, 10, 1), D(2026, 12, 31)),
        (D(2026, 1, 1), 10, "2025Q2", D(2026, 1, 1), D(2026, 3, 31)),
        (D(9999, 12, 31), 1, "9999Q4", D(9999, 10, 1), D(9999, 12, 31)),
    ],
)
def test_fiscal_quarters(day: dt.date, start: int, key: str, first: dt.date, last: dt.date) -> None:
    quarter = quarter_of(day, start)
    assert (quarter.key, quarter.first, quarter.last) == (key, first, last)
    assert quarter_from_key(key, start) == quarter


@pytest.mark.parametrize(
    "bad", ["", "2026", "2026Q5", "Q1", "2026Q0", "0Q1", "99999Q1", "x", "9999Q4"]
)
def test_a_bad_quarter_key_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        quarter_from_key(bad, 4)


def test_the_quarters_forecast_beside_the_csms_calls() -> None:
    # given raw rates: grade 5 high renews half the time at its MRR due; ungraded high always,
    # with 50 % expansion
    history = frame(
        (1, D(2025, 1, 1), "high", 100, 100, 5),
        (2, D(2025, 1, 1), "high", 100, 0, 5),
        (3, D(2025, 1, 1), "high", 100, 150, None),
    )
    calibration = calibrate(history, as_of=D(2026, 5, 1), prior_weight=0)
    # and FY2026 Q1 (April start): one closed renewal 100 → 120, one open called commit
    # (200, grade 5), one open without a call (100, ungraded); one in July is outside
    renewals = frame(
        (10, D(2026, 4, 10), "high", 100, 120, 5, ""),
        (11, D(2026, 5, 20), "high", 200, None, 5, "commit"),
        (12, D(2026, 6, 30), "high", 100, None, None, ""),
        (13, D(2026, 7, 1), "high", 999, None, 5, "commit"),
    )
    # when
    found = quarter_forecast(
        renewals, calibration, quarter_of(D(2026, 5, 1), 4), as_of=D(2026, 5, 1)
    )
    # then Kizuna: kept 100 + 0.5·200 + 1·100 = 300 of 400; after 120 + 100 + 150 = 370
    assert (found.renewals, found.closed, found.open, found.without_call) == (3, 1, 2, 1)
    assert found.mrr_due == 400
    assert found.kizuna_grr == pytest.approx(0.75)
    assert found.kizuna_nrr == pytest.approx(0.925)
    assert found.expected_renewals == pytest.approx(2.5)
    # the commit call: 100 kept + 200 committed; after 120 + 200
    assert (found.commit_grr, found.commit_nrr) == pytest.approx((0.75, 0.8))
    assert (found.likely_grr, found.likely_nrr) == pytest.approx((0.75, 0.8))


def test_a_quarter_without_renewals_has_undefined_rates() -> None:
    found = quarter_forecast(
        frame(), calibrate(frame(), as_of=D(2026, 1, 1)), quarter_of(D(2026, 1, 1), 4),
        as_of=D(2026, 1, 1),
    )  # fmt: skip
    assert (found.renewals, found.mrr_due, found.kizuna_grr, found.commit_nrr) == (0, 0, None, None)


def test_the_backtest_replays_each_quarter_from_its_first_day() -> None:
    # given 2025: grade 5 renewed, grade 1 churned; 2026 Q1 the same; 2026 Q2 one ungraded
    # renewal 200 → 250 (calendar quarters, today in 2026 Q3)
    history = frame(
        (1, D(2025, 6, 1), "high", 100, 100, 5),
        (2, D(2025, 6, 1), "high", 100, 0, 1),
        (1, D(2026, 2, 1), "high", 100, 100, 5),
        (2, D(2026, 3, 1), "high", 100, 0, 1),
        (3, D(2026, 5, 1), "high", 200, 250, None),
    )
    stored = grades((1, D(2025, 12, 20), 5), (2, D(2025, 12, 20), 1), (1, D(2026, 3, 20), 5))
    # when
    found = backtest(
        history, stored, today=D(2026, 7, 15), start_month=1, quarters=2, prior_weight=0
    )
    # then Q1: forecast 0.5 = actual 0.5; Q2: forecast 0.5 (the overall rate), actual 1 / 1.25
    q1, q2 = found.quarters
    assert (q1.quarter.key, q1.forecast_grr, q1.actual_grr) == ("2026Q1", 0.5, 0.5)
    assert (q2.quarter.key, q2.forecast_grr, q2.actual_grr, q2.actual_nrr) == (
        "2026Q2", 0.5, 1.0, 1.25,
    )  # fmt: skip
    assert (q2.renewals, q2.forecast_renewals, q2.actual_renewals) == (1, 0.5, 1)
    assert found.grr_mae == pytest.approx(0.25)
    assert found.nrr_mae == pytest.approx(0.375)
    assert [(r.grade, r.renewals, r.predicted, r.actual) for r in found.reliability] == [
        (1, 1, 0.0, 0.0),
        (5, 1, 1.0, 1.0),
        (None, 1, 0.5, 1.0),
    ]
    assert found.brier == pytest.approx(1 / 12)
    assert found.renewals == 3


def test_a_backtest_without_history_is_empty_not_zero() -> None:
    found = backtest(frame(), grades(), today=D(2026, 7, 15), start_month=4)
    assert len(found.quarters) == 8
    assert all(q.forecast_grr is None and q.actual_grr is None for q in found.quarters)
    assert (found.grr_mae, found.nrr_mae, found.brier, found.reliability) == (None, None, None, ())


def test_a_backtest_near_the_year_1_skips_impossible_quarters() -> None:
    found = backtest(frame(), grades(), today=D(1, 5, 1), start_month=1)
    assert [q.quarter.key for q in found.quarters] == ["1Q1"]
