"""Benchmark of the touch-model core against straightforward pandas (not part of the tests).

pandas is not a dependency of the project, so run it with uv's temporary extra:

    uv run --with pandas python bench/coverage_bench.py [--runs 3]

Synthetic book (fixed seed): 100,000 accounts over 2022-01 … 2026-06 (30 % churn at some month
end), 200 CSMs (50 high touch in team 1, 150 low touch in teams 2 and 3; tech touch is team 4,
1:N), 2,000,000 touchpoints over 2024-01-01 … 2026-06-30 of six kinds. As of 2026-06-30:

- ``review``: a segmentation review preview — the percentile rule (10 % / 30 %) on today's
  scores and on the scores of the last review, and the moves between the two;
- ``assign``: auto-assignment of every active high- and low-touch account from scratch (1 %
  pinned by an exception); norms scaled to this book (high 100–200, low 150–210 per CSM) so that
  capacity roughly matches the accounts;
- ``coverage``: the touch index, coverage per segment / team / CSM at each of the 24 month ends
  2024-07 … 2026-06 (the last one is as_of) with each account counted for the CSM and team that
  held it that day (half the high- and low-touch accounts changed hands one to three times over
  those two years, 1 in 50 changes from no owner; ``core.ownership`` replays them), and the
  worklist (``coverage_due``) as of 2026-06-30.

Each task runs once as a warm-up, then ``--runs`` times; the median is printed for Kizuna's core
and for the pandas implementation of the same definitions written below, with the ratio
ours / pandas, after checking that both give identical results. Inputs are built before timing:
dataclasses for the core, DataFrames for pandas.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from kizuna.core.assignment import AccountToAssign, CsmLoad, LoadNorm, auto_assign
from kizuna.core.calendar import month_ends, month_index
from kizuna.core.coverage import (
    DEFAULT_POLICIES,
    AccountAtDate,
    CoverageReport,
    Touch,
    coverage_due,
    coverage_trend,
    index_touches,
)
from kizuna.core.ownership import OwnershipChange, OwnershipHistory
from kizuna.core.segmentation import segment_by_percentile, segment_moves

SEED = 20260630
N_ACCOUNTS, N_TOUCHES = 100_000, 2_000_000
AS_OF = date(2026, 6, 30)
ENDS = month_ends(date(2024, 7, 1), AS_OF)
KINDS = ["meeting", "call", "email", "onsite", "webinar", "note"]
NORMS = (LoadNorm("high", 100, 200), LoadNorm("low", 150, 210))
ORDER = {"high": 0, "low": 1, "tech": 2, "community": 3}


# ---------------------------------------------------------------- synthetic data
def build_world() -> dict[str, Any]:
    rng = random.Random(SEED)
    month_indexes = [month_index(end) for end in ENDS]
    first, last = month_index(date(2022, 1, 1)), month_index(AS_OF)
    keys = [f"A{i:06d}" for i in range(N_ACCOUNTS)]
    score = [int(rng.lognormvariate(14, 1.2)) for _ in keys]
    previous = [int(s * rng.uniform(0.8, 1.25)) for s in score]
    start = [rng.randint(first, last) for _ in keys]
    churn = [rng.randint(s + 1, last + 12) if rng.random() < 0.3 else 10**6 for s in start]
    segments = segment_by_percentile(dict(zip(keys, score, strict=True)))
    seg = [segments[k] for k in keys]
    team, owner = [], []
    for s in seg:
        t = 1 if s == "high" else rng.choice((2, 3)) if s == "low" else 4
        team.append(t)
        owner.append(
            rng.randint(1, 50) if s == "high" else rng.randint(51, 200) if s == "low" else None
        )
    base = date(2024, 1, 1).toordinal()
    days = [date.fromordinal(o) for o in range(base, AS_OF.toordinal() + 1)]
    t_acc = [rng.randrange(N_ACCOUNTS) for _ in range(N_TOUCHES)]
    t_kind = rng.choices(KINDS, weights=(30, 20, 30, 5, 10, 5), k=N_TOUCHES)
    t_day = [rng.choice(days) for _ in range(N_TOUCHES)]
    mrr = [max(1, s // 12) for s in score]
    accounts = pd.DataFrame(
        {"account_id": range(N_ACCOUNTS), "segment": seg, "owner_id": owner, "team_id": team,
         "mrr": mrr, "start": start, "churn": churn, "acv": score}
    )  # fmt: skip
    accounts["owner_id"] = accounts["owner_id"].astype("Int64")
    by_end = {}
    for end, m in zip(ENDS, month_indexes, strict=True):
        by_end[end] = [
            AccountAtDate(i, seg[i], owner[i], team[i], mrr[i])
            for i in range(N_ACCOUNTS)
            if start[i] <= m < churn[i]
        ]
    active_now = [a for a in by_end[AS_OF]]
    to_assign = [
        AccountToAssign(
            a.account_id, a.segment, score[a.account_id], a.team_id,
            a.owner_id if rng.random() < 0.01 else None,
        )
        for a in active_now
        if a.segment in ("high", "low")
    ]  # fmt: skip
    csms = [CsmLoad(i, 1, "high", 0, 0) for i in range(1, 51)] + [
        CsmLoad(i, 2 if i <= 125 else 3, "low", 0, 0) for i in range(51, 201)
    ]
    changes = _ownership_changes(seg, owner, team)
    return {
        "changes": changes,
        "change_df": pd.DataFrame(
            {"account_id": [c.account_id for c in changes],
             "day": pd.to_datetime([c.day for c in changes]),
             "seq": range(len(changes)),
             "from_owner_id": pd.array([c.from_owner_id for c in changes], dtype="Int64"),
             "from_team_id": [c.from_team_id for c in changes]}
        ),
        "keys": keys, "score": score, "previous": previous, "accounts": accounts,
        "month_index": month_indexes, "by_end": by_end, "to_assign": to_assign, "csms": csms,
        "touches": [Touch(a, k, d) for a, k, d in zip(t_acc, t_kind, t_day, strict=True)],
        "assign_df": pd.DataFrame([asdict(a) for a in to_assign]).astype(
            {"pinned_owner_id": "Int64"}
        ),
        "csm_df": pd.DataFrame([asdict(c) for c in csms]),
        "touch_df": pd.DataFrame(
            {"account_id": t_acc, "kind": t_kind, "day": pd.to_datetime(t_day)}
        ),
    }  # fmt: skip


def _ownership_changes(seg: list[str], owner: list[int | None], team: list[int]) -> list[Any]:
    """Half the high- and low-touch accounts change hands 1-3 times within the trend's range,
    built back from today's holder; returned in the order made (day, then account)."""
    rng = random.Random(SEED + 1)  # its own stream: the rest of the world stays as it was
    first, span = ENDS[0].toordinal(), AS_OF.toordinal() - ENDS[0].toordinal()
    changes = []
    for i, s in enumerate(seg):
        if s not in ("high", "low") or rng.random() >= 0.5:
            continue
        days = sorted(
            date.fromordinal(first + rng.randrange(span)) for _ in range(rng.randint(1, 3))
        )
        for day in days:
            before = rng.randint(1, 50) if s == "high" else rng.randint(51, 200)
            before_team = 1 if s == "high" else rng.choice((2, 3))
            changes.append(
                OwnershipChange(i, day, None if rng.random() < 0.02 else before, before_team)
            )
    changes.sort(key=lambda c: (c.day, c.account_id))
    return changes


# ---------------------------------------------------------------- Kizuna's core
def ours_review(w: dict[str, Any]) -> Any:
    before = segment_by_percentile(dict(zip(w["keys"], w["previous"], strict=True)))
    after = segment_by_percentile(dict(zip(w["keys"], w["score"], strict=True)))
    return after, segment_moves(before, after)


def ours_assign(w: dict[str, Any]) -> Any:
    return auto_assign(w["csms"], w["to_assign"], norms=NORMS)


def ours_coverage(w: dict[str, Any]) -> Any:
    index = index_touches(w["touches"])
    history = OwnershipHistory(w["changes"], today=AS_OF)
    trend = coverage_trend(
        lambda end: history.accounts_on(end, w["by_end"][end]),
        index,
        DEFAULT_POLICIES,
        first_month=ENDS[0],
        last_month=ENDS[-1],
    )
    return trend, coverage_due(w["by_end"][AS_OF], index, DEFAULT_POLICIES, as_of=AS_OF)


# ---------------------------------------------------------------- straightforward pandas
def _pd_segments(keys: list[str], scores: list[int]) -> pd.Series:
    frame = pd.DataFrame({"key": keys, "score": scores})
    frame = frame.sort_values(["score", "key"], ascending=[False, True], kind="mergesort")
    n = len(frame)
    high, top = math.floor(n * 0.1 + 0.5), math.floor(n * 0.4 + 0.5)
    rank = np.arange(n)
    frame["segment"] = np.where(rank < high, "high", np.where(rank < top, "low", "tech"))
    return frame.set_index("key")["segment"]


def pandas_review(w: dict[str, Any]) -> Any:
    before = _pd_segments(w["keys"], w["previous"])
    after = _pd_segments(w["keys"], w["score"])
    both = pd.DataFrame({"before": before, "after": after})
    changed = both[both["before"] != both["after"]]
    moves = changed.reset_index().groupby(["before", "after"])["key"].apply(sorted)
    direction = changed["after"].map(ORDER) - changed["before"].map(ORDER)
    return after, moves, int((direction < 0).sum()), int((direction > 0).sum())


def pandas_assign(w: dict[str, Any]) -> Any:
    accounts = w["assign_df"].sort_values(["acv", "account_id"], ascending=[False, True])
    csms = w["csm_df"]
    ids = csms["csm_id"].to_numpy()
    counts, acv = csms["accounts"].to_numpy().copy(), csms["acv"].to_numpy().copy()
    maxima = csms["segment"].map({n.segment: n.max_accounts for n in NORMS}).to_numpy()
    position = {csm_id: p for p, csm_id in enumerate(ids)}
    pools = {key: group.index.to_numpy() for key, group in csms.groupby(["segment", "team_id"])}
    result, unplaced = {}, []
    for row in accounts.itertuples():
        if not pd.isna(row.pinned_owner_id):
            p = position[int(row.pinned_owner_id)]
            counts[p] += 1
            acv[p] += row.acv
            result[row.account_id] = int(ids[p])
    for row in accounts[accounts["pinned_owner_id"].isna()].itertuples():
        pool = pools[(row.segment, row.team_id)]
        pool = pool[counts[pool] < maxima[pool]]
        if len(pool) == 0:
            unplaced.append(row.account_id)
            continue
        p = pool[np.lexsort((ids[pool], acv[pool], counts[pool]))[0]]
        counts[p] += 1
        acv[p] += row.acv
        result[row.account_id] = int(ids[p])
    return result, unplaced


def _pd_trend_one(w: dict[str, Any], end: date, m: int) -> pd.DataFrame:
    acc = w["accounts"]
    active = _pd_held(w, acc[(acc["start"] <= m) & (acc["churn"] > m)], end)
    touches = w["touch_df"].merge(active[["account_id", "segment"]], on="account_id")
    d = pd.Timestamp(end)
    covered_ids = []
    for policy in DEFAULT_POLICIES:
        start = d - pd.DateOffset(months=policy.period_months)
        t = touches[(touches["segment"] == policy.segment)]
        t = t[t["kind"].isin(policy.qualifying_kinds) & (t["day"] > start) & (t["day"] <= d)]
        covered_ids.append(t["account_id"].unique())
    active = active.assign(covered=active["account_id"].isin(np.concatenate(covered_ids)))
    return active


def _pd_held(w: dict[str, Any], active: pd.DataFrame, end: date) -> pd.DataFrame:
    """Owner and team at the end of ``end``: the before of each account's first later change."""
    changes = w["change_df"]
    later = changes[changes["day"] > pd.Timestamp(end)].sort_values(["day", "seq"])
    later = later.drop_duplicates("account_id").set_index("account_id")
    held = active.copy()
    hit = held["account_id"].isin(later.index)
    ids = held.loc[hit, "account_id"]
    held.loc[hit, "owner_id"] = later.loc[ids, "from_owner_id"].to_numpy()
    held.loc[hit, "team_id"] = later.loc[ids, "from_team_id"].to_numpy()
    return held


def pandas_coverage(w: dict[str, Any]) -> Any:
    trend = {}
    for end, m in zip(ENDS, w["month_index"], strict=True):
        active = _pd_trend_one(w, end, m)
        trend[end] = {
            level: active.groupby(["segment", key], dropna=False)["covered"].agg(["sum", "count"])
            for level, key in (("team", "team_id"), ("csm", "owner_id"))
        } | {"segment": active.groupby("segment")["covered"].agg(["sum", "count"])}
    return trend, _pd_due(w)


def _pd_due(w: dict[str, Any]) -> pd.DataFrame:
    m = w["month_index"][-1]
    acc = w["accounts"]
    active = acc[(acc["start"] <= m) & (acc["churn"] > m)]
    d = pd.Timestamp(AS_OF)
    parts = []
    for policy in DEFAULT_POLICIES:
        seg = active[active["segment"] == policy.segment]
        t = w["touch_df"]
        t = t[t["account_id"].isin(seg["account_id"]) & t["kind"].isin(policy.qualifying_kinds)]
        last = t[t["day"] <= d].groupby("account_id")["day"].max().rename("last_touch")
        seg = seg.join(last, on="account_id")
        shifted = seg["last_touch"] + pd.DateOffset(months=policy.period_months)
        clamped = shifted.dt.day != seg["last_touch"].dt.day
        seg["falls_out_on"] = shifted + pd.to_timedelta(clamped.astype(int), unit="D")
        parts.append(seg)
    due = pd.concat(parts)
    due["days_left"] = (due["falls_out_on"] - d).dt.days
    due["never"] = due["days_left"].isna()
    return due.sort_values(
        ["never", "days_left", "mrr", "account_id"], ascending=[False, True, False, True]
    )


# ---------------------------------------------------------------- identity checks
def _rows(report: CoverageReport) -> dict[tuple[str, str, Any], tuple[int, int]]:
    out = {("segment", r.segment, None): (r.covered, r.total) for r in report.by_segment}
    out |= {("team", r.segment, r.team_id): (r.covered, r.total) for r in report.by_team}
    out |= {("csm", r.segment, r.owner_id): (r.covered, r.total) for r in report.by_csm}
    return {k: v for k, v in out.items() if v[1]}


def _pd_rows(levels: dict[str, pd.DataFrame]) -> dict[tuple[str, str, Any], tuple[int, int]]:
    out = {("segment", s, None): (int(v["sum"]), int(v["count"])) for s, v in
           levels["segment"].iterrows()}  # fmt: skip
    for level in ("team", "csm"):
        for (s, key), v in levels[level].iterrows():
            out[(level, s, None if pd.isna(key) else int(key))] = (int(v["sum"]), int(v["count"]))
    return out


def check(w: dict[str, Any]) -> None:
    (after, moves), (pd_after, pd_moves, pd_up, pd_down) = ours_review(w), pandas_review(w)
    assert after == pd_after.to_dict()
    assert {k: tuple(v) for k, v in pd_moves.items()} == dict(moves.moves)
    assert (moves.up, moves.down) == (pd_up, pd_down)
    plan, (pd_result, pd_unplaced) = ours_assign(w), pandas_assign(w)
    assert {a.account_id: a.csm_id for a in plan.assignments} == pd_result
    assert sorted(i for s in plan.shortages for i in s.unplaced) == sorted(pd_unplaced)
    (trend, due), (pd_trend, pd_due) = ours_coverage(w), pandas_coverage(w)
    for report in trend:
        assert _rows(report) == _pd_rows(pd_trend[report.as_of]), report.as_of
    ours_due = [(x.account_id, x.last_touch, x.falls_out_on, x.days_left) for x in due]
    theirs = [
        (int(r.account_id), None if pd.isna(r.last_touch) else r.last_touch.date(),
         None if pd.isna(r.falls_out_on) else r.falls_out_on.date(),
         None if pd.isna(r.days_left) else int(r.days_left))
        for r in pd_due.itertuples()
    ]  # fmt: skip
    assert ours_due == theirs
    print(f"identical results: {len(moves.moves)} move pairs, {len(plan.assignments)} assignments,"
          f" {len(trend)} month ends, {len(due)} worklist lines")  # fmt: skip


def median_time(task: Callable[[dict[str, Any]], Any], w: dict[str, Any], runs: int) -> float:
    task(w)  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        task(w)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    w = build_world()
    print(f"synthetic world built in {time.perf_counter() - started:.1f} s "
          f"({N_ACCOUNTS:,} accounts, 200 CSMs, {N_TOUCHES:,} touchpoints)")  # fmt: skip
    check(w)
    print(f"{'task':<10} {'kizuna s':>9} {'pandas s':>9} {'ratio':>7}  (median of {args.runs})")
    for name, ours, theirs in (
        ("review", ours_review, pandas_review),
        ("assign", ours_assign, pandas_assign),
        ("coverage", ours_coverage, pandas_coverage),
    ):
        a, b = median_time(ours, w, args.runs), median_time(theirs, w, args.runs)
        print(f"{name:<10} {a:9.2f} {b:9.2f} {a / b:7.2f}")


if __name__ == "__main__":
    main()
