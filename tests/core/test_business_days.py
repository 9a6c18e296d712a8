"""The Japanese business-day calendar: Golden Week 2026 (with its substitute holiday), New Year
2026 and 2027 with and without the year-end closure, counting both ways, and the edges (years
1 and 9999, counts too large, days past the calendar's years)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.core.business_days import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_BUSINESS_DAYS,
    add_business_days,
    business_days_between,
    in_year_end_closure,
    is_business_day,
    national_holiday_name,
    next_business_day_on_or_after,
)


def test_golden_week_2026_closed_days_are_exact() -> None:
    # given April 27 to May 8, 2026
    days = [date(2026, 4, 27) + timedelta(days=i) for i in range(12)]
    # when each is asked
    open_days = [d for d in days if is_business_day(d)]
    # then 4/29 (昭和の日), 5/2-5/3 (weekend, 憲法記念日 on Sunday), 5/4, 5/5 and 5/6 (振替休日
    # for 5/3) are closed
    assert open_days == [
        date(2026, 4, 27),
        date(2026, 4, 28),
        date(2026, 4, 30),
        date(2026, 5, 1),
        date(2026, 5, 7),
        date(2026, 5, 8),
    ]


def test_the_substitute_holiday_of_golden_week_2026_is_named() -> None:
    assert national_holiday_name(date(2026, 5, 6)) is not None
    assert national_holiday_name(date(2026, 5, 7)) is None
    assert national_holiday_name(date(2026, 4, 29)) == "Showa Day"


def test_add_business_days_across_golden_week_2026() -> None:
    assert add_business_days(date(2026, 4, 28), 1) == date(2026, 4, 30)
    assert add_business_days(date(2026, 5, 1), 1) == date(2026, 5, 7)
    assert add_business_days(date(2026, 4, 28), 3) == date(2026, 5, 7)
    assert add_business_days(date(2026, 4, 28), 5) == date(2026, 5, 11)


def test_zero_days_is_today_or_the_next_business_day() -> None:
    assert add_business_days(date(2026, 4, 28), 0) == date(2026, 4, 28)
    assert add_business_days(date(2026, 5, 3), 0) == date(2026, 5, 7)
    assert next_business_day_on_or_after(date(2026, 12, 29)) == date(2027, 1, 4)


def test_new_year_2026_with_the_year_end_closure() -> None:
    # 2025-12-26 is a Friday; 12/29-1/3 closed, 1/4 is a Sunday: 1/5 (Monday) reopens
    assert add_business_days(date(2025, 12, 26), 1) == date(2026, 1, 5)
    # 1/12/2026 is 成人の日 (second Monday of January)
    assert add_business_days(date(2026, 1, 9), 1) == date(2026, 1, 13)
    assert business_days_between(date(2025, 12, 26), date(2026, 1, 13)) == 6


def test_new_year_2026_without_the_year_end_closure() -> None:
    # Mon 12/29, Tue 12/30, Wed 12/31 are worked; 1/1 is a national holiday; Fri 1/2 is worked
    assert add_business_days(date(2025, 12, 26), 1, year_end_closure=False) == date(2025, 12, 29)
    assert add_business_days(date(2025, 12, 31), 1, year_end_closure=False) == date(2026, 1, 2)
    assert is_business_day(date(2026, 1, 1), year_end_closure=False) is False


def test_new_year_2027() -> None:
    # 2026-12-28 is a Monday; closure to Sunday 1/3; 1/4/2027 (Monday) reopens; 1/11 成人の日
    assert add_business_days(date(2026, 12, 28), 1) == date(2027, 1, 4)
    assert add_business_days(date(2027, 1, 8), 1) == date(2027, 1, 12)
    assert is_business_day(date(2027, 1, 4)) is True
    assert business_days_between(date(2026, 12, 25), date(2027, 1, 4)) == 2  # 12/28 and 1/4


def test_the_closure_bounds_are_inclusive() -> None:
    assert [in_year_end_closure(date(2026, 12, d)) for d in (28, 29, 31)] == [False, True, True]
    assert [in_year_end_closure(date(2027, 1, d)) for d in (1, 3, 4)] == [True, True, False]


def test_between_counts_signed_and_zero() -> None:
    assert business_days_between(date(2026, 5, 1), date(2026, 5, 1)) == 0
    assert business_days_between(date(2026, 5, 1), date(2026, 5, 7)) == 1
    assert business_days_between(date(2026, 5, 7), date(2026, 5, 1)) == -1
    # a closed end day adds nothing
    assert business_days_between(date(2026, 5, 1), date(2026, 5, 6)) == 0


@pytest.mark.parametrize("n", [-1, MAX_BUSINESS_DAYS + 1, 10**18])
def test_a_count_out_of_range_is_refused(n: int) -> None:
    with pytest.raises(ValueError, match="business days must be"):
        add_business_days(date(2026, 5, 1), n)


def test_the_largest_count_is_computed() -> None:
    result = add_business_days(date(2026, 1, 5), MAX_BUSINESS_DAYS)
    assert business_days_between(date(2026, 1, 5), result) == MAX_BUSINESS_DAYS


@pytest.mark.parametrize("day", [date(1, 1, 1), date(9999, 12, 31), date(1948, 12, 31)])
def test_years_the_calendar_does_not_know_raise_value_error(day: date) -> None:
    with pytest.raises(ValueError, match="national holidays are known"):
        is_business_day(day)
    with pytest.raises(ValueError):
        add_business_days(day, 1)
    with pytest.raises(ValueError):
        business_days_between(day, day)


def test_counting_past_the_last_year_raises_value_error() -> None:
    with pytest.raises(ValueError, match="not 2100"):
        add_business_days(date(LAST_YEAR, 12, 1), 40)
    assert is_business_day(date(FIRST_YEAR, 1, 4)) is True  # Tuesday 1949-01-04


def test_a_span_too_long_is_refused() -> None:
    with pytest.raises(ValueError, match="too long"):
        business_days_between(date(2000, 1, 1), date(2099, 1, 1))


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(min_value=date(1950, 1, 1), max_value=date(2090, 12, 31)),
    n=st.integers(min_value=1, max_value=300),
    closure=st.booleans(),
)
def test_between_inverts_add(start: date, n: int, closure: bool) -> None:
    end = add_business_days(start, n, year_end_closure=closure)
    assert is_business_day(end, year_end_closure=closure)
    assert business_days_between(start, end, year_end_closure=closure) == n
