"""The Japanese business-day calendar: task due dates count in these days (docs/tasks.md).

A day is a **business day** unless it is

- a Saturday or a Sunday;
- one of Japan's national holidays (国民の祝日), substitute holidays (振替休日) and citizens'
  holidays (国民の休日) included, as the ``holidays`` package lists them (it follows the law
  as it changes, e.g. the 2020/2021 Olympic moves);
- in the company's year-end closure (年末年始), 12/29–1/3 by default, the common closure of
  Japanese companies; ``year_end_closure=False`` turns it off for a company that works then.

The national holidays are known for the years ``FIRST_YEAR``–``LAST_YEAR`` (1949, when the
holiday law took effect, to the last year the package computes). A day outside them raises
``ValueError``: a guess there would be a silently wrong due date. Counting that runs past
those years (or past 9999-12-31) raises ``ValueError`` too, never another exception.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from holidays.countries.japan import Japan

FIRST_YEAR: int = Japan.start_year
LAST_YEAR: int = Japan.end_year
#: The most business days one call moves or counts: about eight years. A task is due in days
#: or weeks; a larger number is a mistake, refused before any loop runs.
MAX_BUSINESS_DAYS = 2000

_ONE_DAY = dt.timedelta(days=1)
_SATURDAY = 5


@lru_cache(maxsize=256)
def _national_holidays(year: int) -> frozenset[dt.date]:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(
            f"Japan's national holidays are known for {FIRST_YEAR}-{LAST_YEAR}, not {year}"
        )
    return frozenset(Japan(years=year).keys())


def national_holiday_name(day: dt.date) -> str | None:
    """The national holiday's name (in English) on ``day``, or None on another day."""
    if day not in _national_holidays(day.year):
        return None
    return str(Japan(years=day.year, language="en_US").get(day))


def in_year_end_closure(day: dt.date) -> bool:
    """12/29–12/31 and 1/1–1/3, both ends inclusive (年末年始)."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def is_business_day(day: dt.date, *, year_end_closure: bool = True) -> bool:
    """True on a weekday that is neither a national holiday nor (when ``year_end_closure``) in
    the year-end closure. Raises ``ValueError`` for a year outside ``FIRST_YEAR``–``LAST_YEAR``."""
    holidays_of_year = _national_holidays(day.year)
    if day.weekday() >= _SATURDAY or day in holidays_of_year:
        return False
    return not (year_end_closure and in_year_end_closure(day))


def _next_day(day: dt.date) -> dt.date:
    try:
        return day + _ONE_DAY
    except OverflowError:
        raise ValueError("the business-day count runs past 9999-12-31") from None


def _check_count(n: int) -> None:
    if not 0 <= n <= MAX_BUSINESS_DAYS:
        raise ValueError(f"business days must be 0-{MAX_BUSINESS_DAYS}, not {n}")


def next_business_day_on_or_after(day: dt.date, *, year_end_closure: bool = True) -> dt.date:
    """``day`` itself if it is a business day, else the first business day after it."""
    while not is_business_day(day, year_end_closure=year_end_closure):
        day = _next_day(day)
    return day


def add_business_days(day: dt.date, n: int, *, year_end_closure: bool = True) -> dt.date:
    """The ``n``-th business day after ``day`` (``0 ≤ n ≤ MAX_BUSINESS_DAYS``).

    ``day`` itself is not counted, whether or not it is a business day: from Friday
    2026-05-01, 1 business day is Thursday 2026-05-07 (5/2–5/6 are a weekend and Golden Week).
    ``n = 0`` means "today if today is a business day, else the next one": from Sunday
    2026-05-03 it gives 2026-05-07. Raises ``ValueError`` for ``n`` out of range, or when the
    count leaves the years the calendar knows."""
    _check_count(n)
    _national_holidays(day.year)  # the start's year is known, or raise
    if n == 0:
        return next_business_day_on_or_after(day, year_end_closure=year_end_closure)
    counted = 0
    while counted < n:
        day = _next_day(day)
        if is_business_day(day, year_end_closure=year_end_closure):
            counted += 1
    return day


def business_days_between(start: dt.date, end: dt.date, *, year_end_closure: bool = True) -> int:
    """How many business days lie after ``start`` up to and including ``end``; negative (the
    same count, signed) when ``end`` is before ``start``; 0 when they are equal. So
    ``business_days_between(d, add_business_days(d, n)) == n`` for every ``n ≥ 1``.

    Raises ``ValueError`` when the span is longer than ``2 · MAX_BUSINESS_DAYS`` calendar days
    (the count walks day by day), or leaves the years the calendar knows."""
    _national_holidays(start.year), _national_holidays(end.year)  # both years known, or raise
    if end < start:
        return -business_days_between(end, start, year_end_closure=year_end_closure)
    if (end - start).days > MAX_BUSINESS_DAYS * 2:
        raise ValueError(f"the span {start}..{end} is too long to count in business days")
    count = 0
    day = start
    while day < end:
        day = day + _ONE_DAY
        if is_business_day(day, year_end_closure=year_end_closure):
            count += 1
    return count
