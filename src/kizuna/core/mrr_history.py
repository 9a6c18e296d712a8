"""One account's MRR month by month, for its MRR history chart.

The company-wide revenue figures (movements, churn, GRR, NRR) live in ``kizuna.core.revenue``;
this is the small per-account series the account page draws.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from kizuna.core.calendar import month_end, month_start_before, month_starts


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


def monthly_mrr(lines: Sequence[LineSpan], *, last_month: dt.date, months: int) -> list[MonthlyMrr]:
    """MRR on the last day of each month, oldest first, ending with ``last_month``'s month.

    MRR(m) = Σ mrr of lines with start ≤ last_day(m) < end. ``months`` ≤ 0 gives an empty list.
    """
    if months <= 0:
        return []
    series = []
    for month in month_starts(month_start_before(last_month, months - 1), last_month):
        day = month_end(month)
        total = sum(
            line.mrr for line in lines if line.start <= day and (line.end is None or day < line.end)
        )
        series.append(MonthlyMrr(month=month, mrr=total))
    return series
