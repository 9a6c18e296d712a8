"""Per-account usage figures derived from the daily rollup (pure Python, exact).

Windows end on ``as_of`` **inclusive** and are counted in company-time-zone days:
the 7-day window is ``as_of − 6 … as_of``, the 28-day window ``as_of − 27 … as_of`` and the
previous week ``as_of − 13 … as_of − 7``. A day missing from the series counts as 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass


def window_sum(series: Mapping[dt.date, int], *, last_day: dt.date, days: int) -> int:
    """Σ series[d] for d in ``last_day − (days − 1) … last_day`` (missing days, and days
    before ``dt.date.min``, are 0)."""
    reachable = min(days, (last_day - dt.date.min).days + 1)
    return sum(series.get(last_day - dt.timedelta(days=offset), 0) for offset in range(reachable))


@dataclass(frozen=True)
class UsageTrend:
    sum_7d: int
    sum_28d: int
    previous_7d: int
    #: (sum_7d − previous_7d) / previous_7d; None when the previous week had no usage.
    week_over_week: float | None


def usage_trend(series: Mapping[dt.date, int], *, as_of: dt.date) -> UsageTrend:
    """7- and 28-day sums and the week-over-week change of a daily series (e.g. events)."""
    week_before = as_of - dt.timedelta(days=7) if as_of >= dt.date.min + dt.timedelta(7) else None
    return usage_trend_weekly(
        [
            window_sum(series, last_day=as_of, days=7),
            window_sum(series, last_day=week_before, days=7) if week_before else 0,
        ],
        sum_28d=window_sum(series, last_day=as_of, days=28),
    )


def usage_trend_weekly(weeks: Sequence[int], *, sum_28d: int) -> UsageTrend:
    """``usage_trend`` from the weekly sums (week 0 = the 7 days ending ``as_of``, week 1 the 7
    before; ``drops.weekly_sums``) and the 28-day sum."""
    sum_7d, previous = weeks[0], weeks[1]
    return UsageTrend(
        sum_7d=sum_7d,
        sum_28d=sum_28d,
        previous_7d=previous,
        week_over_week=(sum_7d - previous) / previous if previous else None,
    )


def feature_adoption(*, used: Collection[str], key_features: Collection[str]) -> float | None:
    """Key features used / key features of the account's products; None when it has none.

    ``used`` is the set of features with at least one event in the window (28 days on pages).
    """
    keys = set(key_features)
    if not keys:
        return None
    return len(keys & set(used)) / len(keys)


def active_user_ratio(*, active_users: int, seats: int | None) -> float | None:
    """Distinct active users over 28 days / contracted seats; None when seats are unknown or 0.

    It can exceed 1 (more people use the product than the contract counts).
    """
    if not seats:
        return None
    return active_users / seats
