"""Benchmark of the health-score core against straightforward pandas (not part of the tests).

pandas is not a dependency of the project, so run it with uv's temporary extra:

    uv run --with pandas python bench/health_bench.py [--runs 3] [--accounts 100000]
        [--days 365]

Synthetic company (fixed seed, NumPy + Polars, as of 2026-11-25, only the pure core: no
Django, no database): ``--accounts`` accounts (10 % large, 30 % mid, 60 % small by seats) with
one subscription line each and a second one for 40 % (another of four products, part of the
seats, started later; 8 % of the second lines of retained accounts end early, a downsell).
First lines start uniformly over the three years before today (up to 30 days ago); 12.5 % of
the accounts are drawn as churners, and those whose first line is at least 90 days old today
churn on a uniform day of the last ``--days`` days at least 90 days after their start (every
line ends that day; about 12 % of all accounts). Usage rollups for the last ``--days`` days
(``usage``: events and active users): an account is active on a random 30–60 % of the days
it is a customer; a churner on 80 % of that, with 60 % of the users, and over the 60 days
before its churn its activity, users and feature use fade to 15 % (so the score has something
to find).
``features``: per active day, each key feature of the account's products (three of eight per
product) used with an account's own probability (5–80 %, never for 15 % of the pairs; 60 % of
it for churners). Touchpoints: about 20 per account per year (36 / 24 / 14 for large / mid /
small, 70 % of it for churners) over the two years before today. Onboardings for the lines
started in the two years before today (in progress, then completed, stalled → completed,
expected churn → revived: churners complete less often). CSM sentiments (1–5, lasting 14–180
days, one to three in a row) for 25 % of the retained accounts and 60 % of the churners, lower
for the churners.

The score model is the app's default adoption model (``MODEL``): active users / seats linear
0.1 → 0.5 (weight 30), key-feature adoption 0.2 → 0.9 (25), usage trend 0.5 → 1.0 (20), days
since the last touch 120 → 14 (10), sentiment thresholds 2.5 / 3.5 (15, red makes all red).
Measured, side by side with a pandas implementation of the same definitions written below
(the input definitions of ``kizuna.core.health.inputs`` and the formula of
``kizuna.core.health.model``, with groupby / merge over the same frames as pandas frames):

- (a) daily scoring: ``inputs_on(today, …)`` over all the frames (the whole year of rollups;
  the app's daily job would load only the last 35 days of them) and ``score`` for every
  account active today;
- (b) the full backtest as ``health_backtest`` runs it (without the database): prediction
  days every 7 days from the 35th day of the data (the 35-day look-back) to 90 days before
  today; ``inputs_over`` (+ ``check_no_leakage``), ``score``, each account's ``churn_on`` from
  its lines (the day its last line ended, none while a line is open) joined on; for horizons 90
  and 180 days, ``backtest`` over the prediction days up to today − horizon (AUC, ROC, churn
  by grade, lift, lead times); and ``suggest_weights`` (``LogisticRegressionCV``) on the
  90-day labelled rows. pandas: the same sample rows, one ``inputs_on`` per prediction day in a
  loop, then ``roc_auc_score`` / ``roc_curve``, the counts by grade and lead times with
  groupby, and the same scikit-learn pipeline. Expansions (the app's second outcome) are left
  out.

Before timing, the script checks that both give identical results: for (a) every input column
(floats to 1e-9, days and dates exactly) and every score (to 1e-9), RAG and grade; for (b) the
same sample rows, scores and grades, and for both horizons the rows, positives, AUC (to 1e-9),
ROC points, counts by grade, lift and lead times; the suggested weights are the same when both
fits see the rows in the same order (cross-validation folds follow the row order, which
``group_by`` does not fix; the timed Kizuna run keeps its own order, as the app does). (a) runs
once as a warm-up and the check's run of (b) is its warm-up; then each runs ``--runs`` times:
medians are printed per step, with the ratio Kizuna / pandas and the goal (daily scoring under
5 s, full backtest under 60 s).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
from sklearn.linear_model import LogisticRegressionCV
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from kizuna.core.health.backtest import (
    BacktestResult,
    backtest,
    check_no_leakage,
    labelled,
    prediction_days,
)
from kizuna.core.health.inputs import ONBOARDING_VALUE, SCHEMAS, WINDOW, inputs_on, inputs_over
from kizuna.core.health.model import Component, ScoreModel, score
from kizuna.core.health.suggest import Suggestion, suggest_weights

SEED = 20261125
AS_OF = date(2026, 11, 25)
EPOCH = date(1970, 1, 1).toordinal()
AS_OF_N = AS_OF.toordinal() - EPOCH  # days since 1970-01-01, as Polars stores a Date
NA = -1  # no date
PRODUCTS = ("expense", "payroll", "attendance", "invoice")
FEATURES = ("report", "dashboard", "export", "approval", "import", "api", "mobile", "search")
KEY_FEATURES = {
    "expense": ("report", "approval", "export"),
    "payroll": ("report", "import", "api"),
    "attendance": ("mobile", "approval", "dashboard"),
    "invoice": ("export", "search", "api"),
}
MODEL = ScoreModel(
    (
        Component("active_users", "active_user_ratio", "linear", 0.1, 0.5, 30),
        Component("adoption", "feature_adoption", "linear", 0.2, 0.9, 25),
        Component("trend", "usage_trend", "linear", 0.5, 1.0, 20),
        Component("touch", "days_since_touch", "linear", 120, 14, 10),
        Component("sentiment", "sentiment", "thresholds", 2.5, 3.5, 15, red_forces_red=True),
    )
)
HORIZONS = (90, 180)
INPUTS = (
    "active_user_ratio",
    "feature_adoption",
    "usage_trend",
    "days_since_touch",
    "days_to_renewal",
    "onboarding_ok",
    "sentiment",
)


def _pl_dates(days: np.ndarray) -> pl.Series:
    s = pl.Series(days.astype(np.int32))
    return pl.select(pl.when(s >= 0).then(s).cast(pl.Date)).to_series()


def _frame(name: str, columns: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(columns).cast(dict(SCHEMAS[name])).select(SCHEMAS[name].names())


# ---------------------------------------------------------------- synthetic data
def build_world(n_acc: int, n_days: int) -> dict[str, Any]:
    rng = np.random.default_rng(SEED)
    data_start = AS_OF_N - n_days + 1
    t0 = time.perf_counter()
    # accounts and subscription lines
    size = rng.choice(3, size=n_acc, p=(0.1, 0.3, 0.6))  # large, mid, small
    seats = np.maximum(1, rng.lognormal(np.array([5.0, 3.5, 2.0])[size], 0.5)).astype(np.int64)
    first_start = AS_OF_N - 30 - rng.integers(0, 3 * 365 - 30, n_acc)
    earliest = np.maximum(first_start + 90, data_start)
    churner = (rng.random(n_acc) < 0.125) & (earliest <= AS_OF_N)
    churn = np.where(
        churner,
        earliest + (rng.random(n_acc) * (AS_OF_N - earliest + 1)).astype(np.int64),
        NA,
    )
    p1 = rng.integers(0, len(PRODUCTS), n_acc)
    two = rng.random(n_acc) < 0.4
    p2 = np.where(two, (p1 + 1 + rng.integers(0, len(PRODUCTS) - 1, n_acc)) % len(PRODUCTS), NA)
    last_day = np.where(churner, churn - 1, AS_OF_N)
    start2 = first_start + (rng.random(n_acc) * (last_day - first_start + 1)).astype(np.int64)
    end2 = churn.copy()
    downsell = two & ~churner & (rng.random(n_acc) < 0.08) & (start2 + 30 <= AS_OF_N)
    end2[downsell] = (start2 + 30 + rng.random(n_acc) * (AS_OF_N - start2 - 29)).astype(np.int64)[
        downsell
    ]
    seats2 = np.maximum(1, (seats * rng.uniform(0.2, 0.8, n_acc)).astype(np.int64))
    acc2 = np.flatnonzero(two)
    lines = _frame(
        "lines",
        {
            "account_id": np.concatenate([np.arange(n_acc), acc2]),
            "start_date": _pl_dates(np.concatenate([first_start, start2[acc2]])),
            "end_date": _pl_dates(np.concatenate([churn, end2[acc2]])),
            "seats": np.concatenate([seats, seats2[acc2]]),
            "product": np.array(PRODUCTS)[np.concatenate([p1, p2[acc2]])],
        },
    )
    key_features = _frame(
        "key_features",
        {
            "product": [p for p, keys in KEY_FEATURES.items() for _ in keys],
            "feature": [f for keys in KEY_FEATURES.values() for f in keys],
        },
    )
    # each account's key features (of both products; -1 pads) and how often it uses each
    combos = np.full((len(PRODUCTS), len(PRODUCTS) + 1, 6), -1, dtype=np.int64)
    for a, pa in enumerate(PRODUCTS):
        for b in range(-1, len(PRODUCTS)):
            keys = dict.fromkeys(KEY_FEATURES[pa] + (KEY_FEATURES[PRODUCTS[b]] if b >= 0 else ()))
            found = [FEATURES.index(f) for f in keys]
            combos[a, b + 1, : len(found)] = found
    acc_keys = combos[p1, p2 + 1]
    feature_use = rng.uniform(0.05, 0.8, acc_keys.shape) * (rng.random(acc_keys.shape) >= 0.15)
    feature_use *= np.where(churner, 0.6, 1.0)[:, None] * (acc_keys >= 0)
    t_lines = time.perf_counter() - t0

    # usage rollups and key-feature days, in chunks of accounts
    t0 = time.perf_counter()
    p_active = rng.uniform(0.3, 0.6, n_acc) * np.where(churner, 0.8, 1.0)
    share = rng.uniform(0.05, 0.6, n_acc) * np.where(churner, 0.6, 1.0)
    event_rate = rng.uniform(2.0, 10.0, n_acc)
    cap = seats + np.where(two, seats2, 0)
    ends = np.where(churner, churn, AS_OF_N + 1)
    days = data_start + np.arange(n_days)
    u_parts: list[pl.DataFrame] = []
    f_parts: list[pl.DataFrame] = []
    chunk = max(1, 4_000_000 // n_days)
    for lo in range(0, n_acc, chunk):
        hi = min(n_acc, lo + chunk)
        fade = np.clip((ends[lo:hi, None] - days[None, :]) / 60, 0.15, 1.0)
        fade = np.where(churner[lo:hi, None], fade, 1.0)
        cells = rng.random((hi - lo, n_days)) < p_active[lo:hi, None] * fade
        cells &= (days[None, :] >= first_start[lo:hi, None]) & (days[None, :] < ends[lo:hi, None])
        a, d = np.nonzero(cells)
        f = fade[a, d]
        a += lo
        users = np.clip(rng.poisson(seats[a] * share[a] * f), 1, cap[a])
        events = users + rng.poisson(users * event_rate[a])
        u_parts.append(
            pl.DataFrame({"account_id": a, "day": days[d].astype(np.int32),
                          "events": events, "active_users": users})
        )  # fmt: skip
        used = rng.random((len(a), 6)) < feature_use[a] * f[:, None]
        r, k = np.nonzero(used)
        f_parts.append(
            pl.DataFrame({"account_id": a[r], "day": days[d[r]].astype(np.int32),
                          "feature": acc_keys[a[r], k].astype(np.int8)})
        )  # fmt: skip
    usage = (
        pl.concat(u_parts).with_columns(pl.col("day").cast(pl.Date)).cast(dict(SCHEMAS["usage"]))
    )
    features = pl.concat(f_parts).with_columns(
        pl.col("day").cast(pl.Date),
        pl.col("feature").replace_strict(dict(enumerate(FEATURES)), return_dtype=pl.String),
    )
    del u_parts, f_parts
    t_usage = time.perf_counter() - t0

    # touchpoints, onboardings, sentiments
    t0 = time.perf_counter()
    lo_t = np.maximum(first_start, AS_OF_N - 729)
    span = np.maximum(0, np.minimum(ends, AS_OF_N + 1) - lo_t)
    rate = np.array([36.0, 24.0, 14.0])[size] * np.where(churner, 0.7, 1.0)
    n_touch = rng.poisson(rate * span / 365)
    t_acc = np.repeat(np.arange(n_acc), n_touch)
    t_day = lo_t[t_acc] + (rng.random(len(t_acc)) * span[t_acc]).astype(np.int64)
    touches = _frame("touches", {"account_id": t_acc, "day": _pl_dates(t_day)}).unique()

    line_acc = lines["account_id"].to_numpy()
    line_start = np.concatenate([first_start, start2[acc2]])
    onb = np.flatnonzero(line_start >= AS_OF_N - 729)
    o_acc, o_start = line_acc[onb], line_start[onb]
    m = len(onb)
    bad = churner[o_acc]
    u = rng.random(m)
    outcome = np.where(  # 0 completed, 1 stalled then maybe completed, 2 expected churn
        bad, np.digitize(u, (0.4, 0.7)), np.digitize(u, (0.75, 0.9))
    )
    step1 = o_start + np.select(
        [outcome == 0, outcome == 1],
        [rng.integers(20, 91, m), rng.integers(25, 61, m)],
        rng.integers(60, 101, m),
    )
    state1 = np.array(["completed", "stalled", "expected_churn"])[outcome]
    later = (outcome > 0) & (rng.random(m) < np.where(outcome == 1, 0.5, 0.4))
    step2 = step1 + np.where(outcome == 1, rng.integers(10, 61, m), rng.integers(20, 61, m))
    state2 = np.where(outcome == 1, "completed", "revived")
    parts = (
        (np.ones(m, dtype=bool), o_start, "in_progress"),
        (np.ones(m, dtype=bool), step1, state1),
        (later, step2, state2),
    )
    o_rows = {"account_id": [], "onboarding_id": [], "on": [], "state": []}
    for keep, on, state in parts:
        keep = keep & (on <= AS_OF_N)
        o_rows["account_id"].append(o_acc[keep])
        o_rows["onboarding_id"].append(onb[keep] + 1)
        o_rows["on"].append(on[keep])
        o_rows["state"].append(np.broadcast_to(state, (m,))[keep])
    onboarding = _frame(
        "onboarding",
        {
            "account_id": np.concatenate(o_rows["account_id"]),
            "onboarding_id": np.concatenate(o_rows["onboarding_id"]),
            "on": _pl_dates(np.concatenate(o_rows["on"])),
            "state": np.concatenate(o_rows["state"]),
        },
    ).sort("on")

    s_acc = np.flatnonzero(rng.random(n_acc) < np.where(churner, 0.6, 0.25))
    n_sent = rng.integers(1, 4, len(s_acc))
    frm = np.maximum(first_start[s_acc], AS_OF_N - 549) + rng.integers(0, 200, len(s_acc))
    s_rows: dict[str, list[np.ndarray]] = {"account_id": [], "value": [], "from": [], "until": []}
    for k in range(3):
        until = frm + rng.integers(14, 181, len(s_acc))
        value = np.where(
            churner[s_acc],
            rng.choice(5, len(s_acc), p=(0.2, 0.3, 0.3, 0.15, 0.05)),
            rng.choice(5, len(s_acc), p=(0.03, 0.1, 0.3, 0.37, 0.2)),
        )
        keep = (n_sent > k) & (frm <= AS_OF_N) & (frm < ends[s_acc])
        s_rows["account_id"].append(s_acc[keep])
        s_rows["value"].append(value[keep] + 1)
        s_rows["from"].append(frm[keep])
        s_rows["until"].append(until[keep])
        frm = until + 1 + rng.integers(0, 91, len(s_acc))
    sentiment = _frame(
        "sentiment",
        {
            "account_id": np.concatenate(s_rows["account_id"]),
            "value": np.concatenate(s_rows["value"]),
            "from_day": _pl_dates(np.concatenate(s_rows["from"])),
            "until_day": _pl_dates(np.concatenate(s_rows["until"])),
        },
    )
    t_other = time.perf_counter() - t0

    frames = {
        "usage": usage,
        "features": features,
        "lines": lines,
        "key_features": key_features,
        "touches": touches,
        "onboarding": onboarding,
        "sentiment": sentiment,
    }
    t0 = time.perf_counter()
    as_pandas = {name: frame.to_pandas() for name, frame in frames.items()}
    for name in ("features", "key_features"):  # a category, as in onboarding_bench.py
        as_pandas[name]["feature"] = pd.Categorical(as_pandas[name]["feature"], FEATURES)
    t_pandas = time.perf_counter() - t0
    first = date.fromordinal(EPOCH + data_start) + timedelta(days=35)
    return {
        "pl": frames,
        "pd": as_pandas,
        "days": prediction_days(first, AS_OF - timedelta(days=HORIZONS[0])),
        "churners": int(churner.sum()),
        "times": (t_lines, t_usage, t_other, t_pandas),
    }


# ---------------------------------------------------------------- Kizuna's core
def outcomes(lines: pl.DataFrame) -> pl.DataFrame:
    """``churn_on`` per account, as ``kizuna.apps.health.frames.outcomes`` (a Django module)."""
    per_account = lines.group_by("account_id").agg(
        pl.col("end_date").is_null().any().alias("open"),
        pl.col("end_date").max().alias("last_end"),
    )
    return per_account.select(
        "account_id",
        pl.when(pl.col("open")).then(None).otherwise(pl.col("last_end")).alias("churn_on"),
    )


def ours_day(w: dict[str, Any]) -> tuple[pl.DataFrame, dict[str, float]]:
    t0 = time.perf_counter()
    inputs = inputs_on(AS_OF, **w["pl"])
    t1 = time.perf_counter()
    scored = score(inputs, MODEL)
    t2 = time.perf_counter()
    return scored, {"inputs": t1 - t0, "score": t2 - t1}


def ours_backtest(w: dict[str, Any]) -> tuple[dict[str, Any], dict[str, float]]:
    t0 = time.perf_counter()
    samples = inputs_over(w["days"], **w["pl"])
    check_no_leakage(samples)
    t1 = time.perf_counter()
    scored = score(samples, MODEL).join(outcomes(w["pl"]["lines"]), on="account_id", how="left")
    t2 = time.perf_counter()
    seen = {h: scored.filter(pl.col("as_of") <= AS_OF - timedelta(days=h)) for h in HORIZONS}
    results = {h: backtest(seen[h], horizon_days=h) for h in HORIZONS}
    t3 = time.perf_counter()
    rows = labelled(seen[HORIZONS[0]], horizon_days=HORIZONS[0])
    suggestion = suggest_weights(rows, MODEL)
    t4 = time.perf_counter()
    out = {"scored": scored, "results": results, "suggestion": suggestion, "rows": rows}
    return out, {"inputs": t1 - t0, "score": t2 - t1, "metrics": t3 - t2, "suggest": t4 - t3}


# ---------------------------------------------------------------- the same in pandas
def _anniversary(start: pd.Series, year: int) -> pd.Series:
    """``start`` moved to ``year`` (29 February → 28 February outside leap years)."""
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    day = start.dt.day.where(leap | ~((start.dt.month == 2) & (start.dt.day == 29)), 28)
    return pd.to_datetime(pd.DataFrame({"year": year, "month": start.dt.month, "day": day}))


def pandas_inputs_on(day: date, f: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The definitions of ``kizuna.core.health.inputs`` (see its docstring), the obvious pandas
    way: filter each frame to what is known on ``day``, group by account, join on the index."""
    ts = pd.Timestamp(day)
    lines = f["lines"]
    active = lines[
        (lines["start_date"] <= ts) & (lines["end_date"].isna() | (lines["end_date"] > ts))
    ]
    out = active.groupby("account_id").agg(
        seats=("seats", "sum"), contract_start=("start_date", "min")
    )
    # usage: peak users in 28 days, events of 7 days vs the weekly average of the 28 before
    usage = f["usage"]
    rows = usage[(usage["day"] >= ts - pd.Timedelta(days=WINDOW + 6)) & (usage["day"] <= ts)]
    recent = rows["day"] > ts - pd.Timedelta(days=7)
    window = rows["day"] > ts - pd.Timedelta(days=WINDOW)
    per = (
        rows.assign(
            peak=rows["active_users"].where(window),
            recent=rows["events"].where(recent, 0),
            before=rows["events"].where(~recent, 0),
        )
        .groupby("account_id")
        .agg(
            peak_users=("peak", "max"),
            recent=("recent", "sum"),
            before=("before", "sum"),
            usage_until=("day", "max"),
        )
    )
    baseline = per["before"] / (WINDOW / 7)
    per["usage_trend"] = (per["recent"] / baseline).where(baseline > 0)
    # key-feature adoption over 28 days
    keys = active[["account_id", "product"]].drop_duplicates().merge(f["key_features"])
    wanted = keys.groupby("account_id")["feature"].nunique()
    feats = f["features"]
    in_window = feats[(feats["day"] >= ts - pd.Timedelta(days=WINDOW - 1)) & (feats["day"] <= ts)]
    used = (
        in_window[["account_id", "feature"]]
        .drop_duplicates()
        .merge(keys[["account_id", "feature"]].drop_duplicates())
        .groupby("account_id")
        .size()
    )
    adoption = (used.reindex(wanted.index, fill_value=0) / wanted).rename("feature_adoption")
    # last touch, onboarding state, sentiment in force
    touches = f["touches"]
    touch_until = touches[touches["day"] <= ts].groupby("account_id")["day"].max()
    touch = pd.DataFrame(
        {"touch_until": touch_until, "days_since_touch": (ts - touch_until).dt.days}
    )
    onb = f["onboarding"]
    latest = (
        onb[onb["on"] <= ts]
        .sort_values("on", kind="stable")
        .groupby(["account_id", "onboarding_id"])
        .last()
    )
    onboarding = (
        latest.assign(value=latest["state"].map(ONBOARDING_VALUE))
        .groupby("account_id")
        .agg(onboarding_ok=("value", "min"), onboarding_until=("on", "max"))
    )
    sent = f["sentiment"]
    sentiment = (
        sent[(sent["from_day"] <= ts) & (sent["until_day"].isna() | (sent["until_day"] >= ts))]
        .sort_values("from_day", kind="stable")
        .groupby("account_id")["value"]
        .last()
        .astype(float)
        .rename("sentiment")
    )
    out = out.join([per, adoption, touch, onboarding, sentiment], how="left")
    out["as_of"] = ts
    out["active_user_ratio"] = (out["peak_users"] / out["seats"]).where(out["seats"] > 0)
    this_year = _anniversary(out["contract_start"], ts.year)
    renewal = this_year.where(this_year >= ts, _anniversary(out["contract_start"], ts.year + 1))
    out["days_to_renewal"] = (renewal - ts).dt.days
    out["data_until"] = out[
        ["usage_until", "touch_until", "onboarding_until", "contract_start"]
    ].max(axis=1)
    return out.reset_index()[["account_id", "as_of", *INPUTS, "data_until"]]


def pandas_score(inputs: pd.DataFrame, model: ScoreModel) -> pd.DataFrame:
    """The formula of ``kizuna.core.health.model`` (see its docstring), column by column."""
    out = inputs.copy()
    present = pd.Series(0.0, index=out.index)
    for c in model.components:
        x = out[c.input].astype(float)
        if c.kind == "thresholds":
            value = pd.Series(np.where(x < c.low, 0.0, np.where(x >= c.high, 1.0, 0.5)), x.index)
            value = value.where(x.notna())
        else:
            # Polars divides a column by a constant as a product with its inverse (which can
            # differ in the last bit, and so move a point rounded to 0.1 at a half): do the same
            value = ((x - c.low) * (1.0 / (c.high - c.low))).clip(0.0, 1.0)
        out[f"value_{c.key}"] = value
        present = present + value.notna() * c.weight
    forced = pd.Series(False, index=out.index)
    for c in model.components:
        value = out[f"value_{c.key}"]
        out[f"points_{c.key}"] = (100.0 * c.weight / present * value).round(1).where(present > 0)
        if c.red_forces_red:
            forced |= value.notna() & (value * 100 < model.red_below)
    points = out[[f"points_{c.key}" for c in model.components]]
    out["score"] = points.sum(axis=1).round(1).where(present > 0)
    out["forced_red"] = forced
    s = out["score"]
    band = np.where(s < model.red_below, "red", np.where(s >= model.green_from, "green", "yellow"))
    out["rag"] = pd.Series(band, out.index).where(~forced, "red").where(s.notna())
    grade = 1 + sum((s >= cut).astype(int) for cut in model.grade_cuts)
    cap = 1 + sum(1 for cut in model.grade_cuts if cut < model.red_below)
    out["grade"] = grade.where(~forced, grade.clip(upper=cap)).where(s.notna())
    return out


def pandas_day(w: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, float]]:
    t0 = time.perf_counter()
    inputs = pandas_inputs_on(AS_OF, w["pd"])
    t1 = time.perf_counter()
    scored = pandas_score(inputs, MODEL)
    t2 = time.perf_counter()
    return scored, {"inputs": t1 - t0, "score": t2 - t1}


def pandas_labelled(samples: pd.DataFrame, horizon_days: int) -> pd.DataFrame:
    churn_on, as_of = samples["churn_on"], samples["as_of"]
    rows = samples[churn_on.isna() | (churn_on > as_of)]
    end = rows["as_of"] + pd.Timedelta(days=horizon_days)
    label = (rows["churn_on"] > rows["as_of"]) & (rows["churn_on"] <= end)
    return rows.assign(label=label.astype(np.int8))


def pandas_metrics(samples: pd.DataFrame, horizon_days: int) -> dict[str, Any]:
    rows = pandas_labelled(samples, horizon_days)
    rows = rows[rows["score"].notna()]
    labels, scores = rows["label"].to_numpy(), rows["score"].to_numpy()
    base = labels.mean()
    counts = rows.groupby("grade")["label"].agg(["size", "sum"])
    by_grade = tuple(
        (g, int(counts["size"].get(g, 0)), int(counts["sum"].get(g, 0))) for g in range(1, 6)
    )
    worst = counts.iloc[0]
    fpr, tpr, _ = roc_curve(labels, -scores)
    # lead time: from the start of the last run of red rows before the churn
    churned = samples[samples["churn_on"].notna() & (samples["as_of"] < samples["churn_on"])]
    churned = churned.sort_values(["account_id", "as_of"])
    red = churned["rag"] == "red"
    run = (~red).groupby(churned["account_id"]).cumsum()
    last_run = run == run.groupby(churned["account_id"]).transform("max")
    warned = red.groupby(churned["account_id"]).last()
    first_red = churned["as_of"][last_run & red].groupby(churned["account_id"][last_run & red])
    churn_on = churned.groupby("account_id")["churn_on"].first()
    lead = (churn_on - first_red.min()).dt.days.dropna().astype(int)
    return {
        "rows": len(rows),
        "positives": int(labels.sum()),
        "auc": roc_auc_score(labels, -scores),
        "roc": np.column_stack([fpr, tpr]),
        "by_grade": by_grade,
        "lift": worst["sum"] / worst["size"] / base,
        "lead_days": tuple(lead.tolist()),
        "not_warned": int((~warned).sum()),
    }


def pandas_suggest(rows: pd.DataFrame, model: ScoreModel, seed: int = 0) -> dict[str, Any]:
    columns = [f"value_{c.key}" for c in model.components]
    x = rows[columns].fillna(rows[columns].mean()).fillna(0.0).to_numpy(dtype=float)
    y = rows["label"].to_numpy().astype(int)
    fit = make_pipeline(
        StandardScaler(),
        LogisticRegressionCV(
            Cs=10,
            cv=5,
            l1_ratios=(0.0,),
            use_legacy_attributes=False,
            scoring="roc_auc",
            class_weight="balanced",
            max_iter=2000,
            random_state=seed,
        ),
    ).fit(x, y)
    protective = np.clip(-fit[-1].coef_[0], 0.0, None)
    weights = {
        c.key: round(100.0 * float(p) / protective.sum(), 1)
        for c, p in zip(model.components, protective, strict=True)
    }
    return {"weights": weights, "cv_auc": float(fit[-1].scores_.mean(axis=0).max())}


def pandas_outcomes(lines: pd.DataFrame) -> pd.DataFrame:
    is_open = lines["end_date"].isna().groupby(lines["account_id"]).any()
    last_end = lines.groupby("account_id")["end_date"].max()
    return last_end.where(~is_open).rename("churn_on").reset_index()


def pandas_backtest(w: dict[str, Any]) -> tuple[dict[str, Any], dict[str, float]]:
    f = w["pd"]
    t0 = time.perf_counter()
    samples = pd.concat([pandas_inputs_on(day, f) for day in w["days"]], ignore_index=True)
    t1 = time.perf_counter()
    scored = pandas_score(samples, MODEL).merge(pandas_outcomes(f["lines"]), how="left")
    t2 = time.perf_counter()
    seen = {h: scored[scored["as_of"] <= pd.Timestamp(AS_OF - timedelta(days=h))] for h in HORIZONS}
    results = {h: pandas_metrics(seen[h], h) for h in HORIZONS}
    t3 = time.perf_counter()
    rows = pandas_labelled(seen[HORIZONS[0]], HORIZONS[0])
    suggestion = pandas_suggest(rows, MODEL)
    t4 = time.perf_counter()
    out = {"scored": scored, "results": results, "suggestion": suggestion}
    return out, {"inputs": t1 - t0, "score": t2 - t1, "metrics": t3 - t2, "suggest": t4 - t3}


# ---------------------------------------------------------------- identity checks
def _same_frames(name: str, ours: pl.DataFrame, theirs: pd.DataFrame, columns: list[str]) -> None:
    """Row by row after sorting both by (as_of, account_id): floats to 1e-9, the rest exactly."""
    a = ours.sort("as_of", "account_id")
    b = theirs.sort_values(["as_of", "account_id"], kind="stable")
    assert a.height == len(b), (name, a.height, len(b))
    for column in ["account_id", "as_of", *columns]:
        x, y = a[column], b[column]
        if x.dtype == pl.Date:
            same = x.cast(pl.Int32).fill_null(NA).to_numpy() == (
                (y - pd.Timestamp(0)).dt.days.fillna(NA).to_numpy()
            )
        elif x.dtype == pl.String:
            same = x.fill_null("").to_numpy() == y.fillna("").to_numpy()
        else:
            xs, ys = x.cast(pl.Float64).to_numpy(), y.to_numpy(dtype=float, na_value=np.nan)
            same = (np.isnan(xs) & np.isnan(ys)) | (np.abs(xs - ys) <= 1e-9)
        bad = np.flatnonzero(~same)
        assert not len(bad), (name, column, len(bad), a.row(int(bad[0])), b.iloc[int(bad[0])])


def check_day(w: dict[str, Any]) -> pl.DataFrame:
    ours, _ = ours_day(w)
    theirs, _ = pandas_day(w)
    columns = [*INPUTS, "data_until", "score", "rag", "grade", "forced_red"]
    _same_frames("daily scoring", ours, theirs, columns)
    return ours


def check_backtest(w: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    ours, _ = ours_backtest(w)
    theirs, _ = pandas_backtest(w)
    columns = [*INPUTS, "score", "rag", "grade", "churn_on"]
    _same_frames("backtest samples", ours["scored"], theirs["scored"], columns)
    for h in HORIZONS:
        k: BacktestResult = ours["results"][h]
        p = theirs["results"][h]
        assert (k.rows, k.positives) == (p["rows"], p["positives"]), h
        assert k.auc is not None and abs(k.auc - p["auc"]) <= 1e-9, (h, k.auc, p["auc"])
        assert [(g.grade, g.rows, g.positives) for g in k.by_grade] == list(p["by_grade"]), h
        assert np.allclose(np.array(k.roc), p["roc"], rtol=0, atol=1e-12), h
        assert k.worst_grade_lift is not None and abs(k.worst_grade_lift - p["lift"]) <= 1e-9
        assert (k.lead_days, k.not_warned) == (p["lead_days"], p["not_warned"]), h
    # the suggestion, with both fits seeing the rows in the same order
    ordered = suggest_weights(ours["rows"].sort("as_of", "account_id"), MODEL)
    assert ordered is not None
    p_suggest = theirs["suggestion"]
    assert ordered.weights == p_suggest["weights"], (ordered.weights, p_suggest["weights"])
    assert ordered.cv_auc is not None
    assert abs(ordered.cv_auc - p_suggest["cv_auc"]) <= 1e-9, (ordered.cv_auc, p_suggest)
    return ours, theirs


# ---------------------------------------------------------------- timing
Task = Callable[[dict[str, Any]], tuple[Any, dict[str, float]]]


def time_task(task: Task, w: dict[str, Any], runs: int, *, warm_up: bool) -> dict[str, float]:
    """Median seconds per step and of the total over ``runs`` runs."""
    if warm_up:
        task(w)
    steps: dict[str, list[float]] = {}
    for _ in range(runs):
        started = time.perf_counter()
        _, parts = task(w)
        parts["total"] = time.perf_counter() - started
        for name, value in parts.items():
            steps.setdefault(name, []).append(value)
    return {name: statistics.median(values) for name, values in steps.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365, help="days of usage rollups")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    w = build_world(args.accounts, args.days)
    t_lines, t_usage, t_other, t_pandas = w["times"]
    f = w["pl"]
    account_days, n_usage = args.accounts * args.days, f["usage"].height
    print(
        f"synthetic world built in {time.perf_counter() - started:.1f} s: {args.accounts:,} "
        f"accounts, {f['lines'].height:,} subscription lines, {w['churners']:,} churned in the "
        f"last {args.days} days, as of {AS_OF}  [{t_lines:.1f} s]\n"
        f"  usage rollups: {n_usage:,} account-days ({n_usage / account_days:.0%} of "
        f"{account_days:,}), {f['features'].height:,} key-feature days  [{t_usage:.1f} s]\n"
        f"  {f['touches'].height:,} touch days, {f['onboarding'].height:,} onboarding "
        f"transitions, {f['sentiment'].height:,} sentiments  [{t_other:.1f} s]; "
        f"as pandas frames [{t_pandas:.1f} s]"
    )
    t0 = time.perf_counter()
    today = check_day(w)
    grades = today["grade"].value_counts().sort("grade").rows()
    print(
        f"\n(a) identical daily scoring [{time.perf_counter() - t0:.1f} s]: {today.height:,} "
        f"accounts active on {AS_OF} scored, every input, score, RAG and grade equal; "
        "grades: " + ", ".join(f"{g}: {n:,}" for g, n in grades)
    )
    t0 = time.perf_counter()
    ours, theirs = check_backtest(w)
    days = w["days"]
    print(
        f"(b) identical backtest [{time.perf_counter() - t0:.1f} s]: {len(days)} prediction days "
        f"({days[0]} … {days[-1]}, every 7), {ours['scored'].height:,} sample rows"
    )
    for h in HORIZONS:
        r: BacktestResult = ours["results"][h]
        leads = statistics.median(r.lead_days) if r.lead_days else None
        print(
            f"  {h:>3} days: {r.rows:,} rows, {r.positives:,} churned ({r.base_rate:.2%}), "
            f"AUC {r.auc:.4f} (pandas {theirs['results'][h]['auc']:.4f}), worst-grade lift "
            f"{r.worst_grade_lift:.2f}; churn by grade "
            + ", ".join(f"{g.grade}: {g.rate:.1%}" for g in r.by_grade if g.rate is not None)
            + f"; {len(r.lead_days):,} churners warned in red (median lead {leads:g} days), "
            f"{r.not_warned:,} not"
        )
    s: Suggestion | None = ours["suggestion"]
    assert s is not None
    print(
        f"  suggested weights (90 days, {s.rows:,} rows, CV AUC {s.cv_auc:.4f}): "
        + ", ".join(f"{c.key} {c.weight:g} → {s.weights[c.key]:g}" for c in MODEL.components)
    )
    del ours, theirs, today

    print(f"\nmedians of {args.runs} runs after a warm-up")
    header = f"{'task':<44} {'Kizuna s':>9} {'pandas s':>9} {'K/pd':>6}  goal"
    print(header)
    print("-" * len(header))
    k_day = time_task(ours_day, w, args.runs, warm_up=True)
    p_day = time_task(pandas_day, w, args.runs, warm_up=True)
    rows = [
        ("(a) inputs_on, today", "inputs", None),
        ("(a) score", "score", None),
        ("(a) daily scoring, total", "total", 5.0),
    ]
    for name, step, goal in rows:
        _print_row(name, k_day[step], p_day[step], goal)
    k_bt = time_task(ours_backtest, w, args.runs, warm_up=False)
    p_bt = time_task(pandas_backtest, w, args.runs, warm_up=False)
    rows = [
        (f"(b) inputs_over, {len(days)} days", "inputs", None),
        ("(b) score + churn_on", "score", None),
        ("(b) backtest, 90 and 180 days", "metrics", None),
        ("(b) suggest_weights (LogisticRegressionCV)", "suggest", None),
        ("(b) full backtest, total", "total", 60.0),
    ]
    for name, step, goal in rows:
        _print_row(name, k_bt[step], p_bt[step], goal)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"\npeak resident memory of the whole run: {peak:.1f} GiB")


def _print_row(name: str, ours: float, theirs: float, goal: float | None) -> None:
    check = "" if goal is None else f"< {goal:g} s, {'met' if ours < goal else 'MISSED'}"
    print(f"{name:<44} {ours:9.2f} {theirs:9.2f} {ours / theirs:6.2f}  {check}")


if __name__ == "__main__":
    main()
