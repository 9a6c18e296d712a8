"""Usage-rule criteria: the first day each rule held, from the per-account-day rollups.

Inputs (Polars frames):

- ``rules``: ``rule_id`` (Int64), ``account_id`` (Int64), ``started_on`` (Date), ``metric``,
  ``feature`` (String; "" unless ``feature_events``), ``threshold`` (Int64), ``window_days``
  (Int64) and ``seats`` (Int64, null when unknown);
- ``daily``: ``account_id``, ``day``, ``events``, ``active_users`` (``UsageDay``);
- ``feature_daily``: ``account_id``, ``day``, ``feature``, ``events``.

A rule **holds on day d** when, over the window of ``window_days`` calendar days ending on d
(d − w, d], counting only days on or after ``started_on`` (usage before the onboarding started
does not count toward it):

- ``events``: the sum of the account's events ≥ threshold;
- ``feature_events``: the sum of the feature's events ≥ threshold;
- ``active_days``: the number of days with at least one event ≥ threshold;
- ``seat_share``: on day d itself, active users × 100 ≥ threshold × seats (threshold is a
  percentage; the window does not apply; unknown or zero seats never hold).

Missing days count as zero. ``first_met`` returns, per rule that held, the first day d with
``since ≤ d ≤ as_of`` and ``d ≥ started_on`` on which it held (rules never met are absent). A
criterion stays met once met: the caller keeps the day and does not ask again.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

RULE_SCHEMA = pl.Schema(
    {
        "rule_id": pl.Int64(),
        "account_id": pl.Int64(),
        "started_on": pl.Date(),
        "metric": pl.String(),
        "feature": pl.String(),
        "threshold": pl.Int64(),
        "window_days": pl.Int64(),
        "seats": pl.Int64(),
    }
)
MET_SCHEMA = pl.Schema({"rule_id": pl.Int64(), "met_on": pl.Date()})


def first_met(
    rules: pl.DataFrame,
    daily: pl.DataFrame,
    feature_daily: pl.DataFrame,
    *,
    since: date,
    as_of: date,
) -> pl.DataFrame:
    """``rule_id, met_on`` for every rule that held on a day in [since, as_of]."""
    if rules.is_empty() or since > as_of:
        return pl.DataFrame(schema=MET_SCHEMA)
    observed = pl.concat(
        [
            _daily_values(rules, daily, since=since, as_of=as_of),
            _feature_values(rules, feature_daily, since=since, as_of=as_of),
        ]
    )
    held = [
        _held(group, window)
        for (window,), group in observed.partition_by("window_days", as_dict=True).items()
    ]
    if not held:
        return pl.DataFrame(schema=MET_SCHEMA)
    return (
        pl.concat(held)
        .filter(pl.col("day") >= since)
        .group_by("rule_id")
        .agg(pl.col("day").min().alias("met_on"))
        .sort("rule_id")
    )


def _window_start(since: date) -> pl.Expr:
    """The earliest day a window ending on or after ``since`` can reach, and never before the
    onboarding started."""
    earliest = pl.lit(since) - pl.duration(days=pl.col("window_days") - 1)
    return pl.max_horizontal(earliest, pl.col("started_on"))


def _daily_values(
    rules: pl.DataFrame, daily: pl.DataFrame, *, since: date, as_of: date
) -> pl.DataFrame:
    wanted = rules.filter(pl.col("metric") != "feature_events")
    joined = wanted.join(daily, on="account_id").filter(
        pl.col("day").is_between(_window_start(since), pl.lit(as_of))
    )
    value = (
        pl.when(pl.col("metric") == "events")
        .then(pl.col("events"))
        .when(pl.col("metric") == "active_days")
        .then((pl.col("events") > 0).cast(pl.Int64))
        .otherwise(  # seat_share: 1 on a day that reaches the share, then a threshold of 1
            (
                (pl.col("seats") > 0)
                & (pl.col("active_users") * 100 >= pl.col("threshold") * pl.col("seats"))
            ).cast(pl.Int64)
        )
    )
    is_share = pl.col("metric") == "seat_share"
    return joined.select(
        "rule_id",
        "day",
        value.fill_null(0).cast(pl.Int64).alias("value"),
        pl.when(is_share).then(1).otherwise(pl.col("threshold")).cast(pl.Int64).alias("threshold"),
        pl.when(is_share)
        .then(1)
        .otherwise(pl.col("window_days"))
        .cast(pl.Int64)
        .alias("window_days"),
    )


def _feature_values(
    rules: pl.DataFrame, feature_daily: pl.DataFrame, *, since: date, as_of: date
) -> pl.DataFrame:
    wanted = rules.filter(pl.col("metric") == "feature_events")
    joined = wanted.join(feature_daily, on=["account_id", "feature"]).filter(
        pl.col("day").is_between(_window_start(since), pl.lit(as_of))
    )
    return joined.select(
        "rule_id",
        "day",
        pl.col("events").cast(pl.Int64).alias("value"),
        pl.col("threshold").cast(pl.Int64),
        pl.col("window_days").cast(pl.Int64),
    )


def _held(observed: pl.DataFrame, window: int) -> pl.DataFrame:
    """Days on which the window sum reached the threshold. Sums only grow on observed days, so
    the first day a rule holds is always an observed day."""
    return (
        observed.sort("rule_id", "day")
        .rolling(index_column="day", period=timedelta(days=window), group_by="rule_id")
        .agg(pl.col("value").sum().alias("total"), pl.col("threshold").first())
        .filter(pl.col("total") >= pl.col("threshold"))
        .select("rule_id", "day")
    )
