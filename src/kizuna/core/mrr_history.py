"""One account's MRR month by month, for its MRR history chart.

The company-wide revenue figures (movements, churn, GRR, NRR) live in ``kizuna.core.revenue``;
this is the small per-account series the account page draws.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class LineSpan:
    """A subscription line: active on day d when ``start ≤ d < end`` (``end`` None = open)."""

    start: dt.date
    end: dt.date | None
    mrr: int


@dataclass(frozen=True)
class MonthlyMrr:
    month: dt.date  # first day of the month
    mrr: int  # minor units, lines active on the month's last day


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def add_months(month: dt.date, count: int) -> dt.date:
    """The first day of the month ``count`` months after ``month`` (negative goes back)."""
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def monthly_mrr(lines: Sequence[LineSpan], *, last_month: dt.date, months: int) -> list[MonthlyMrr]:
    """MRR on the last day of each month, oldest first, ending with ``last_month``'s month.

    MRR(m) = Σ mrr of lines with start ≤ last_day(m) < end. ``months`` ≤ 0 gives an empty list.
    """
    first = add_months(last_month.replace(day=1), -(months - 1))
    series = []
    for offset in range(max(months, 0)):
        month = add_months(first, offset)
        day = month_end(month)
        total = sum(
            line.mrr for line in lines if line.start <= day and (line.end is None or day < line.end)
        )
        series.append(MonthlyMrr(month=month, mrr=total))
    return series
