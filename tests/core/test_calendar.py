"""The one calendar: month ends, leap years, both kinds of month arithmetic, fiscal periods,
the company day of an instant, the years 1 and 9999, and that no copy lives elsewhere."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.core.calendar import (
    add_months,
    add_years,
    days_in_month,
    first_of_month,
    fiscal_quarter,
    fiscal_year,
    fiscal_year_end,
    fiscal_year_start,
    local_day,
    month_end,
    month_ends,
    month_from_index,
    month_index,
    month_start_after,
    month_start_before,
    month_start_clamped,
    month_starts,
)

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
SRC = Path(__file__).resolve().parents[2] / "src" / "kizuna"

# ---------------------------------------------------------------- month ends and leap years

MONTH_ENDS_2026 = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


@pytest.mark.parametrize("month", range(1, 13))
def test_every_month_of_a_common_year_ends_on_its_day(month: int) -> None:
    # given any day of the month / when / then
    for day in (1, 15, MONTH_ENDS_2026[month - 1]):
        assert month_end(date(2026, month, day)) == date(2026, month, MONTH_ENDS_2026[month - 1])
        assert days_in_month(date(2026, month, day)) == MONTH_ENDS_2026[month - 1]


@pytest.mark.parametrize(
    ("year", "february"),
    [
        (2024, 29),  # divisible by 4
        (2026, 28),
        (2100, 28),  # divisible by 100, not by 400
        (2000, 29),  # divisible by 400
        (1900, 28),
        (1, 28),
        (4, 29),
        (9996, 29),
        (9999, 28),
    ],
)
def test_february_ends_by_the_gregorian_leap_rule(year: int, february: int) -> None:
    # given / when / then
    assert month_end(date(year, 2, 1)) == date(year, 2, february)
    assert days_in_month(date(year, 2, 10)) == february


def test_the_last_months_of_the_calendar_have_their_ends() -> None:
    # given / when / then
    assert month_end(date(9999, 12, 1)) == date(9999, 12, 31)
    assert month_end(date(1, 1, 1)) == date(1, 1, 31)


# ---------------------------------------------------------------- months as months


def test_month_index_counts_months_from_year_zero() -> None:
    # given / when / then
    assert month_index(date(2026, 3, 31)) == 2026 * 12 + 2 == 24314
    assert month_index(date(2026, 4, 1)) == 24315
    assert month_index(date(1, 1, 1)) == 12
    assert month_index(date(9999, 12, 31)) == 119999


@pytest.mark.parametrize(
    ("index", "expected"),
    [(24314, date(2026, 3, 1)), (24323, date(2026, 12, 1)), (24324, date(2027, 1, 1)),
     (12, date(1, 1, 1)), (119999, date(9999, 12, 1))],
)  # fmt: skip
def test_month_from_index_gives_the_first_day(index: int, expected: date) -> None:
    # given / when / then
    assert month_from_index(index) == expected


@pytest.mark.parametrize("index", [11, 0, -1, 120000])
def test_month_from_index_outside_the_years_1_to_9999_is_refused(index: int) -> None:
    # given / when / then
    with pytest.raises(ValueError, match="1-9999"):
        month_from_index(index)


def test_first_of_month() -> None:
    # given / when / then
    assert first_of_month(date(2026, 3, 31)) == date(2026, 3, 1)
    assert first_of_month(date(2026, 3, 1)) == date(2026, 3, 1)
    assert first_of_month(date(1, 1, 1)) == date(1, 1, 1)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 1)),  # the day is ignored, never clamped
        (date(2026, 1, 1), 1, date(2026, 2, 1)),
        (date(2026, 12, 15), 1, date(2027, 1, 1)),  # across a year
        (date(2026, 1, 15), -1, date(2025, 12, 1)),
        (date(2026, 1, 15), -13, date(2024, 12, 1)),
        (date(2026, 3, 31), -24, date(2024, 3, 1)),
        (date(2026, 3, 31), 0, date(2026, 3, 1)),
        (date(2026, 6, 30), -1200, date(1926, 6, 1)),
        (date(9999, 11, 30), 1, date(9999, 12, 1)),
        (date(1, 2, 28), -1, date(1, 1, 1)),
    ],
)
def test_month_start_after(day: date, months: int, expected: date) -> None:
    # given / when / then
    assert month_start_after(day, months) == expected
    assert month_start_before(day, -months) == expected


@pytest.mark.parametrize(("day", "months"), [(date(9999, 12, 31), 1), (date(1, 1, 31), -1)])
def test_month_start_after_beyond_the_calendar_is_refused(day: date, months: int) -> None:
    # given / when / then
    with pytest.raises(ValueError, match="1-9999"):
        month_start_after(day, months)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 3, 31), -11, date(2025, 4, 1)),  # inside the calendar, as month_start_after
        (date(9999, 6, 10), 12, date(9999, 12, 1)),  # held at the last month
        (date(9999, 12, 31), 1, date(9999, 12, 1)),
        (date(1, 3, 1), -12, date(1, 1, 1)),  # held at the first month
        (date(1, 1, 1), -1, date(1, 1, 1)),
    ],
)
def test_month_start_clamped_holds_at_the_calendar_edges(
    day: date, months: int, expected: date
) -> None:
    # given / when / then
    assert month_start_clamped(day, months) == expected


def test_month_start_before_counts_back_from_the_month_of_the_day() -> None:
    # given the onboarding dashboard's windows on 2026-03-31 / when / then
    today = date(2026, 3, 31)
    assert month_start_before(today, 0) == date(2026, 3, 1)
    assert month_start_before(today, 1) == date(2026, 2, 1)
    assert month_start_before(today, 3) == date(2025, 12, 1)
    assert month_start_before(today, 23) == date(2024, 4, 1)


def test_month_starts_and_ends_list_every_month_between_both_inclusive() -> None:
    # given a range across a year that starts and ends mid-month / when / then
    assert month_starts(date(2025, 11, 20), date(2026, 2, 1)) == [
        date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1),
    ]  # fmt: skip
    assert month_ends(date(2025, 11, 20), date(2026, 2, 1)) == [
        date(2025, 11, 30), date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 28),
    ]  # fmt: skip
    assert month_ends(date(2024, 2, 29), date(2024, 2, 29)) == [date(2024, 2, 29)]


def test_month_sequences_are_empty_when_the_first_month_is_after_the_last() -> None:
    # given / when / then
    assert month_starts(date(2026, 3, 1), date(2026, 2, 28)) == []
    assert month_ends(date(2026, 3, 1), date(2026, 2, 1)) == []
    # and one month's days in either order still make that one month
    assert month_starts(date(2026, 3, 31), date(2026, 3, 1)) == [date(2026, 3, 1)]


def test_month_sequences_reach_both_ends_of_the_calendar() -> None:
    # given / when / then
    assert month_starts(date(1, 1, 1), date(1, 3, 1)) == [
        date(1, 1, 1),
        date(1, 2, 1),
        date(1, 3, 1),
    ]
    assert month_ends(date(9999, 11, 5), date(9999, 12, 31)) == [
        date(9999, 11, 30), date(9999, 12, 31),
    ]  # fmt: skip
    assert len(month_starts(date(1, 1, 1), date(9999, 12, 31))) == 9999 * 12


# ---------------------------------------------------------------- a day moved by months


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # clamped to February's end
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap February
        (date(2100, 1, 31), 1, date(2100, 2, 28)),  # 2100 is not a leap year
        (date(2000, 1, 31), 1, date(2000, 2, 29)),  # 2000 is
        (date(2026, 1, 31), 3, date(2026, 4, 30)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2028, 3, 31), -1, date(2028, 2, 29)),
        (date(2026, 3, 15), -1, date(2026, 2, 15)),
        (date(2026, 5, 31), -3, date(2026, 2, 28)),
        (date(2026, 8, 31), -6, date(2026, 2, 28)),
        (date(2026, 1, 15), -1, date(2025, 12, 15)),  # across a year
        (date(2026, 1, 31), -14, date(2024, 11, 30)),  # back across two years, clamped
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2026, 2, 28), 1, date(2026, 3, 28)),  # never "month end to month end"
        (date(2026, 7, 4), 0, date(2026, 7, 4)),
        (date(9999, 11, 30), 1, date(9999, 12, 30)),
        (date(1, 2, 28), -1, date(1, 1, 28)),
    ],
)
def test_add_months_keeps_the_day_clamped_to_the_month_end(
    day: date, months: int, expected: date
) -> None:
    # given / when / then
    assert add_months(day, months) == expected


def test_add_months_is_not_reversible_after_a_clamp() -> None:
    # given a day clamped forward / when it is moved back / then it does not return
    assert add_months(add_months(date(2026, 1, 31), 1), -1) == date(2026, 1, 28)


@pytest.mark.parametrize(
    ("day", "months"), [(date(9999, 12, 1), 1), (date(1, 1, 31), -1), (date(2026, 1, 1), -30000)]
)
def test_add_months_beyond_the_calendar_is_refused(day: date, months: int) -> None:
    # given / when / then
    with pytest.raises(ValueError, match="1-9999"):
        add_months(day, months)


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (date(2024, 2, 29), 1, date(2025, 2, 28)),  # 29 February → 28 February
        (date(2024, 2, 29), 4, date(2028, 2, 29)),
        (date(2096, 2, 29), 4, date(2100, 2, 28)),  # 2100 is not a leap year
        (date(1996, 2, 29), 4, date(2000, 2, 29)),  # 2000 is
        (date(2024, 2, 29), -1, date(2023, 2, 28)),
        (date(2026, 4, 1), 1, date(2027, 4, 1)),
        (date(2026, 12, 31), 1, date(2027, 12, 31)),
        (date(9998, 12, 31), 1, date(9999, 12, 31)),
    ],
)
def test_add_years(day: date, years: int, expected: date) -> None:
    # given / when / then
    assert add_years(day, years) == expected


def test_add_years_beyond_9999_is_refused() -> None:
    # given / when / then
    with pytest.raises(ValueError, match="1-9999"):
        add_years(date(9999, 1, 1), 1)


# ---------------------------------------------------------------- fiscal year


@pytest.mark.parametrize(
    ("day", "year", "quarter"),
    [
        (date(2026, 3, 31), 2025, 4),  # the last day of FY2025
        (date(2026, 4, 1), 2026, 1),  # the first day of FY2026
        (date(2026, 6, 30), 2026, 1),
        (date(2026, 7, 1), 2026, 2),
        (date(2026, 9, 30), 2026, 2),
        (date(2026, 10, 1), 2026, 3),
        (date(2026, 12, 31), 2026, 3),
        (date(2027, 1, 1), 2026, 4),
        (date(2027, 3, 31), 2026, 4),
    ],
)
def test_the_fiscal_year_starts_in_april_by_default(day: date, year: int, quarter: int) -> None:
    # given / when / then
    assert fiscal_year(day) == year
    assert fiscal_quarter(day) == quarter


@pytest.mark.parametrize(
    ("start_month", "day", "year", "quarter"),
    [
        (1, date(2026, 1, 1), 2026, 1),  # calendar years
        (1, date(2026, 12, 31), 2026, 4),
        (10, date(2026, 9, 30), 2025, 4),
        (10, date(2026, 10, 1), 2026, 1),
        (12, date(2026, 11, 30), 2025, 4),
        (12, date(2026, 12, 1), 2026, 1),
        (12, date(2027, 2, 28), 2026, 1),
        (7, date(2026, 6, 30), 2025, 4),
    ],
)
def test_the_fiscal_year_follows_its_start_month(
    start_month: int, day: date, year: int, quarter: int
) -> None:
    # given / when / then
    assert fiscal_year(day, start_month) == year
    assert fiscal_quarter(day, start_month) == quarter


def test_fiscal_year_start_and_end() -> None:
    # given / when / then
    assert fiscal_year_start(2026) == date(2026, 4, 1)
    assert fiscal_year_end(2026) == date(2027, 3, 31)
    assert fiscal_year_end(2027) == date(2028, 3, 31)
    assert fiscal_year_end(2026, 1) == date(2026, 12, 31)
    assert fiscal_year_end(2023, 3) == date(2024, 2, 29)  # ends on a leap day
    assert fiscal_year_end(9999, 1) == date(9999, 12, 31)
    with pytest.raises(ValueError, match="1-9999"):
        fiscal_year_end(9999)  # would end in March 10000


@pytest.mark.parametrize("start_month", [0, 13, -1])
def test_a_fiscal_start_month_outside_1_to_12_is_refused(start_month: int) -> None:
    # given / when / then
    for call in (
        lambda: fiscal_year(date(2026, 4, 1), start_month),
        lambda: fiscal_quarter(date(2026, 4, 1), start_month),
        lambda: fiscal_year_start(2026, start_month),
    ):
        with pytest.raises(ValueError, match="1-12"):
            call()


def test_year_one_before_april_belongs_to_fiscal_year_zero() -> None:
    # given / when / then: documented, not refused; its start date cannot be written
    assert fiscal_year(date(1, 3, 31)) == 0
    with pytest.raises(ValueError):
        fiscal_year_start(0)


# ---------------------------------------------------------------- the company's day


def test_an_instant_late_in_utc_is_the_next_day_in_tokyo() -> None:
    # given 2026-03-31 15:30 UTC (= 2026-04-01 00:30 JST) / when / then
    instant = datetime(2026, 3, 31, 15, 30, tzinfo=UTC)
    assert local_day(instant, TOKYO) == date(2026, 4, 1)
    assert local_day(instant, UTC) == date(2026, 3, 31)
    # and it opens fiscal year 2026 in Tokyo while still in FY2025 in UTC
    assert fiscal_year(local_day(instant, TOKYO)) == 2026
    assert fiscal_year(local_day(instant, UTC)) == 2025


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (datetime(2026, 10, 31, 23, 30, tzinfo=TOKYO), date(2026, 10, 31)),
        (datetime(2026, 10, 31, 14, 59, 59, tzinfo=UTC), date(2026, 10, 31)),
        (datetime(2026, 10, 31, 15, 0, tzinfo=UTC), date(2026, 11, 1)),  # JST midnight
        (datetime(2026, 4, 1, 8, 0, tzinfo=timezone(timedelta(hours=-5))), date(2026, 4, 1)),
    ],
)
def test_local_day_reads_the_instant_in_the_company_zone(instant: datetime, expected: date) -> None:
    # given / when / then
    assert local_day(instant, TOKYO) == expected


def test_local_day_follows_daylight_saving_time() -> None:
    # given 04:30 UTC on the day New York moves its clocks (EDT, UTC−4, from 2026-03-08)
    # when / then it is still 2026-03-07 before the change and 2026-03-08 after
    assert local_day(datetime(2026, 3, 8, 4, 30, tzinfo=UTC), NEW_YORK) == date(2026, 3, 7)
    assert local_day(datetime(2026, 3, 8, 5, 30, tzinfo=UTC), NEW_YORK) == date(2026, 3, 8)


def test_local_day_refuses_a_naive_datetime() -> None:
    # given / when / then
    with pytest.raises(ValueError, match="aware"):
        local_day(datetime(2026, 10, 31, 23, 30), TOKYO)


@pytest.mark.parametrize(
    ("instant", "zone"),
    [
        (datetime(1, 1, 1, 0, 0, tzinfo=UTC), NEW_YORK),  # 31 December of year 0
        (datetime(9999, 12, 31, 20, 0, tzinfo=UTC), TOKYO),  # 1 January 10000
    ],
)
def test_local_day_outside_the_calendar_is_refused(instant: datetime, zone: ZoneInfo) -> None:
    # given / when / then
    with pytest.raises(ValueError, match="1-9999"):
        local_day(instant, zone)


# ---------------------------------------------------------------- properties

days = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
shifts = st.integers(min_value=-2400, max_value=2400)
recent = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))


@given(days)
def test_month_index_and_month_from_index_are_inverse(day: date) -> None:
    assert month_from_index(month_index(day)) == first_of_month(day)


@given(days)
def test_the_month_end_is_the_day_before_the_next_month(day: date) -> None:
    end = month_end(day)
    assert end.month == day.month and end.year == day.year
    assert (end.year == 9999 and end.month == 12) or (end + timedelta(days=1)).day == 1


@given(days, shifts)
def test_add_months_lands_in_the_right_month_on_a_day_no_later(day: date, months: int) -> None:
    try:
        moved = add_months(day, months)
    except ValueError:
        assert not 12 <= month_index(day) + months <= 119999
        return
    assert month_index(moved) == month_index(day) + months
    assert moved.day == min(day.day, days_in_month(moved))
    assert first_of_month(moved) == month_start_after(day, months)


@given(days, st.integers(min_value=-400, max_value=400), st.integers(min_value=-400, max_value=400))
def test_month_start_after_adds_up(day: date, first: int, second: int) -> None:
    try:
        combined = month_start_after(day, first + second)
        stepwise = month_start_after(month_start_after(day, first), second)
    except ValueError:
        return
    assert combined == stepwise


@given(recent, recent)
@settings(deadline=None)
def test_month_sequences_count_the_months_between(first: date, last: date) -> None:
    starts = month_starts(first, last)
    assert len(starts) == max(0, month_index(last) - month_index(first) + 1)
    assert month_ends(first, last) == [month_end(start) for start in starts]
    assert all(later == month_start_after(earlier, 1) for earlier, later in pairwise(starts))


@given(days, st.integers(min_value=1, max_value=12))
def test_a_fiscal_year_has_four_quarters_in_order(day: date, start_month: int) -> None:
    year, quarter = fiscal_year(day, start_month), fiscal_quarter(day, start_month)
    assert 1 <= quarter <= 4
    if year >= 1 and (year < 9999 or start_month == 1):
        assert fiscal_year_start(year, start_month) <= day <= fiscal_year_end(year, start_month)
        months_in = month_index(day) - month_index(fiscal_year_start(year, start_month))
        assert quarter == months_in // 3 + 1


# ---------------------------------------------------------------- one calendar only

#: names that were written more than once before ``core.calendar`` existed
RETIRED_COPIES = (
    "add_months", "_add_months", "shift_months", "month_ends", "month_index", "month_start",
    "month_add", "_next_month", "months_before", "_add_year", "month_starts", "month_end",
    "local_day",
)  # fmt: skip


def test_month_arithmetic_is_defined_only_in_the_calendar() -> None:
    # given every Python module of the source tree except the calendar
    pattern = re.compile(rf"^\s*def ({'|'.join(RETIRED_COPIES)})\(", re.MULTILINE)
    calendar = SRC / "core" / "calendar.py"
    # when we look for a definition of any name the calendar replaced
    found = [
        f"{path.relative_to(SRC)}: def {match.group(1)}"
        for path in sorted(SRC.rglob("*.py"))
        if path != calendar
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    ]
    # then there is none
    assert found == []
    assert pattern.search(calendar.read_text(encoding="utf-8"))


def test_no_module_counts_months_by_hand() -> None:
    # given the idioms of hand-written month arithmetic
    idioms = re.compile(
        r"\.year \* 12 \+|monthrange\(|timedelta\(days=3[12]\)|^import calendar$", re.M
    )
    calendar = SRC / "core" / "calendar.py"
    # when we look for them outside the calendar / then there are none
    found = [
        str(path.relative_to(SRC))
        for path in sorted(SRC.rglob("*.py"))
        if path != calendar and idioms.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []
