"""Trends and drop detection on constructed series, with exact expectations."""

from __future__ import annotations

import datetime as dt

from kizuna.core.usage.drops import DropRule, detect_drops, robust_z_drop, share_drop
from kizuna.core.usage.trend import active_user_ratio, feature_adoption, usage_trend

AS_OF = dt.date(2026, 3, 31)


def series(*weeks: int) -> dict[dt.date, int]:
    """Weekly totals, oldest first, the last week ending on AS_OF; spread as 1 day per week."""
    out: dict[dt.date, int] = {}
    for index, total in enumerate(reversed(weeks)):
        out[AS_OF - dt.timedelta(days=7 * index)] = total
    return out


def test_usage_trend_sums_and_week_over_week() -> None:
    trend = usage_trend(series(10, 20, 30, 40, 50, 25), as_of=AS_OF)
    assert (trend.sum_7d, trend.previous_7d, trend.sum_28d) == (25, 50, 145)
    assert trend.week_over_week == -0.5
    assert usage_trend(series(0, 5), as_of=AS_OF).week_over_week is None


def test_adoption_and_seat_ratio_are_undefined_on_zero_denominators() -> None:
    assert feature_adoption(used={"a", "x"}, key_features={"a", "b", "c", "d"}) == 0.25
    assert feature_adoption(used={"a"}, key_features=set()) is None
    assert active_user_ratio(active_users=30, seats=40) == 0.75
    assert active_user_ratio(active_users=30, seats=None) is None
    assert active_user_ratio(active_users=30, seats=0) is None


def test_share_drop_fires_below_half_of_the_previous_weekly_average() -> None:
    # baseline = (100 + 100 + 100 + 100) / 4 = 100
    signal = share_drop(series(100, 100, 100, 100, 49), as_of=AS_OF)
    assert signal is not None
    assert (signal.recent, signal.baseline, signal.value, signal.threshold) == (
        49,
        100.0,
        0.49,
        0.5,
    )
    assert share_drop(series(100, 100, 100, 100, 50), as_of=AS_OF) is None
    assert share_drop(series(0, 0, 0, 0, 0), as_of=AS_OF) is None
    assert (
        share_drop(series(100, 100, 100, 100, 69), as_of=AS_OF, rule=DropRule(share=0.7))
        is not None
    )


def test_robust_z_uses_median_and_mad() -> None:
    # weeks before: 90, 110, 100, 100, 95, 105, 100, 100 → median 100, MAD 2.5
    history = (100, 100, 105, 95, 100, 100, 110, 90)
    signal = robust_z_drop(series(*history, 80), as_of=AS_OF)
    assert signal is not None
    assert signal.baseline == 100.0
    assert round(signal.value, 4) == round(0.6745 * (80 - 100) / 2.5, 4) == -5.396
    assert robust_z_drop(series(*history, 90), as_of=AS_OF) is None  # z = −2.698
    # a perfectly regular history has MAD 0: undefined, no signal
    assert robust_z_drop(series(*([100] * 8), 10), as_of=AS_OF) is None


def test_detect_drops_returns_every_method_that_fires() -> None:
    history = (100, 100, 105, 95, 100, 100, 110, 90)
    assert [s.method for s in detect_drops(series(*history, 20), as_of=AS_OF)] == [
        "share",
        "robust_z",
    ]
    assert detect_drops(series(*history, 100), as_of=AS_OF) == []
