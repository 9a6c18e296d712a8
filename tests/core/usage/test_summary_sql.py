"""The summary SQL (``SUMMARY_QUERIES``) gives, on DuckDB and on SQLite, the figures the pure
Python functions give from each account's daily series; the weekly drop detectors agree with
the series ones."""

from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3
from collections import defaultdict
from typing import Any

import duckdb
import numpy as np
import pytest

from kizuna.core.usage.drops import (
    DropRule,
    detect_drops,
    detect_drops_weekly,
    drop_candidates,
    weekly_sums,
)
from kizuna.core.usage.rollup import SUMMARY_WEEKS, summary_sql, summary_window
from kizuna.core.usage.trend import usage_trend

pytestmark = pytest.mark.pure

AS_OF = dt.date(2026, 3, 31)
Row = tuple[int, dt.date, int, int, Any]


def dataset(seed: int, as_of: dt.date = AS_OF) -> list[Row]:
    rng = random.Random(seed)
    rows: list[Row] = []
    for account_id in range(1, 30):
        for back in range(-2, 70):
            ordinal = as_of.toordinal() - back
            if rng.random() < 0.4 or not 1 <= ordinal <= dt.date.max.toordinal():
                continue
            counts = {f: rng.randint(0, 3) for f in rng.sample("abcde", rng.randint(0, 3))}
            odd = rng.choice([counts, counts, counts, ["a"], None, 5])
            day = dt.date.fromordinal(ordinal)
            rows.append((account_id, day, rng.randint(0, 50), rng.randint(0, 9), odd))
    return rows


def expected(rows: list[Row], as_of: dt.date, keys: list[str]) -> tuple[dict[int, Any], set[Any]]:
    window = summary_window(as_of)
    series: dict[int, dict[dt.date, int]] = defaultdict(dict)
    users: dict[int, int] = defaultdict(int)
    used: set[tuple[int, str]] = set()
    for account_id, day, events, active, counts in rows:
        if window.first_day <= day <= as_of:
            series[account_id][day] = events
        if window.window_start <= day <= as_of:
            users[account_id] = max(users[account_id], active)
            if isinstance(counts, dict):
                used |= {(account_id, f) for f in counts if f in keys}
    weeks = {
        account_id: (*weekly_sums(days, as_of=as_of, weeks=SUMMARY_WEEKS - 1), users[account_id])
        for account_id, days in series.items()
    }
    return weeks, used


def run_duckdb(rows: list[Row], as_of: dt.date, keys: list[str]) -> tuple[dict[int, Any], set[Any]]:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE usage_day (account_id BIGINT, day DATE, events INTEGER,"
        " active_users INTEGER, feature_counts JSON)"
    )
    con.executemany(
        "INSERT INTO usage_day VALUES (?, ?, ?, ?, ?)",
        [(*row[:4], json.dumps(row[4])) for row in rows],
    )
    weeks = con.sql(summary_sql("weeks", dialect="duckdb", as_of=as_of)).fetchall()
    used = con.sql(summary_sql("features", dialect="duckdb", as_of=as_of, features=keys))
    return {row[0]: row[1:] for row in weeks}, set(used.fetchall())


def run_sqlite(rows: list[Row], as_of: dt.date, keys: list[str]) -> tuple[dict[int, Any], set[Any]]:
    con = sqlite3.connect(":memory:")
    con.execute(
        "CREATE TABLE usage_day (account_id INTEGER, day TEXT, events INTEGER,"
        " active_users INTEGER, feature_counts TEXT)"
    )
    con.executemany(
        "INSERT INTO usage_day VALUES (?, ?, ?, ?, ?)",
        [(row[0], row[1].isoformat(), *row[2:4], json.dumps(row[4])) for row in rows],
    )
    weeks = con.execute(summary_sql("weeks", dialect="sqlite", as_of=as_of)).fetchall()
    used = con.execute(summary_sql("features", dialect="sqlite", as_of=as_of, features=keys))
    return {row[0]: row[1:] for row in weeks}, set(used.fetchall())


@pytest.mark.parametrize("run", [run_duckdb, run_sqlite])
@pytest.mark.parametrize(
    "as_of", [AS_OF, dt.date(1, 1, 1), dt.date(1, 1, 30), dt.date(9999, 12, 31)]
)
def test_summary_sql_matches_the_series(run: Any, as_of: dt.date) -> None:
    rows = dataset(seed=as_of.toordinal(), as_of=as_of)
    keys = ["a", "c", "it's"]
    assert run(rows, as_of, keys) == expected(rows, as_of, keys)


@pytest.mark.parametrize("run", [run_duckdb, run_sqlite])
def test_no_key_feature_means_no_row(run: Any) -> None:
    rows = dataset(seed=3)
    assert run(rows, AS_OF, [])[1] == set()


def test_weekly_detectors_match_the_series_ones() -> None:
    rng = random.Random(5)
    for _ in range(500):
        days = {
            AS_OF - dt.timedelta(days=back): rng.choice([0, rng.randint(0, 40)])
            for back in range(0, 80)
            if rng.random() < 0.7
        }
        rule = DropRule(
            share=rng.choice([0.5, 0.8]),
            z_threshold=rng.choice([0.5, 3.5]),
            weeks=rng.choice([1, 4, 8, 10]),
            min_baseline=rng.choice([0.0, 1.0, 20.0]),
        )
        # the daily job reads 63 days: the series it walked held no more
        recent = {day: n for day, n in days.items() if (AS_OF - day).days < 63}
        weeks = weekly_sums(recent, as_of=AS_OF, weeks=SUMMARY_WEEKS - 1)
        assert detect_drops_weekly(weeks, as_of=AS_OF, rule=rule) == detect_drops(
            recent, as_of=AS_OF, rule=rule
        )
        trend = usage_trend(recent, as_of=AS_OF)
        assert (trend.sum_7d, trend.previous_7d, trend.sum_28d) == (
            weeks[0],
            weeks[1],
            sum(weeks[:4]),
        )


def test_drop_candidates_never_miss_a_signal() -> None:
    # random weekly sums, hostile rules too: every account with a signal is a candidate
    rng = random.Random(8)
    rows = np.array(
        [
            [rng.choice([0, 1, rng.randint(0, 60), rng.randint(0, 2**33)]) for _ in range(9)]
            for _ in range(3000)
        ],
        dtype=np.int64,
    )
    rules = [
        DropRule(),
        DropRule(share=0.8, z_threshold=0.5, weeks=4, min_baseline=0.0),
        DropRule(share=1.0, z_threshold=1e-9, weeks=1, min_baseline=-5.0),
        DropRule(weeks=10, min_baseline=20.0),
        DropRule(weeks=3, z_threshold=3.5),
        DropRule(weeks=0),
        DropRule(z_threshold=0.0),
        DropRule(z_threshold=-1.0),
        DropRule(share=float("nan")),
        DropRule(min_baseline=float("inf")),
    ]
    for rule in rules:
        candidates = drop_candidates(rows, rule=rule)
        for weeks, candidate in zip(rows.tolist(), candidates.tolist(), strict=True):
            if detect_drops_weekly(weeks, as_of=AS_OF, rule=rule):
                assert candidate, (rule, weeks)
    steady = np.full((10, 9), 10, dtype=np.int64)  # regular use: nobody to check
    assert not drop_candidates(steady, rule=DropRule()).any()
