"""``core.renewals.generate``: renewals at term boundaries, co-termed and separate mid-term
upgrades, multi-year terms, outcomes from the lines, the renewal rate, hostile dates."""

from __future__ import annotations

import datetime as dt

import pytest

from kizuna.core.renewals.generate import (
    CHURNED,
    DOWNGRADED,
    RENEWED,
    Line,
    accounts_with_events,
    boundaries,
    outcome_of,
    renewal_rate,
    renewals_from_lines,
    term_of,
)

D = dt.date
TODAY = D(2026, 5, 1)


def line(
    line_id: int,
    start: dt.date,
    end: dt.date | None = None,
    *,
    mrr: int = 100_000,
    product: int = 1,
    account: int = 1,
    term: int = 12,
    renewal: dt.date | None = None,
) -> Line:
    return Line(line_id, account, product, start, end, mrr, term, renewal)


def summary(lines: list[Line], **kwargs: object) -> list[tuple[object, ...]]:
    found = renewals_from_lines(lines, today=kwargs.pop("today", TODAY), **kwargs)  # type: ignore[arg-type]
    return [(r.account_id, r.date, r.line_ids, r.mrr_due, r.mrr_after, r.outcome) for r in found]


def test_term_of_a_line() -> None:
    assert term_of("annual", None) == 12
    assert term_of("monthly", None) == 1
    assert term_of("monthly", 24) == 24
    assert term_of("annual", 0) == 12


def test_annual_line_renews_on_each_anniversary_up_to_the_lead() -> None:
    lines = [line(1, D(2024, 4, 1))]
    assert summary(lines) == [
        (1, D(2025, 4, 1), (1,), 100_000, 100_000, RENEWED),
        (1, D(2026, 4, 1), (1,), 100_000, 100_000, RENEWED),
    ]
    # 2027-04-01 is 335 days ahead: inside a lead of 335 days, not of 334
    assert summary(lines, lead_days=335)[-1] == (1, D(2027, 4, 1), (1,), 100_000, None, None)
    assert len(summary(lines, lead_days=334)) == 2


def test_the_start_is_never_a_renewal_and_a_future_line_has_none_yet() -> None:
    assert summary([line(1, D(2026, 4, 1))]) == []
    assert summary([line(1, D(2026, 6, 1))], lead_days=10_000)[0][1] == D(2027, 6, 1)


def test_a_line_ending_on_its_boundary_churned_there() -> None:
    assert summary([line(1, D(2024, 4, 1), D(2025, 4, 1))]) == [
        (1, D(2025, 4, 1), (1,), 100_000, 0, CHURNED)
    ]


def test_a_line_ending_the_day_after_renewed_and_churns_mid_term() -> None:
    lines = [line(1, D(2024, 4, 1), D(2025, 4, 2))]
    assert summary(lines) == [(1, D(2025, 4, 1), (1,), 100_000, 100_000, RENEWED)]


def test_replaced_at_the_boundary_by_a_bigger_or_smaller_line() -> None:
    bigger = [line(1, D(2024, 4, 1), D(2025, 4, 1)), line(2, D(2025, 4, 1), mrr=130_000)]
    assert summary(bigger) == [
        (1, D(2025, 4, 1), (1,), 100_000, 130_000, RENEWED),
        (1, D(2026, 4, 1), (2,), 130_000, 130_000, RENEWED),
    ]
    smaller = [line(1, D(2024, 4, 1), D(2025, 4, 1)), line(2, D(2025, 4, 1), mrr=60_000)]
    assert summary(smaller)[0] == (1, D(2025, 4, 1), (1,), 100_000, 60_000, DOWNGRADED)


def test_co_termed_mid_term_upgrade_joins_the_main_renewal() -> None:
    lines = [
        line(1, D(2024, 4, 1)),
        line(2, D(2024, 10, 1), mrr=20_000, renewal=D(2025, 4, 1)),
    ]
    assert summary(lines)[0] == (1, D(2025, 4, 1), (1, 2), 120_000, 120_000, RENEWED)
    assert summary(lines)[1] == (1, D(2026, 4, 1), (1, 2), 120_000, 120_000, RENEWED)


def test_mid_term_replacement_renews_with_the_new_line_only() -> None:
    lines = [
        line(1, D(2024, 4, 1), D(2024, 10, 1)),
        line(2, D(2024, 10, 1), mrr=150_000, renewal=D(2025, 4, 1)),
    ]
    assert summary(lines)[0] == (1, D(2025, 4, 1), (2,), 150_000, 150_000, RENEWED)


def test_mid_term_line_without_a_renewal_date_renews_on_its_own_anniversary() -> None:
    lines = [line(1, D(2024, 4, 1)), line(2, D(2024, 10, 1), mrr=20_000, product=2)]
    assert [r[1:4] for r in summary(lines)] == [
        (D(2025, 4, 1), (1,), 100_000),
        (D(2025, 10, 1), (2,), 20_000),
        (D(2026, 4, 1), (1,), 100_000),
        (D(2026, 10, 1), (2,), 20_000),
    ]


def test_a_renewal_date_years_after_the_start_anchors_the_past_boundaries() -> None:
    # imported with only its next renewal date: 2026-07-15, started 2023-07-15
    lines = [line(1, D(2023, 7, 15), renewal=D(2026, 7, 15))]
    assert [r[1] for r in summary(lines)] == [
        D(2024, 7, 15),
        D(2025, 7, 15),
        D(2026, 7, 15),
    ]


def test_multi_year_and_monthly_terms() -> None:
    assert [r[1] for r in summary([line(1, D(2020, 1, 1), term=36)])] == [
        D(2023, 1, 1),
        D(2026, 1, 1),
    ]
    assert summary([line(1, D(2020, 1, 1), term=1)]) == []
    assert summary([line(1, D(2020, 1, 1), term=6)]) == []
    assert summary([line(1, D(2020, 1, 1), term=121)]) == []


def test_month_ends_and_leap_days_are_counted_from_the_anchor_without_drift() -> None:
    leap = line(1, D(2024, 2, 29))
    assert boundaries(leap, until=D(2028, 12, 31)) == [
        D(2025, 2, 28),
        D(2026, 2, 28),
        D(2027, 2, 28),
        D(2028, 2, 29),
    ]
    end_of_month = line(1, D(2025, 1, 31), term=13)
    assert boundaries(end_of_month, until=D(2027, 12, 31)) == [D(2026, 2, 28), D(2027, 3, 31)]


def test_since_skips_older_boundaries_without_walking_them() -> None:
    ancient = line(1, D(1, 1, 1))
    assert boundaries(ancient, until=D(2026, 5, 1), since=D(2025, 1, 1)) == [
        D(2025, 1, 1),
        D(2026, 1, 1),
    ]
    assert boundaries(ancient, until=D(2026, 5, 1), since=D(2025, 1, 2)) == [D(2026, 1, 1)]


def test_hostile_dates_end_without_error() -> None:
    assert boundaries(line(1, D(9999, 6, 1)), until=D.max) == []
    assert boundaries(line(1, D(9998, 6, 1)), until=D.max) == [D(9999, 6, 1)]
    assert summary([line(1, D(2024, 4, 1))], lead_days=10**9)[-1][1] == D(9999, 4, 1)
    # a renewal date before the start: the first boundary after the start
    odd = line(1, D(2024, 4, 1), renewal=D(2020, 11, 1))
    assert boundaries(odd, until=D(2026, 5, 1)) == [D(2024, 11, 1), D(2025, 11, 1)]


def test_each_account_has_its_own_lead_and_lines() -> None:
    lines = [line(1, D(2025, 8, 1), account=1), line(2, D(2025, 8, 1), account=2)]
    found = summary(lines, lead_days=lambda account: 92 if account == 1 else 91)  # 92 days ahead
    assert found == [(1, D(2026, 8, 1), (1,), 100_000, None, None)]


def test_a_product_changed_at_the_renewal_counts_as_churned() -> None:
    lines = [line(1, D(2024, 4, 1), D(2025, 4, 1)), line(2, D(2025, 4, 1), product=2)]
    assert summary(lines)[0][-2:] == (0, CHURNED)


@pytest.mark.parametrize(
    ("due", "after", "expected"),
    [
        (100, 100, RENEWED),
        (100, 101, RENEWED),
        (100, 99, DOWNGRADED),
        (100, 1, DOWNGRADED),
        (100, 0, CHURNED),
        (0, 0, RENEWED),
        (0, 5, RENEWED),
    ],
)
def test_outcome_boundaries(due: int, after: int, expected: str) -> None:
    assert outcome_of(due, after) == expected


def test_renewal_rate_exact_and_empty() -> None:
    lines = [
        line(1, D(2024, 4, 1), D(2025, 4, 1), account=1),  # churned 100,000
        line(2, D(2024, 4, 1), D(2025, 4, 1), account=2),  # downgraded to 60,000
        line(3, D(2025, 4, 1), mrr=60_000, account=2),
        line(4, D(2024, 4, 1), D(2025, 4, 1), account=3),  # renewed at 150,000
        line(5, D(2025, 4, 1), mrr=150_000, account=3),
    ]
    found = [r for r in renewals_from_lines(lines, today=TODAY) if r.date == D(2025, 4, 1)]
    rate = renewal_rate(found)
    assert (rate.due, rate.renewed, rate.mrr_due, rate.mrr_kept) == (3, 2, 300_000, 160_000)
    assert rate.logo_rate == pytest.approx(2 / 3)
    assert rate.amount_rate == pytest.approx(160_000 / 300_000)
    empty = renewal_rate([])
    assert (empty.due, empty.logo_rate, empty.amount_rate) == (0, None, None)
    upcoming = renewals_from_lines([line(1, D(2025, 8, 1))], today=TODAY)
    assert renewal_rate(upcoming).logo_rate is None


# --- accounts_with_events -----------------------------------------------------------------


def _line(account: int, start: dt.date, *, end: dt.date | None = None, term: int = 12) -> Line:
    return Line(account, account, 1, start, end, 100, term)


def test_events_are_boundaries_that_came_or_entered_the_window() -> None:
    lines = [
        _line(1, dt.date(2025, 3, 1)),  # boundary 2026-03-01: comes on that day
        _line(2, dt.date(2025, 8, 28)),  # 2026-08-28: 180 days after 2026-03-01
        _line(3, dt.date(2025, 8, 29)),  # 2026-08-29: one day too far
        _line(4, dt.date(2025, 2, 28)),  # 2026-02-28: came the day before (after = that day)
        _line(5, dt.date(2025, 3, 1), end=dt.date(2026, 2, 1)),  # ended before its boundary
        _line(6, dt.date(2026, 2, 1), term=1),  # monthly: never renews
    ]
    found = accounts_with_events(
        lines, after=dt.date(2026, 2, 28), through=dt.date(2026, 3, 1), lead_days=180
    )
    assert found == {1, 2}


def test_events_use_each_accounts_lead_and_stay_inside_the_calendar() -> None:
    lines = [_line(1, dt.date(2025, 6, 1)), _line(2, dt.date(2025, 6, 1)),
             _line(3, dt.date(9998, 12, 31))]  # fmt: skip
    leads = {1: 92, 2: 30, 3: 10**6}
    found = accounts_with_events(
        lines, after=dt.date(2026, 2, 28), through=dt.date(2026, 3, 1), lead_days=leads.__getitem__
    )
    # 2026-06-01 is 92 days after 2026-03-01; 9999-12-31 is a million days away, farther
    assert found == {1}
    assert (
        accounts_with_events(lines, after=dt.date(2026, 3, 1), through=dt.date(2026, 3, 1)) == set()
    )
