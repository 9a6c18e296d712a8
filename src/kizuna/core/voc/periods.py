"""The reporting periods of the survey analysis: calendar months, fiscal quarters, fiscal years.

A period is named by an integer index over month indexes (``core.calendar.month_index``), so
that answers are grouped by integer keys and a period's days are derived only for display:

- ``month``: the month index itself (``year · 12 + month − 1``);
- ``quarter``: ``(month index − (s − 1)) // 3`` with ``s`` the fiscal year's first month, so
  quarter 1 of a fiscal year starts in month ``s`` (April start: April–June is Q1, January–March
  Q4);
- ``fiscal_year``: ``(month index − (s − 1)) // 12``, which is the calendar year in which the
  fiscal year starts (FY2026 from April = 2026-04-01 … 2027-03-31), as ``core.calendar``
  names it.

A period at the edge of the calendar (FY0 from April holds 0001-01 … 0001-03; FY9999 from April
runs past 9999-12-31) keeps its index; its ``first_day`` / ``last_day`` are the days of it that
exist (clamped to 0001-01-01 and 9999-12-31).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

import polars as pl

from kizuna.core.calendar import (
    DEFAULT_FISCAL_YEAR_START_MONTH,
    fiscal_year,
    month_end,
    month_from_index,
    month_index,
)

PeriodKind = Literal["month", "quarter", "fiscal_year"]

#: every kind of period, shortest first
PERIOD_KINDS: Final[tuple[PeriodKind, ...]] = ("month", "quarter", "fiscal_year")

#: months per period of each kind
_SPAN: Final[dict[PeriodKind, int]] = {"month": 1, "quarter": 3, "fiscal_year": 12}
_FIRST_MONTH_INDEX: Final = month_index(date.min)
_LAST_MONTH_INDEX: Final = month_index(date.max)


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """One month, fiscal quarter or fiscal year (see the module docstring for ``index``)."""

    kind: PeriodKind
    index: int
    fiscal_start_month: int = DEFAULT_FISCAL_YEAR_START_MONTH

    @property
    def _first_month(self) -> int:
        """Month index of the period's first month (may lie before year 1 at the edge)."""
        if self.kind == "month":
            return self.index
        return self.index * _SPAN[self.kind] + self.fiscal_start_month - 1

    @property
    def first_day(self) -> date:
        """The period's first day (0001-01-01 when the period starts before it)."""
        return month_from_index(max(self._first_month, _FIRST_MONTH_INDEX))

    @property
    def last_day(self) -> date:
        """The period's last day, inclusive (9999-12-31 when the period ends after it)."""
        last = min(self._first_month + _SPAN[self.kind] - 1, _LAST_MONTH_INDEX)
        return month_end(month_from_index(last))

    @property
    def fiscal_year(self) -> int:
        """The fiscal year the period belongs to (a month: the fiscal year of its first day)."""
        if self.kind == "month":
            return fiscal_year(self.first_day, self.fiscal_start_month)
        return self.index // 4 if self.kind == "quarter" else self.index

    @property
    def number(self) -> int:
        """Month 1–12 of the calendar, quarter 1–4 of the fiscal year, or 1 for a year."""
        if self.kind == "month":
            return self.index % 12 + 1
        return self.index % 4 + 1 if self.kind == "quarter" else 1


def period_index(kind: PeriodKind, month: int, fiscal_start_month: int) -> int:
    """The index of the period of ``kind`` holding the month with index ``month``."""
    if kind == "month":
        return month
    return (month - (fiscal_start_month - 1)) // _SPAN[kind]


def period_index_expr(kind: PeriodKind, month: pl.Expr, fiscal_start_month: int) -> pl.Expr:
    """Polars expression: ``period_index`` of an integer month-index expression."""
    if kind == "month":
        return month
    return (month - (fiscal_start_month - 1)) // _SPAN[kind]


def periods_between(
    kind: PeriodKind, first_day: date, last_day: date, fiscal_start_month: int
) -> list[Period]:
    """Every period of ``kind`` that holds a day of ``first_day`` … ``last_day`` (both
    inclusive), oldest first; empty when ``first_day`` is after ``last_day``."""
    if not 1 <= fiscal_start_month <= 12:
        raise ValueError(f"the fiscal year start month must be 1-12, not {fiscal_start_month}")
    if first_day > last_day:
        return []
    low = period_index(kind, month_index(first_day), fiscal_start_month)
    high = period_index(kind, month_index(last_day), fiscal_start_month)
    return [Period(kind, index, fiscal_start_month) for index in range(low, high + 1)]
