"""The score inputs of each account as of a day, from data dated on or before that day only.

One row per account and ``as_of`` day, the columns a score model's components read:

- ``active_user_ratio``: the most active users of one day in the 28 days ending ``as_of``
  ÷ contracted seats (a lower bound of distinct users; null without seats or usage rows);
- ``feature_adoption``: key features used in those 28 days ÷ key features of the account's
  products (null when the products have none);
- ``usage_trend``: events of the 7 days ending ``as_of`` ÷ the weekly average of the 28 days
  before them (1 = as usual; null when that baseline is 0);
- ``days_since_touch``: days since the last touchpoint on or before ``as_of`` (null: never);
- ``days_to_renewal``: days from ``as_of`` to the next anniversary of the account's contract
  start (the earliest start of the lines active on ``as_of``);
- ``onboarding_ok``: 1 when every onboarding of the account that started by ``as_of`` is
  completed (or revived), 0.5 while one is in progress, 0 when one is stalled, expected to
  churn or churned; null without onboardings;
- ``sentiment``: the CSM's sentiment (1–5) in force on ``as_of`` (null: none);
- ``nps_last``: what the account's contacts said last about recommending us — the mean NPS
  score (0–10) of the answers given on the latest day, within the ``VOC_WINDOW`` days ending
  ``as_of``, on which any contact of the account answered an NPS survey (several contacts
  answering that day count alike; null: no NPS answer in the window);
- ``csat_mean``: the mean CSAT score (1–5) of the account's answers in those days (null: none);
- ``voc_answers``: how many answers (NPS and CSAT) those two read (0: none).

  Answers are dated by their company calendar day. A null score, or one outside its kind's
  range (NPS 0–10, CSAT 1–5), is not an answer; an answer after ``as_of`` is never read;
- ``data_until``: the latest date of any row used (never after ``as_of``: the leakage guard).

Only accounts with a line active on ``as_of`` get a row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import polars as pl

WINDOW = 28
#: the survey answers ``nps_last`` and ``csat_mean`` read: those of the days (as_of − 365, as_of]
VOC_WINDOW = 365
#: the inputs from survey answers: optional, as many companies run no survey (a history table
#: without them is read as having no answers)
VOC_INPUTS = frozenset({"nps_last", "csat_mean"})
#: the scores an answer of each kind may have (both inclusive); others are not read
VOC_RANGE = {"nps": (0, 10), "csat": (1, 5)}
SCHEMAS: dict[str, pl.Schema] = {
    "usage": pl.Schema(
        {"account_id": pl.Int64, "day": pl.Date, "events": pl.Int64, "active_users": pl.Int64}
    ),
    "features": pl.Schema({"account_id": pl.Int64, "day": pl.Date, "feature": pl.String}),
    "lines": pl.Schema(
        {
            "account_id": pl.Int64,
            "start_date": pl.Date,
            "end_date": pl.Date,
            "seats": pl.Int64,
            "product": pl.String,
        }
    ),
    "key_features": pl.Schema({"product": pl.String, "feature": pl.String}),
    "touches": pl.Schema({"account_id": pl.Int64, "day": pl.Date}),
    "onboarding": pl.Schema(
        {
            "account_id": pl.Int64,
            "onboarding_id": pl.Int64,
            "on": pl.Date,
            "state": pl.String,
        }
    ),
    "sentiment": pl.Schema(
        {
            "account_id": pl.Int64,
            "value": pl.Int64,
            "from_day": pl.Date,
            "until_day": pl.Date,
        }
    ),
    "answers": pl.Schema(
        {"account_id": pl.Int64, "day": pl.Date, "kind": pl.String, "score": pl.Int64}
    ),
}
ONBOARDING_VALUE = {
    "completed": 1.0,
    "revived": 1.0,
    "in_progress": 0.5,
    "stalled": 0.0,
    "expected_churn": 0.0,
    "churned": 0.0,
}


def empty(name: str) -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMAS[name])


def inputs_on(
    day: date,
    *,
    usage: pl.DataFrame,
    features: pl.DataFrame,
    lines: pl.DataFrame,
    key_features: pl.DataFrame,
    touches: pl.DataFrame,
    onboarding: pl.DataFrame,
    sentiment: pl.DataFrame,
    answers: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The inputs of every account active on ``day`` (see the module docstring); without
    ``answers`` the survey inputs are null."""
    active = lines.filter(
        (pl.col("start_date") <= day) & (pl.col("end_date").is_null() | (pl.col("end_date") > day))
    )
    accounts = active.group_by("account_id").agg(
        pl.col("seats").sum().alias("seats"),
        pl.col("start_date").min().alias("contract_start"),
        pl.col("product").unique().alias("products"),
    )
    frame = accounts.with_columns(pl.lit(day).alias("as_of"))
    for part in (
        _usage(day, usage),
        _adoption(day, features, active, key_features),
        _touch(day, touches),
        _onboarding(day, onboarding),
        _sentiment(day, sentiment),
        _voc(day, answers if answers is not None else empty("answers")),
    ):
        frame = frame.join(part, on="account_id", how="left")
    return frame.with_columns(
        pl.when(pl.col("seats") > 0)
        .then(pl.col("peak_users") / pl.col("seats"))
        .alias("active_user_ratio"),
        _days_to_renewal(day).alias("days_to_renewal"),
        pl.col("voc_answers").fill_null(0),
        pl.max_horizontal(
            "usage_until", "touch_until", "onboarding_until", "voc_until", "contract_start"
        ).alias("data_until"),
    ).select(
        "account_id",
        "as_of",
        "active_user_ratio",
        "feature_adoption",
        "usage_trend",
        "days_since_touch",
        "days_to_renewal",
        "onboarding_ok",
        "sentiment",
        "nps_last",
        "csat_mean",
        "voc_answers",
        "data_until",
    )


def inputs_over(days: Sequence[date], **data: pl.DataFrame) -> pl.DataFrame:
    """``inputs_on`` for each day, stacked (the backtest's rows)."""
    frames = [inputs_on(day, **data) for day in days]
    return pl.concat(frames) if frames else inputs_on(date.min, **data).clear()


def _usage(day: date, usage: pl.DataFrame) -> pl.DataFrame:
    first = day - timedelta(days=WINDOW + 6)
    rows = usage.filter(pl.col("day").is_between(first, day))
    recent = pl.col("day") > day - timedelta(days=7)
    window = pl.col("day") > day - timedelta(days=WINDOW)
    baseline = pl.col("events").filter(~recent).sum() / (WINDOW / 7)
    return rows.group_by("account_id").agg(
        pl.col("active_users").filter(window).max().alias("peak_users"),
        pl.when(baseline > 0)
        .then(pl.col("events").filter(recent).sum() / baseline)
        .alias("usage_trend"),
        pl.col("day").max().alias("usage_until"),
    )


def _adoption(
    day: date, features: pl.DataFrame, active: pl.DataFrame, key_features: pl.DataFrame
) -> pl.DataFrame:
    keys = active.select("account_id", "product").unique().join(key_features, on="product")
    wanted = keys.group_by("account_id").agg(pl.col("feature").n_unique().alias("n_keys"))
    used = (
        features.filter(pl.col("day").is_between(day - timedelta(days=WINDOW - 1), day))
        .select("account_id", "feature")
        .unique()
        .join(keys.select("account_id", "feature").unique(), on=["account_id", "feature"])
        .group_by("account_id")
        .agg(pl.len().alias("n_used"))
    )
    return wanted.join(used, on="account_id", how="left").select(
        "account_id",
        (pl.col("n_used").fill_null(0) / pl.col("n_keys")).alias("feature_adoption"),
    )


def _touch(day: date, touches: pl.DataFrame) -> pl.DataFrame:
    return (
        touches.filter(pl.col("day") <= day)
        .group_by("account_id")
        .agg(pl.col("day").max().alias("touch_until"))
        .with_columns(
            (pl.lit(day) - pl.col("touch_until")).dt.total_days().alias("days_since_touch")
        )
    )


def _onboarding(day: date, onboarding: pl.DataFrame) -> pl.DataFrame:
    latest = (
        onboarding.filter(pl.col("on") <= day)
        .sort("on")
        .group_by("account_id", "onboarding_id")
        .agg(pl.col("state").last(), pl.col("on").last())
        .with_columns(pl.col("state").replace_strict(ONBOARDING_VALUE, default=None).alias("value"))
    )
    return latest.group_by("account_id").agg(
        pl.col("value").min().alias("onboarding_ok"), pl.col("on").max().alias("onboarding_until")
    )


def _sentiment(day: date, sentiment: pl.DataFrame) -> pl.DataFrame:
    return (
        sentiment.filter(
            (pl.col("from_day") <= day)
            & (pl.col("until_day").is_null() | (pl.col("until_day") >= day))
        )
        .sort("from_day")
        .group_by("account_id")
        .agg(pl.col("value").last().cast(pl.Float64).alias("sentiment"))
    )


def _voc(day: date, answers: pl.DataFrame) -> pl.DataFrame:
    """``nps_last``, ``csat_mean``, ``voc_answers`` and ``voc_until`` of the accounts with an
    answer in the window (see the module docstring)."""
    first = (
        day - timedelta(days=VOC_WINDOW - 1)
        if day - date.min >= timedelta(VOC_WINDOW)
        else date.min
    )
    in_range = pl.lit(False)
    for kind, (low, high) in VOC_RANGE.items():
        in_range = in_range | ((pl.col("kind") == kind) & pl.col("score").is_between(low, high))
    rows = answers.filter(
        pl.col("day").is_between(first, day) & pl.col("score").is_not_null() & in_range
    )
    nps = pl.col("kind") == "nps"
    last_nps_day = pl.col("day").filter(nps).max()
    return rows.group_by("account_id").agg(
        pl.col("score").filter(nps & (pl.col("day") == last_nps_day)).mean().alias("nps_last"),
        pl.col("score").filter(pl.col("kind") == "csat").mean().alias("csat_mean"),
        pl.len().cast(pl.Int64).alias("voc_answers"),
        pl.col("day").max().alias("voc_until"),
    )


def _days_to_renewal(day: date) -> pl.Expr:
    """Days to the next anniversary of ``contract_start`` on or after ``day``."""
    start = pl.col("contract_start")
    years = pl.lit(day).dt.year() - start.dt.year()
    this_year = start.dt.offset_by(years.cast(pl.String) + "y")
    upcoming = (
        pl.when(this_year >= day)
        .then(this_year)
        .otherwise(start.dt.offset_by((years + 1).cast(pl.String) + "y"))
    )
    return (upcoming - pl.lit(day)).dt.total_days()
