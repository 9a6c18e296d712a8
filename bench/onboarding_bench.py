"""Benchmark of the onboarding core against straightforward pandas (not part of the tests).

pandas is not a dependency of the project, so run it with uv's temporary extra:

    uv run --with pandas python bench/onboarding_bench.py [--runs 3] [--accounts 100000]
        [--onboardings 150000] [--days 365]

Synthetic company (fixed seed, NumPy + Polars, as of 2026-11-25): ``--accounts`` accounts
(10 % high touch, 30 % low, 60 % tech; 8 teams, 200 CSMs, seats per account, 2 % unknown) and
``--onboardings`` onboardings, one per account and product (three products; the extra ones are
second products of distinct accounts), started uniformly over the last 730 days, all on one
template (``TEMPLATE``: kickoff day 7, manual; setup day 21, two manual checks; first use day
35, ``feature_events`` "report" ≥ 5 in 7 days; rollout day 60, ``seat_share`` ≥ 25 %) with the
default policy (grace 30 days). Outcomes are drawn per onboarding (65 % on time, 20 % late, 5 %
revived after expected churn, 10 % never: one criterion is never met, and 75 % of those end
their subscription within a year) and the CSM's ticks follow them; of the others, 8 % end at
the first renewal (start + 365) and 4 % at some other time. Usage rollups for the last
``--days`` days: each account is active on a random 30–60 % of the days from its first
onboarding on (``daily``: events and active users, active users ramping up over 45 days to
5–60 % of the seats; ``feature_daily``: eight features; "report" on 5–90 % of the active
days, never in 5 % of the accounts).

Usage-rule dates before the rollups begin are drawn from the outcome; every other usage-rule
date comes from the rollups (``first_met`` as of the day before, untimed). The states as of the
day before give the open onboardings (in progress, stalled, expected churn). Measured, side by
side with a pandas implementation of the same definitions written below:

- (a) one day's evaluation, as ``onboardings_evaluate`` runs it (without the database):
  ``rules``: every unmet usage rule of the open onboardings evaluated with ``first_met`` over
  the rollups the app loads (the open accounts, ``since − 60`` days … as_of, with ``since`` the
  earliest start of the open onboardings), results turned into Python dates; ``timelines``:
  ``timeline()`` for every open onboarding with its ticks and the new dates (pure Python and
  the same code for both; only the rule evaluation differs). The first-usage days are given
  (what the database holds by then);
- (b) the KPI set: for each cut (total, product, segment, team, CSM) ``completion_cohorts``
  for 24 target months, ``period_completion`` for the last 3 months (target 90 %),
  ``onboarding_funnel`` for 24 start months and ``funnel_totals`` over them; the input frame
  holds each onboarding's dates from its timeline as of today.

Before timing, the script checks that both give identical results: the same met dates for
today's unmet rules (and so the same timelines); as those can only be met today, also for every
usage rule of the open onboardings, met or not, with ``since`` as above and 30 days ago; and
for every cut the same KPI rows, counts and durations exactly, rates to 1e-12. Each task runs
once as a warm-up, then ``--runs`` times; medians are printed with the ratio Kizuna / pandas
and the goal (each under 5 s). "+RSS" is the highest resident memory during a task's timed
runs (sampled every 5 ms by a child process), above the resident memory when the task began,
after freed heap memory was returned to the system. Both engines run in one process, so it is
approximate (an allocator may reuse memory it kept from earlier work).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from kizuna.core.onboarding.kpis import (
    DIMENSIONS,
    FUNNEL_NODES,
    FUNNEL_RATES,
    completion_cohorts,
    funnel_totals,
    onboarding_funnel,
    period_completion,
)
from kizuna.core.onboarding.rules import RULE_SCHEMA, first_met
from kizuna.core.onboarding.timeline import (
    OPEN_STATES,
    Criterion,
    Facts,
    Phase,
    Policy,
    Template,
    Timeline,
    UsageRule,
    timeline,
)

SEED = 20261125
AS_OF = date(2026, 11, 25)
YESTERDAY = AS_OF - timedelta(days=1)
EPOCH = date(1970, 1, 1).toordinal()
AS_OF_N = AS_OF.toordinal() - EPOCH  # days since 1970-01-01, as Polars stores a Date
NA = -1  # no date
SPAN = 730  # onboardings start over the last two years
PRODUCTS = ("expense", "payroll", "attendance")
SEGMENTS = ("high", "low", "tech")
FEATURES = ("report", "dashboard", "export", "approval", "import", "api", "mobile", "search")
FEATURE_USE = (
    None,
    0.5,
    0.35,
    0.25,
    0.2,
    0.15,
    0.1,
    0.1,
)  # share of active days; report: per account
KEYS = ("kickoff", "sso", "import", "report", "rollout")
USAGE_KEYS = ("report", "rollout")
TEMPLATE = Template(
    (
        Phase("kickoff", "Kickoff", 7, (Criterion("kickoff", "Kickoff meeting held"),)),
        Phase(
            "setup",
            "Setup",
            21,
            (Criterion("sso", "SSO configured"), Criterion("import", "Employees imported")),
            is_setup=True,
        ),
        Phase(
            "first_use",
            "First use",
            35,
            (
                Criterion(
                    "report", "5 reports in 7 days", UsageRule("feature_events", 5, 7, "report")
                ),
            ),
        ),
        Phase(
            "rollout",
            "Rollout",
            60,
            (Criterion("rollout", "25 % of seats active", UsageRule("seat_share", 25, 1)),),
        ),
    )
)
RULES = {c.key: c.rule for p in TEMPLATE.phases for c in p.criteria if c.rule is not None}
POLICY = Policy()
# Days after the start each criterion is met, per outcome (on time, late, revived, never):
# uniform over [low, high]; "never" then loses one criterion.
OFFSETS = {
    "kickoff": ((0, 7), (8, 30), (0, 10), (0, 20)),
    "sso": ((2, 21), (15, 60), (92, 150), (5, 60)),
    "import": ((5, 21), (22, 58), (10, 60), (5, 60)),
    "report": ((7, 35), (36, 80), (30, 90), (20, 90)),
    "rollout": ((30, 60), (61, 90), (60, 90), (50, 90)),
}
FIRST_MONTH, LAST_MONTH = date(2024, 12, 1), date(2026, 11, 1)  # 24 cohorts
PERIOD_FIRST = date(2026, 9, 1)  # period_completion: the last 3 months
CUTS: tuple[Any, ...] = (None, *DIMENSIONS)


def _to_date(days: np.ndarray) -> list[date | None]:
    return [None if n < 0 else date.fromordinal(EPOCH + n) for n in days.tolist()]


def _pl_dates(days: np.ndarray) -> pl.Series:
    s = pl.Series(days.astype(np.int32))
    return pl.select(pl.when(s >= 0).then(s).cast(pl.Date)).to_series()


# ---------------------------------------------------------------- synthetic data
def build_world(n_acc: int, n_onb: int, n_days: int) -> dict[str, Any]:
    rng = np.random.default_rng(SEED)
    t0 = time.perf_counter()
    # accounts
    seg = rng.choice(3, size=n_acc, p=(0.1, 0.3, 0.6))
    team_no = np.where(seg == 0, rng.integers(1, 3, n_acc), rng.integers(3, 7, n_acc))
    team_no = np.where(
        seg == 2, np.where(rng.random(n_acc) < 0.4, 7 + (rng.random(n_acc) < 0.5), 0), team_no
    )
    csm_no = np.where(seg == 0, rng.integers(1, 51, n_acc), rng.integers(51, 201, n_acc))
    csm_no = np.where(seg == 2, 0, csm_no)
    seats = np.maximum(1, rng.lognormal(np.array([5.0, 3.5, 2.0])[seg], 0.5)).astype(np.int64)
    seats_known = rng.random(n_acc) >= 0.02
    first_start = AS_OF_N - rng.integers(0, SPAN, n_acc)
    # onboardings: one per account, then second products of distinct accounts, started
    # uniformly too (only accounts already onboarded by then can start a second one)
    if not n_acc <= n_onb <= 2 * n_acc:
        raise SystemExit("--onboardings must be between --accounts and twice --accounts")
    order = np.argsort(first_start, kind="stable")
    sorted_first = first_start[order]
    chosen = np.zeros(n_acc, dtype=bool)
    second_acc, second_start = [], []
    need = n_onb - n_acc
    for _ in range(50):
        if need == 0:
            break
        s2 = AS_OF_N - rng.integers(0, SPAN, need * 2)
        reach = np.searchsorted(sorted_first, s2, side="right")
        ok = reach > 0
        acc = order[(rng.random(ok.sum()) * reach[ok]).astype(np.int64)]
        acc, first = np.unique(acc, return_index=True)
        keep = ~chosen[acc]
        acc, s2 = acc[keep][:need], s2[ok][first][keep][:need]
        chosen[acc] = True
        second_acc.append(acc)
        second_start.append(s2)
        need -= len(acc)
    if need:  # the last ones, when nearly every account has two
        acc = np.flatnonzero(~chosen)[:need]
        second_acc.append(acc)
        second_start.append(
            first_start[acc]
            + (rng.random(need) * (AS_OF_N - first_start[acc] + 1)).astype(np.int64)
        )
    s_acc = np.concatenate(second_acc)
    account = np.concatenate([np.arange(n_acc), s_acc])
    start = np.concatenate([first_start, np.concatenate(second_start)])
    p1 = rng.integers(0, 3, n_acc)
    product = np.concatenate([p1, (p1[s_acc] + 1 + rng.integers(0, 2, len(s_acc))) % 3])
    # outcomes and the days each criterion is met
    outcome = rng.choice(4, size=n_onb, p=(0.65, 0.2, 0.05, 0.1))
    met = np.empty((n_onb, len(KEYS)), dtype=np.int64)
    for k, key in enumerate(KEYS):
        low = np.array([r[0] for r in OFFSETS[key]])[outcome]
        high = np.array([r[1] for r in OFFSETS[key]])[outcome]
        met[:, k] = start + low + (rng.random(n_onb) * (high - low + 1)).astype(np.int64)
    never = np.flatnonzero(outcome == 3)
    met[never, rng.integers(0, len(KEYS), len(never))] = NA
    met[met > AS_OF_N] = NA  # ticks happen no later than today
    data_start = AS_OF_N - n_days + 1
    usage_cols = [KEYS.index(k) for k in USAGE_KEYS]
    # usage-rule dates before the rollups begin are history; the others come from the rollups
    from_data = np.zeros((n_onb, len(KEYS)), dtype=bool)
    for k in usage_cols:
        from_data[:, k] = (met[:, k] == NA) | (met[:, k] >= data_start)
        met[from_data[:, k], k] = NA
    ended = np.full(n_onb, NA, dtype=np.int64)
    u = rng.random(n_onb)
    lost = (outcome == 3) & (u < 0.75)
    ended[lost] = start[lost] + rng.integers(95, 366, lost.sum())
    at_renewal = (outcome != 3) & (u < 0.08)
    ended[at_renewal] = start[at_renewal] + 365
    later = (outcome != 3) & (u >= 0.08) & (u < 0.12)
    ended[later] = start[later] + rng.integers(120, 701, later.sum())
    ended[ended > AS_OF_N] = NA
    renewal = start + 365
    t_onb = time.perf_counter() - t0

    # usage rollups, in chunks of accounts (a full year is dense: see the printout)
    t0 = time.perf_counter()
    p_active = rng.uniform(0.3, 0.6, n_acc).astype(np.float32)
    share = rng.uniform(0.05, 0.6, n_acc)
    report_use = np.where(rng.random(n_acc) < 0.05, 0.0, rng.uniform(0.05, 0.9, n_acc))
    seats_use = np.where(seats_known, seats, 10)
    days = data_start + np.arange(n_days)
    d_parts: list[pl.DataFrame] = []
    f_parts: list[pl.DataFrame] = []
    chunk = max(1, 4_000_000 // n_days)
    for lo in range(0, n_acc, chunk):
        hi = min(n_acc, lo + chunk)
        cells = rng.random((hi - lo, n_days), dtype=np.float32) < p_active[lo:hi, None]
        cells &= days[None, :] >= first_start[lo:hi, None]
        a, d = np.nonzero(cells)
        a += lo
        day = days[d]
        ramp = np.minimum(1.0, (day - first_start[a] + 1) / 45)
        users = np.maximum(1, rng.binomial(seats_use[a], share[a] * ramp))
        events = users + rng.poisson(2.0 * users)
        d_parts.append(
            pl.DataFrame({"account_id": a.astype(np.int64), "day": day.astype(np.int32),
                          "events": events.astype(np.int64), "active_users": users})
        )  # fmt: skip
        for f, used in enumerate(FEATURE_USE):
            p = report_use[a] if used is None else used
            on = rng.random(len(a)) < p
            n = int(on.sum())
            f_parts.append(
                pl.DataFrame({"account_id": a[on].astype(np.int64), "day": day[on].astype(np.int32),
                              "feature": np.full(n, f, dtype=np.int8),
                              "events": 1 + rng.poisson(1.5, n).astype(np.int64)})
            )  # fmt: skip
    daily = pl.concat(d_parts).with_columns(pl.col("day").cast(pl.Date))
    feature_daily = pl.concat(f_parts).with_columns(
        pl.col("day").cast(pl.Date),
        pl.col("feature").replace_strict(dict(enumerate(FEATURES)), return_dtype=pl.String),
    )
    del d_parts, f_parts
    t_usage = time.perf_counter() - t0

    # the usage-rule dates found in the rollups up to yesterday (what earlier days stored)
    t0 = time.perf_counter()
    rows, cols = np.nonzero(from_data)
    history = _rules_frame(rows, cols, account, start, seats, seats_known)
    found = first_met(
        history,
        daily,
        feature_daily,
        since=date.fromordinal(EPOCH + int(start.min())),
        as_of=YESTERDAY,
    )
    ids = found["rule_id"].to_numpy()
    met[rows[ids], cols[ids]] = found["met_on"].cast(pl.Int32).to_numpy()
    first_use = (
        pl.DataFrame({"i": np.arange(n_onb), "account_id": account, "start": _pl_dates(start)})
        .sort("start")
        .join_asof(
            daily.select("account_id", "day").sort("day"),
            left_on="start",
            right_on="day",
            by="account_id",
            strategy="forward",
            check_sortedness=False,
        )
        .sort("i")["day"]
        .cast(pl.Int32)
        .fill_null(NA)
        .to_numpy()
        .astype(np.int64)
    )
    old = start < data_start
    first_use[old] = start[old] + rng.integers(0, 11, old.sum())
    t_history = time.perf_counter() - t0

    # states as of yesterday: the open onboardings and their unmet usage rules
    t0 = time.perf_counter()
    starts, ends, uses = _to_date(start), _to_date(ended), _to_date(first_use)
    known: list[dict[str, date]] = []
    for row in met.tolist():
        known.append(
            {k: date.fromordinal(EPOCH + n) for k, n in zip(KEYS, row, strict=True) if n >= 0}
        )
    before = [
        timeline(
            TEMPLATE, Facts(starts[i], known[i], ends[i], uses[i]), as_of=YESTERDAY, policy=POLICY
        )
        for i in range(n_onb)
    ]
    t_states = time.perf_counter() - t0
    open_ = [i for i in range(n_onb) if before[i].state in OPEN_STATES]
    owners = [
        (pos, key) for pos, i in enumerate(open_) for key in USAGE_KEYS if key not in known[i]
    ]
    o_rows = np.array([open_[pos] for pos, _ in owners], dtype=np.int64)
    o_cols = np.array([KEYS.index(key) for _, key in owners], dtype=np.int64)
    rules = _rules_frame(o_rows, o_cols, account, start, seats, seats_known)
    since = min(starts[i] for i in open_)
    every = np.repeat(np.array(open_, dtype=np.int64), len(USAGE_KEYS))
    every_cols = np.tile([KEYS.index(key) for key in USAGE_KEYS], len(open_))
    check_rules = _rules_frame(every, every_cols, account, start, seats, seats_known)
    accounts = pl.Series(np.unique(account[open_]))
    window = pl.col("day").is_between(since - timedelta(days=60), AS_OF)
    loaded = daily.filter(pl.col("account_id").is_in(accounts.implode()), window)
    loaded_f = feature_daily.filter(pl.col("account_id").is_in(accounts.implode()), window)

    teams = ["Enterprise 1", "Enterprise 2", *(f"Growth {n}" for n in range(1, 5)), "Digital 1"]
    team_names = np.array([None, *teams, "Digital 2"], dtype=object)
    csm_names = np.array([None, *(f"csm{n:03d}" for n in range(1, 201))], dtype=object)
    dims = {
        "onboarding_id": np.arange(1, n_onb + 1),
        "product": np.array(PRODUCTS, dtype=object)[product],
        "segment": np.array(SEGMENTS, dtype=object)[seg[account]],
        "team": team_names[team_no[account]],
        "csm": csm_names[csm_no[account]],
    }
    w = {
        "daily_rows": daily.height,
        "feature_rows": feature_daily.height, "open": open_, "owners": owners,
        "open_known": [known[i] for i in open_], "starts": starts, "ends": ends, "uses": uses,
        "before": before, "since": since, "rules_pl": rules, "daily_pl": loaded,
        "feature_pl": loaded_f, "history_rules": history.height, "dims": dims,
        "renewal": renewal, "check_rules": check_rules,
        "times": (t_onb, t_usage, t_history, t_states),
    }  # fmt: skip
    del daily, feature_daily
    w["rules_pd"] = _pd_frame(rules)
    w["daily_pd"] = _pd_frame(loaded)
    w["feature_pd"] = _pd_frame(loaded_f)
    return w


def _rules_frame(
    rows: np.ndarray,
    cols: np.ndarray,
    account: np.ndarray,
    start: np.ndarray,
    seats: np.ndarray,
    seats_known: np.ndarray,
) -> pl.DataFrame:
    """``RULE_SCHEMA`` rows for (onboarding, criterion column) pairs; rule_id = position."""
    rule = [RULES.get(key) for key in KEYS]
    metric = np.array([r.metric if r else "" for r in rule], dtype=object)
    feature = np.array([r.feature if r else "" for r in rule], dtype=object)
    threshold = np.array([r.threshold if r else 0 for r in rule], dtype=np.int64)
    window = np.array([r.window_days if r else 0 for r in rule], dtype=np.int64)
    acc = account[rows]
    frame = pl.DataFrame(
        {
            "rule_id": np.arange(len(rows), dtype=np.int64),
            "account_id": acc.astype(np.int64),
            "started_on": _pl_dates(start[rows]),
            "metric": metric[cols].astype(str),
            "feature": feature[cols].astype(str),
            "threshold": threshold[cols],
            "window_days": window[cols],
            "seats": pl.Series(seats[acc].astype(np.int64)).scatter(
                np.flatnonzero(~seats_known[acc]), None
            ),
        }
    )
    return frame.cast(dict(RULE_SCHEMA))


def _pd_frame(frame: pl.DataFrame) -> pd.DataFrame:
    """What a pandas user would load: dates as datetime64, the feature as a category."""
    out = frame.to_pandas()
    if "feature" in out.columns:
        out["feature"] = pd.Categorical(out["feature"], categories=["", *FEATURES])
    return out


# ---------------------------------------------------------------- (a) one day's evaluation
def ours_rules(w: dict[str, Any]) -> list[tuple[int, date]]:
    met = first_met(w["rules_pl"], w["daily_pl"], w["feature_pl"], since=w["since"], as_of=AS_OF)
    return met.rows()


def pandas_rules(w: dict[str, Any]) -> list[tuple[int, date]]:
    met = pandas_first_met(
        w["rules_pd"], w["daily_pd"], w["feature_pd"], since=w["since"], as_of=AS_OF
    )
    return [(int(r), d.date()) for r, d in zip(met["rule_id"], met["met_on"], strict=True)]


def pandas_first_met(
    rules: pd.DataFrame,
    daily: pd.DataFrame,
    feature_daily: pd.DataFrame,
    *,
    since: date,
    as_of: date,
) -> pd.DataFrame:
    """The definition of ``kizuna.core.onboarding.rules`` written the obvious pandas way: merge
    the rules with the rollups, keep the days a window can reach, value per day, a time-based
    rolling sum per rule, the first day the sum reached the threshold."""
    since_ts, as_of_ts = pd.Timestamp(since), pd.Timestamp(as_of)
    plain = rules[rules["metric"] != "feature_events"].merge(daily, on="account_id")
    feat = rules[rules["metric"] == "feature_events"].merge(
        feature_daily, on=["account_id", "feature"]
    )
    kept = []
    for frame in (plain, feat):
        earliest = since_ts - pd.to_timedelta(frame["window_days"] - 1, unit="D")
        first_day = earliest.where(earliest > frame["started_on"], frame["started_on"])
        kept.append(frame[(frame["day"] >= first_day) & (frame["day"] <= as_of_ts)])
    plain, feat = kept
    metric = plain["metric"]
    share = metric == "seat_share"
    reaches = (plain["seats"] > 0) & (
        plain["active_users"] * 100 >= plain["threshold"] * plain["seats"]
    )
    plain = plain.assign(
        value=np.select(
            [metric == "events", metric == "active_days"],
            [plain["events"], (plain["events"] > 0).astype("int64")],
            default=reaches.astype("int64"),
        ),
        threshold=plain["threshold"].where(~share, 1),
        window_days=plain["window_days"].where(~share, 1),
    )
    feat = feat.assign(value=feat["events"])
    columns = ["rule_id", "day", "value", "threshold", "window_days"]
    observed = pd.concat([plain[columns], feat[columns]], ignore_index=True)
    held = []
    for window, group in observed.groupby("window_days"):
        group = group.sort_values(["rule_id", "day"])
        total = (
            group.set_index("day").groupby("rule_id")["value"].rolling(f"{window}D").sum()
        ).reset_index(name="total")
        threshold = group.groupby("rule_id")["threshold"].first()
        held.append(total[total["total"] >= total["rule_id"].map(threshold)])
    found = pd.concat(held)
    found = found[found["day"] >= since_ts]
    return found.groupby("rule_id")["day"].min().rename("met_on").reset_index()


def day_timelines(w: dict[str, Any], found: list[tuple[int, date]]) -> list[Timeline]:
    """The timeline of every open onboarding with its ticks and today's usage dates (the same
    pure-Python code after either engine)."""
    met = [dict(known) for known in w["open_known"]]
    owners = w["owners"]
    for rule_id, day in found:
        pos, key = owners[rule_id]
        met[pos][key] = day
    starts, ends, uses = w["starts"], w["ends"], w["uses"]
    return [
        timeline(TEMPLATE, Facts(starts[i], met[pos], ends[i], uses[i]), as_of=AS_OF, policy=POLICY)
        for pos, i in enumerate(w["open"])
    ]


# ---------------------------------------------------------------- (b) KPIs: Kizuna's core
def kpi_frame(w: dict[str, Any], today: list[Timeline]) -> pl.DataFrame:
    """One row per onboarding: the dates of its timeline as of today (the open ones just
    evaluated; the others were final yesterday)."""
    results = list(w["before"])
    for i, result in zip(w["open"], today, strict=True):
        results[i] = result
    return pl.DataFrame(
        {
            **w["dims"],
            "started_on": w["starts"],
            "target_on": [r.target_on for r in results],
            "completed_on": [r.completed_on for r in results],
            "stalled_on": [r.stalled_on for r in results],
            "expected_churn_on": [r.expected_churn_on for r in results],
            "ended_on": w["ends"],
            "first_renewal_on": _to_date(w["renewal"]),
        },
        schema_overrides={c: pl.String for c in DIMENSIONS}
        | {c: pl.Date for c in ("started_on", "target_on", "completed_on", "stalled_on",
                                "expected_churn_on", "ended_on", "first_renewal_on")},
    )  # fmt: skip


def ours_kpis(w: dict[str, Any]) -> dict[Any, tuple[Any, ...]]:
    frame = w["kpi_pl"]
    months = {"as_of": AS_OF, "first_month": FIRST_MONTH, "last_month": LAST_MONTH}
    out = {}
    for by in CUTS:
        cohorts = completion_cohorts(frame, by=by, **months)
        period = period_completion(
            frame, as_of=AS_OF, first_month=PERIOD_FIRST, last_month=LAST_MONTH, by=by
        )
        funnel = onboarding_funnel(frame, by=by, **months)
        out[by] = (cohorts, period, funnel, funnel_totals(funnel))
    return out


# ---------------------------------------------------------------- (b) KPIs: straightforward pandas
def _pd_grid(frame: pd.DataFrame, by: str | None, first: date, last: date) -> pd.DataFrame:
    months = pd.DataFrame({"cohort_month": pd.date_range(first, last, freq="MS")})
    if by is None:
        return months
    return months.merge(pd.DataFrame({by: frame[by].unique()}), how="cross")


def _pd_on_grid(
    counts: pd.DataFrame, frame: pd.DataFrame, by: str | None, first: date, last: date
) -> pd.DataFrame:
    keys = ["cohort_month", *([by] if by else [])]
    out = _pd_grid(frame, by, first, last).merge(counts, on=keys, how="left")
    count_columns = [c for c in counts.columns if c not in keys and not c.startswith("duration")]
    out[count_columns] = out[count_columns].fillna(0).astype("int64")
    if "duration_p80_days" in out.columns:
        out["duration_p80_days"] = out["duration_p80_days"].astype("Int64")
    return out.sort_values(keys, na_position="last", kind="stable", ignore_index=True)


def _pd_rate(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return (numerator / denominator).where(denominator != 0)


def _pd_cohort_counts(frame: pd.DataFrame, by: str | None, first: date, last: date) -> pd.DataFrame:
    as_of = pd.Timestamp(AS_OF)
    month = frame["target_on"].dt.to_period("M").dt.to_timestamp()
    m = frame[(frame["target_on"] <= as_of) & (month >= pd.Timestamp(first))
              & (month <= pd.Timestamp(last))]  # fmt: skip
    done = m["completed_on"] <= as_of
    members = pd.DataFrame(
        {
            "cohort_month": month[m.index],
            "on_time": done & (m["completed_on"] <= m["target_on"]),
            "completed": done,
            "stalled": m["stalled_on"] <= as_of,
            "expected_churn": m["expected_churn_on"] <= as_of,
            "revived": done & (m["expected_churn_on"] < m["completed_on"]),
            "duration": (m["completed_on"] - m["started_on"]).dt.days,
        }
    )
    keys = ["cohort_month"]
    if by:
        members[by] = m[by]
        keys.append(by)
    counts = members.groupby(keys, dropna=False).agg(
        cohort_size=("on_time", "size"),
        completed_on_time=("on_time", "sum"),
        completed=("completed", "sum"),
        stalled=("stalled", "sum"),
        expected_churn=("expected_churn", "sum"),
        revived=("revived", "sum"),
    )
    durations = (
        members[members["completed"]]
        .groupby(keys, dropna=False)["duration"]
        .agg(
            duration_median_days="median",
            duration_p80_days=lambda s: int(np.sort(s.to_numpy())[(len(s) * 4 + 4) // 5 - 1]),
        )
    )
    return counts.join(durations).reset_index()


def pandas_cohorts(frame: pd.DataFrame, by: str | None) -> pd.DataFrame:
    counts = _pd_cohort_counts(frame, by, FIRST_MONTH, LAST_MONTH)
    out = _pd_on_grid(counts, frame, by, FIRST_MONTH, LAST_MONTH)
    out["completion_rate"] = _pd_rate(out["completed_on_time"], out["cohort_size"])
    out["revival_rate"] = _pd_rate(out["revived"], out["expected_churn"])
    keys = ["cohort_month", *([by] if by else [])]
    return out[[*keys, "cohort_size", "completed_on_time", "completion_rate", "completed",
                "duration_median_days", "duration_p80_days", "stalled", "expected_churn",
                "revived", "revival_rate"]]  # fmt: skip


def pandas_period(frame: pd.DataFrame, by: str | None, target: float = 0.9) -> list[tuple]:
    counts = _pd_cohort_counts(frame, by, PERIOD_FIRST, LAST_MONTH)
    grid = _pd_on_grid(counts, frame, by, PERIOD_FIRST, LAST_MONTH)
    if by:
        pooled = grid.groupby(by, dropna=False)[["cohort_size", "completed_on_time"]].sum()
        pooled = pooled.reset_index().sort_values(by, na_position="last")
        values = pooled[by].tolist()
    else:
        pooled = grid[["cohort_size", "completed_on_time"]].sum().to_frame().T
        values = [None]
    out = []
    for value, size, on_time in zip(
        values, pooled["cohort_size"], pooled["completed_on_time"], strict=True
    ):
        size, on_time = int(size), int(on_time)
        rate = on_time / size if size else None
        meets = None if not size else Decimal(on_time) >= Decimal(str(target)) * size
        out.append((None if pd.isna(value) else value, size, on_time, rate, meets))
    return out


def _pd_funnel_rates(out: pd.DataFrame) -> pd.DataFrame:
    for node in FUNNEL_NODES[1:]:
        out[f"{node}_rate"] = _pd_rate(out[node], out["handed_over"])
    out["revival_rate"] = _pd_rate(out["revived"], out["expected_churn"])
    out["first_renewal_retention"] = _pd_rate(out["retained"], out["renewal_due"])
    return out


def pandas_funnel(frame: pd.DataFrame, by: str | None) -> pd.DataFrame:
    as_of = pd.Timestamp(AS_OF)
    month = frame["started_on"].dt.to_period("M").dt.to_timestamp()
    m = frame[(frame["started_on"] <= as_of) & (month >= pd.Timestamp(FIRST_MONTH))
              & (month <= pd.Timestamp(LAST_MONTH))]  # fmt: skip
    c, t, x = m["completed_on"], m["target_on"], m["expected_churn_on"]
    e, r = m["ended_on"], m["first_renewal_on"]
    completed, ended, renewal_due = c <= as_of, e <= as_of, r <= as_of
    on_time = completed & (c <= t)
    churned_at_renewal = renewal_due & (e <= r)
    nodes = pd.DataFrame(
        {
            "cohort_month": month[m.index],
            "handed_over": 1,
            "completed_on_time": on_time,
            "missed_target": (t <= as_of) & ~on_time,
            "completed_late": completed & (t < c) & ~(x < c),
            "expected_churn": x <= as_of,
            "revived": completed & (x < c),
            "churned_before_completion": ended & ~(c < e),
            "still_onboarding": ~completed & ~ended,
            "renewal_due": renewal_due,
            "retained": renewal_due & ~churned_at_renewal,
            "churned_at_first_renewal": churned_at_renewal,
        }
    )
    keys = ["cohort_month"]
    if by:
        nodes[by] = m[by]
        keys.append(by)
    counts = nodes.groupby(keys, dropna=False)[list(FUNNEL_NODES)].sum().reset_index()
    out = _pd_on_grid(counts, frame, by, FIRST_MONTH, LAST_MONTH)
    return _pd_funnel_rates(out)[[*keys, *FUNNEL_NODES, *FUNNEL_RATES]]


def pandas_funnel_totals(funnel: pd.DataFrame, by: str | None) -> pd.DataFrame:
    if by:
        sums = funnel.groupby(by, dropna=False)[list(FUNNEL_NODES)].sum().reset_index()
        sums = sums.sort_values(by, na_position="last", ignore_index=True)
    else:
        sums = funnel[list(FUNNEL_NODES)].sum().to_frame().T.reset_index(drop=True)
    return _pd_funnel_rates(sums)[[*([by] if by else []), *FUNNEL_NODES, *FUNNEL_RATES]]


def pandas_kpis(w: dict[str, Any]) -> dict[Any, tuple[Any, ...]]:
    frame = w["kpi_pd"]
    out = {}
    for by in CUTS:
        funnel = pandas_funnel(frame, by)
        out[by] = (
            pandas_cohorts(frame, by),
            pandas_period(frame, by),
            funnel,
            pandas_funnel_totals(funnel, by),
        )
    return out


# ---------------------------------------------------------------- identity checks
def _py(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _same_rows(name: str, ours: list[tuple], theirs: list[tuple], columns: list[str]) -> None:
    assert len(ours) == len(theirs), (name, len(ours), len(theirs))
    for a_row, b_row in zip(ours, theirs, strict=True):
        for column, a, b in zip(columns, a_row, map(_py, b_row), strict=True):
            approximate = column.endswith("_rate") or column == "first_renewal_retention"
            if approximate and a is not None and b is not None:
                assert abs(a - b) <= 1e-12, (name, column, a_row, b_row)
            else:
                assert a == b and type(a) is type(b), (name, column, a_row, b_row)


def check_rules(w: dict[str, Any]) -> str:
    """Today's unmet rules are met today or not at all, so the rule evaluation is also checked
    on every usage rule of the open onboardings (met or not) and with a later ``since``."""
    rules = w["check_rules"]
    seen = []
    for since in (w["since"], AS_OF - timedelta(days=30)):
        args = {"since": since, "as_of": AS_OF}
        ours = first_met(rules, w["daily_pl"], w["feature_pl"], **args).rows()
        met = pandas_first_met(_pd_frame(rules), w["daily_pd"], w["feature_pd"], **args)
        theirs = [(int(r), d.date()) for r, d in zip(met["rule_id"], met["met_on"], strict=True)]
        assert ours == theirs, f"first_met differs from pandas (since {since})"
        seen.append(f"{len(ours):,} met on {len({d for _, d in ours}):,} different days")
    return f"all {rules.height:,} usage rules of the open onboardings: " + "; ".join(seen)


def check(w: dict[str, Any]) -> None:
    print(f"identical rule evaluation: {check_rules(w)}")
    ours, theirs = ours_rules(w), pandas_rules(w)
    assert ours == sorted(theirs), "first_met differs from the pandas rule evaluation"
    today = day_timelines(w, ours)
    assert [(r.state, r.transitions) for r in today] == [
        (r.state, r.transitions) for r in day_timelines(w, theirs)
    ]
    w["kpi_pl"] = kpi_frame(w, today)
    w["kpi_pd"] = w["kpi_pl"].to_pandas()
    k_out, p_out = ours_kpis(w), pandas_kpis(w)
    for by in CUTS:
        (cohorts, period, funnel, totals), (p_cohorts, p_period, p_funnel, p_totals) = (
            k_out[by],
            p_out[by],
        )
        for name, a, b in (("cohorts", cohorts, p_cohorts), ("funnel", funnel, p_funnel),
                           ("totals", totals, p_totals)):  # fmt: skip
            assert a.columns == list(b.columns), (name, by)
            _same_rows(f"{name} by {by}", a.rows(), list(b.itertuples(index=False)), a.columns)
        _same_rows(
            f"period by {by}",
            [(p.value, p.cohort_size, p.completed_on_time, p.completion_rate, p.meets_target)
             for p in period],
            p_period,
            ["value", "cohort_size", "completed_on_time", "completion_rate", "meets_target"],
        )  # fmt: skip
    states = pl.Series([str(r.state) for r in today]).value_counts(sort=True).rows()
    print(
        f"identical results: {len(ours):,} usage rules met today (of {w['rules_pl'].height:,} "
        f"unmet), {len(today):,} timelines; KPIs for {len(CUTS)} cuts "
        f"({sum(len(k_out[by][0]) for by in CUTS):,} cohort rows, "
        f"{sum(len(k_out[by][2]) for by in CUTS):,} funnel rows)"
    )
    print("open onboardings today: " + ", ".join(f"{s} {n:,}" for s, n in states))


# ---------------------------------------------------------------- timing
_SAMPLER = """
import select, sys
path, peak = f"/proc/{sys.argv[1]}/statm", 0
print("ready", flush=True)
while not select.select([sys.stdin], [], [], 0.005)[0]:
    peak = max(peak, int(open(path).read().split()[1]))
print(peak)
"""


def _rss() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakRss:
    """The highest resident memory while the block runs, above the start: sampled every 5 ms
    by a small child process (a thread would wait for the GIL). Freed heap memory is given
    back to the system first (``malloc_trim``) so that the start is not inflated by it."""

    def __enter__(self) -> PeakRss:
        gc.collect()
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        self.start = _rss()
        self._sampler = subprocess.Popen(
            [sys.executable, "-c", _SAMPLER, str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._sampler.stdout is not None
        self._sampler.stdout.readline()  # sampling has begun
        return self

    def __exit__(self, *exc: object) -> None:
        out, _ = self._sampler.communicate("")
        self.peak = max(int(out) * os.sysconf("SC_PAGE_SIZE"), _rss())

    @property
    def extra_mib(self) -> float:
        return (self.peak - self.start) / 2**20


def time_day(
    rules: Callable[[dict[str, Any]], list[tuple[int, date]]], w: dict[str, Any], runs: int
) -> tuple[list[float], list[float], list[float], float]:
    """The times of (rules, timelines, total) of each run after a warm-up, and +RSS."""
    day_timelines(w, rules(w))  # warm-up
    parts: tuple[list[float], list[float], list[float]] = ([], [], [])
    with PeakRss() as rss:
        for _ in range(runs):
            t0 = time.perf_counter()
            found = rules(w)
            t1 = time.perf_counter()
            day_timelines(w, found)
            t2 = time.perf_counter()
            for bucket, value in zip(parts, (t1 - t0, t2 - t1, t2 - t0), strict=True):
                bucket.append(value)
    return *parts, rss.extra_mib


def time_task(
    task: Callable[[dict[str, Any]], Any], w: dict[str, Any], runs: int
) -> tuple[float, float]:
    task(w)  # warm-up
    times = []
    with PeakRss() as rss:
        for _ in range(runs):
            started = time.perf_counter()
            task(w)
            times.append(time.perf_counter() - started)
    return statistics.median(times), rss.extra_mib


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--onboardings", type=int, default=150_000)
    parser.add_argument("--days", type=int, default=365, help="days of usage rollups")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    w = build_world(args.accounts, args.onboardings, args.days)
    t_onb, t_usage, t_history, t_states = w["times"]
    account_days = args.accounts * args.days
    print(
        f"synthetic world built in {time.perf_counter() - started:.1f} s: {args.accounts:,} "
        f"accounts, {args.onboardings:,} onboardings, as of {AS_OF}\n"
        f"  usage rollups, {args.days} days ({AS_OF - timedelta(days=args.days - 1)} … {AS_OF}):"
        f" {w['daily_rows']:,} account-days ({w['daily_rows'] / account_days:.0%} of "
        f"{account_days:,}; none before an account's first onboarding), "
        f"{w['feature_rows']:,} feature-days  [{t_usage:.1f} s]\n"
        f"  onboardings and ticks [{t_onb:.1f} s]; earlier usage-rule dates, first_met over "
        f"{w['history_rules']:,} rules as of {YESTERDAY} [{t_history:.1f} s]; "
        f"{args.onboardings:,} timelines as of {YESTERDAY} [{t_states:.1f} s]"
    )
    states = pl.Series([str(r.state) for r in w["before"]]).value_counts(sort=True).rows()
    print("  states as of yesterday: " + ", ".join(f"{s} {n:,}" for s, n in states))
    print(
        f"  open: {len(w['open']):,} onboardings ({len(w['open']) / args.onboardings:.1%}), "
        f"{w['rules_pl'].height:,} unmet usage rules, since {w['since']}; rollups loaded for "
        f"them: {w['daily_pl'].height:,} daily rows, {w['feature_pl'].height:,} feature rows"
    )
    check(w)
    print(f"\nmedians of {args.runs} runs after a warm-up; +RSS = peak resident memory above the "
          f"start of the task (MiB)")  # fmt: skip
    header = (
        f"{'task':<40} {'Kizuna s':>9} {'pandas s':>9} {'K/pd':>6} {'K +RSS':>7} {'pd +RSS':>8}"
        "  goal < 5 s"
    )
    print(header)
    print("-" * len(header))
    k_rules, k_tl, k_total, k_rss = time_day(ours_rules, w, args.runs)
    p_rules, p_tl, p_total, p_rss = time_day(pandas_rules, w, args.runs)
    rows = [
        ("(a) usage rules (first_met)", k_rules, p_rules, None, None),
        ("(a) timelines (same code)", k_tl, p_tl, None, None),
        ("(a) one day's evaluation, total", k_total, p_total, k_rss, p_rss),
    ]
    for name, a, b, ra, rb in rows:
        _print_row(name, statistics.median(a), statistics.median(b), ra, rb)
    k_kpi, k_kpi_rss = time_task(ours_kpis, w, args.runs)
    p_kpi, p_kpi_rss = time_task(pandas_kpis, w, args.runs)
    _print_row("(b) KPIs + funnel, 24 cohorts, 5 cuts", k_kpi, p_kpi, k_kpi_rss, p_kpi_rss)


def _print_row(
    name: str, ours: float, theirs: float, rss_ours: float | None, rss_theirs: float | None
) -> None:
    def mib(value: float | None) -> str:
        return "" if value is None else f"{value:,.0f}"

    goal = "met" if ours < 5 else "MISSED"
    print(f"{name:<40} {ours:9.2f} {theirs:9.2f} {ours / theirs:6.2f} {mib(rss_ours):>7} "
          f"{mib(rss_theirs):>8}  {goal}")  # fmt: skip


if __name__ == "__main__":
    main()
