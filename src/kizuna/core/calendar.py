"""The one calendar: month arithmetic, fiscal periods and the company day of an instant.

Every date here is a plain ``datetime.date`` (proleptic Gregorian, years 1–9999). Two kinds of
month arithmetic exist, and their names say which one a caller gets:

- **Months as months** (``month_start_after``, ``month_start_before``, ``month_starts``,
  ``month_ends``, ``month_index``): a month is written as its first day; the day of the
  argument is ignored, so 2026-01-31 and 2026-01-01 give the same result. The revenue
  snapshots, the MRR chart, the capacity plan, the onboarding dashboard and the demo's history
  count in these.
- **A day moved by months** (``add_months``, ``add_years``): the same day of the month, clamped
  to the end of a shorter month (2026-01-31 + 1 month = 2026-02-28; 2024-02-29 + 1 year =
  2025-02-28). The coverage window (``core.coverage``: as_of − P months) and the onboarding
  renewal date count in these.

A result outside the years 1–9999 raises ``ValueError`` (never a silently wrong date).
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from datetime import date, datetime, tzinfo

#: the company's fiscal year starts in April unless its settings say otherwise (Japan's norm)
DEFAULT_FISCAL_YEAR_START_MONTH = 4

_FIRST_INDEX = 1 * 12  # month_index(date(1, 1, 1))
_LAST_INDEX = 9999 * 12 + 11  # month_index(date(9999, 12, 1))
#: days of each month (index 1–12) outside a leap year
_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def month_index(day: date) -> int:
    """The month index ``year · 12 + month − 1`` of the month containing ``day``
    (2026-03-31 → 24314). Consecutive months have consecutive indexes."""
    return day.year * 12 + day.month - 1


def month_from_index(index: int) -> date:
    """The first day of the month with index ``index`` (inverse of ``month_index``).

    Raises ``ValueError`` when the month is before 0001-01 or after 9999-12."""
    if not _FIRST_INDEX <= index <= _LAST_INDEX:
        raise ValueError(f"month index {index} is outside the years 1-9999")
    return date(index // 12, index % 12 + 1, 1)


def first_of_month(day: date) -> date:
    """The first day of ``day``'s month (2026-03-31 → 2026-03-01)."""
    return day.replace(day=1)


def days_in_month(day: date) -> int:
    """How many days ``day``'s month has: 28–31 (February 2024: 29, 2100: 28, 2000: 29)."""
    return _stdlib_calendar.monthrange(day.year, day.month)[1]


def month_end(day: date) -> date:
    """The last day of ``day``'s month (2026-02-10 → 2026-02-28, 2024-02-10 → 2024-02-29)."""
    return day.replace(day=days_in_month(day))


def month_start_after(day: date, months: int) -> date:
    """The first day of the month ``months`` months after ``day``'s month; negative goes back
    (2026-01-31, +1 → 2026-02-01; 2026-01-15, −13 → 2024-12-01). ``ValueError`` outside the
    years 1–9999."""
    return month_from_index(month_index(day) + months)


def month_start_before(day: date, months: int) -> date:
    """The first day of the month ``months`` months before ``day``'s month
    (2026-03-31, 3 → 2025-12-01; 0 → 2026-03-01)."""
    return month_start_after(day, -months)


def month_start_clamped(day: date, months: int) -> date:
    """Like ``month_start_after`` but held at 0001-01-01 and 9999-12-01 instead of raising
    (9999-06-10, +12 → 9999-12-01; 0001-03-01, −12 → 0001-01-01): for windows that reach past
    the calendar's edge."""
    return month_from_index(min(max(month_index(day) + months, _FIRST_INDEX), _LAST_INDEX))


def month_starts(first: date, last: date) -> list[date]:
    """The first day of every month from ``first``'s month to ``last``'s month, both
    inclusive, oldest first; empty when ``first``'s month is after ``last``'s."""
    return [month_from_index(i) for i in range(month_index(first), month_index(last) + 1)]


def month_ends(first: date, last: date) -> list[date]:
    """The last day of every month from ``first``'s month to ``last``'s month, both inclusive,
    oldest first; empty when ``first``'s month is after ``last``'s."""
    return [month_end(start) for start in month_starts(first, last)]


def add_months(day: date, months: int) -> date:
    """The same day of the month ``months`` calendar months later (earlier if negative),
    clamped to that month's last day: 2026-01-31 + 1 → 2026-02-28, 2026-03-31 − 1 →
    2026-02-28, 2024-01-31 + 1 → 2024-02-29. ``ValueError`` outside the years 1–9999.

    Not reversible after a clamp: (2026-01-31 + 1) − 1 = 2026-01-28.

    Plain arithmetic (the renewals derive millions of term boundaries with it)."""
    index = day.year * 12 + day.month - 1 + months
    if not _FIRST_INDEX <= index <= _LAST_INDEX:
        raise ValueError(f"month index {index} is outside the years 1-9999")
    year, month = divmod(index, 12)
    month += 1
    last = _MONTH_DAYS[month]
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        last = 29
    return date(year, month, min(day.day, last))


def add_years(day: date, years: int) -> date:
    """The same day ``years`` years later (earlier if negative); 29 February becomes
    28 February in a year without it (2024-02-29 + 1 → 2025-02-28, + 4 → 2028-02-29).
    ``ValueError`` outside the years 1–9999."""
    return add_months(day, 12 * years)


def fiscal_year(day: date, start_month: int = DEFAULT_FISCAL_YEAR_START_MONTH) -> int:
    """The fiscal year containing ``day``, named by the calendar year in which it starts (as
    Japan names 年度: FY2026 runs 2026-04-01 … 2027-03-31 when it starts in April).
    ``start_month`` 1 makes fiscal years calendar years. ``ValueError`` unless 1 ≤
    ``start_month`` ≤ 12."""
    _check_start_month(start_month)
    return day.year if day.month >= start_month else day.year - 1


def fiscal_quarter(day: date, start_month: int = DEFAULT_FISCAL_YEAR_START_MONTH) -> int:
    """The quarter 1–4 of ``day`` within its fiscal year (April start: April–June is Q1,
    January–March is Q4)."""
    _check_start_month(start_month)
    return (day.month - start_month) % 12 // 3 + 1


def fiscal_year_start(year: int, start_month: int = DEFAULT_FISCAL_YEAR_START_MONTH) -> date:
    """The first day of fiscal year ``year`` (FY2026 from April → 2026-04-01)."""
    _check_start_month(start_month)
    return date(year, start_month, 1)


def fiscal_year_end(year: int, start_month: int = DEFAULT_FISCAL_YEAR_START_MONTH) -> date:
    """The last day of fiscal year ``year`` (FY2026 from April → 2027-03-31; from January →
    2026-12-31). ``ValueError`` when it falls after 9999-12-31."""
    return month_end(month_start_after(fiscal_year_start(year, start_month), 11))


def _check_start_month(start_month: int) -> None:
    if not 1 <= start_month <= 12:
        raise ValueError(f"the fiscal year start month must be 1-12, not {start_month}")


def local_day(instant: datetime, zone: tzinfo) -> date:
    """The calendar day of an aware instant in the time zone ``zone`` (the company's).

    2026-03-31 15:30 UTC → 2026-04-01 in Asia/Tokyo; 2026-10-31 23:30 JST (14:30 UTC) →
    2026-10-31. Raises ``ValueError`` for a naive datetime (its day would be a guess) and when
    the local day falls outside the years 1–9999 (0001-01-01 00:00 UTC in a zone west of UTC).
    """
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("the instant must be an aware datetime")
    try:
        return instant.astimezone(zone).date()
    except OverflowError as error:
        raise ValueError("the local day is outside the years 1-9999") from error
