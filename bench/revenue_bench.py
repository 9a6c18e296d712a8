"""Benchmark of the revenue core against pandas and the bare DuckDB SQL floor (not a test).

    uv run --with pandas python bench/revenue_bench.py [--customers 100000] [--lines 250000]
        [--runs 5]

pandas is not a dependency of Kizuna: ``--with pandas`` adds it for this run only (without it
the pandas baseline and the equality check are skipped).

Synthetic book (fixed seed): ``--lines`` subscription lines of ``--customers`` accounts over 60
months, 20 % open-ended, four products (per line); three segments, two channels and eight teams
(per account, as in the app). Each engine runs in its own process (so peak RSS is its
own), does one discarded warm-up, then ``--runs`` timed runs; the median is printed.

- ``polars-mrr``: ``customer_mrr`` + ``mrr_movements`` (the Kizuna core)
- ``duckdb-mrr``: the same MRR grid and movement categories in one DuckDB SQL query — the floor
- ``polars-each``: ``revenue_report`` called once for the total and once for each of the four
  dimensions (summary, churn rates, 3/12-month GRR/NRR, ARPA/LTV, cohorts): the earlier way
- ``polars-full``: ``revenue_reports`` for the same five cuts in one call (the account-level
  cuts reuse the total's movements): what the snapshot job and ``kizuna revenue`` run
- ``pandas-full``: the same with ``bench/revenue_pandas.py``, the analyst's baseline

Before timing, the pandas and Kizuna results are compared (summary and cohorts, total and by
segment): the run stops if they differ.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl

from kizuna.core.revenue import (
    Dimension,
    customer_mrr,
    mrr_movements,
    revenue_report,
    revenue_reports,
)

MONTHS = 60
FIRST = 2020 * 12  # January 2020 as a month index
AS_OF = dt.date(2024, 12, 1)
LAST = AS_OF.year * 12 + AS_OF.month - 1

DUCKDB_SQL = f"""
WITH spans AS (
    SELECT customer_id,
           year(start_date) * 12 + month(start_date) - 1 AS s,
           least(coalesce(year(end_date) * 12 + month(end_date) - 1, {LAST + 1}), {LAST + 1}) AS e,
           monthly_amount AS a
    FROM lines WHERE monthly_amount > 0
), valid AS (SELECT * FROM spans WHERE s < e AND s <= {LAST}),
firsts AS (SELECT customer_id, min(s) AS f FROM valid GROUP BY customer_id),
grid AS (SELECT customer_id, f, unnest(range(f, {LAST + 1})) AS m FROM firsts),
deltas AS (
    SELECT customer_id, m, sum(d) AS d FROM (
        SELECT customer_id, s AS m, a AS d FROM valid
        UNION ALL SELECT customer_id, e AS m, -a AS d FROM valid WHERE e <= {LAST}
    ) GROUP BY customer_id, m
), mrr AS (
    SELECT g.customer_id, g.m, g.f,
           sum(coalesce(d.d, 0)) OVER (PARTITION BY g.customer_id ORDER BY g.m) AS mrr
    FROM grid g LEFT JOIN deltas d USING (customer_id, m)
), prev AS (
    SELECT *, coalesce(lag(mrr) OVER (PARTITION BY customer_id ORDER BY m), 0) AS prev FROM mrr
)
SELECT customer_id, m, mrr, prev, mrr - prev AS mrr_change,
       CASE WHEN prev = 0 AND mrr > 0 AND m = f THEN 'new'
            WHEN prev = 0 AND mrr > 0 THEN 'reactivation'
            WHEN prev > 0 AND mrr = 0 THEN 'churn'
            WHEN prev > 0 AND mrr > prev THEN 'expansion'
            WHEN mrr > 0 AND mrr < prev THEN 'contraction'
            WHEN mrr > 0 THEN 'unchanged' END AS change_category
FROM prev
"""


def synthetic_lines(n_lines: int, n_customers: int, seed: int = 7) -> pl.DataFrame:
    rng = random.Random(seed)
    starts = [FIRST + rng.randrange(MONTHS) for _ in range(n_lines)]
    ends = [None if rng.random() < 0.2 else s + rng.randrange(1, 40) for s in starts]
    return pl.DataFrame(
        {
            "subscription_id": [str(i) for i in range(n_lines)],
            "customer": [rng.randrange(n_customers) for _ in range(n_lines)],
            "start": starts,
            "end": ends,
            "monthly_amount": [rng.randrange(1, 200) * 1000 for _ in range(n_lines)],
            "product": [rng.choice(("expense", "invoice", "hr", "sign")) for _ in range(n_lines)],
        }
    ).select(
        "subscription_id",
        customer_id=pl.col("customer").cast(pl.String),
        start_date=pl.date(pl.col("start") // 12, pl.col("start") % 12 + 1, 1),
        end_date=pl.date(pl.col("end") // 12, pl.col("end") % 12 + 1, 1),
        monthly_amount="monthly_amount",
        product="product",
        # segment, channel and team are attributes of the account, as in the app
        segment=pl.lit(pl.Series(["high", "low", "tech"])).gather(pl.col("customer") % 3),
        channel=pl.lit(pl.Series(["direct", "partner"])).gather(pl.col("customer") % 5 // 4),
        team=pl.format("team-{}", pl.col("customer") % 8),
    )


def _engines(lines: pl.DataFrame) -> dict[str, Callable[[], int]]:
    connection = duckdb.connect()
    connection.register("lines", lines.to_arrow())

    def polars_mrr() -> int:
        return mrr_movements(customer_mrr(lines, as_of=AS_OF)).height

    def duckdb_mrr() -> int:
        return connection.sql(DUCKDB_SQL).to_arrow_table().num_rows

    def polars_each() -> int:
        return sum(revenue_report(lines, as_of=AS_OF, by=by).movements.height for by in CUTS)

    def polars_full() -> int:
        reports = revenue_reports(lines, as_of=AS_OF, cuts=CUTS)
        return sum(report.movements.height for report in reports.values())

    def pandas_full() -> int:
        import revenue_pandas  # bench/ is on sys.path when this file runs as a script

        frame = lines.to_pandas()
        return sum(len(revenue_pandas.revenue_report(frame, AS_OF, by)["movements"]) for by in CUTS)

    return {
        "polars-mrr": polars_mrr,
        "duckdb-mrr": duckdb_mrr,
        "polars-each": polars_each,
        "polars-full": polars_full,
        "pandas-full": pandas_full,
    }


#: Issue 12: the revenue with all five cuts under 3 s.
GOAL_FULL_S = 3.0
CUTS: tuple[Dimension | None, ...] = (None, "segment", "product", "channel", "team")
SUMMARY_COLUMNS = {  # Kizuna column -> pandas column
    "total_mrr": "total_mrr",
    "active_customers": "active_customers",
    "new_mrr": "new_mrr",
    "expansion_mrr": "expansion_mrr",
    "contraction_mrr": "contraction_mrr",
    "churn_mrr": "churn_mrr",
    "reactivation_mrr": "reactivation_mrr",
    "net_new_mrr": "net_new_mrr",
    "logo_churn_rate": "logo_churn_rate",
    "gross_mrr_churn_rate": "gross_mrr_churn_rate",
    "net_mrr_churn_rate": "net_mrr_churn_rate",
    "grr_3m": "grr_3m",
    "nrr_3m": "nrr_3m",
    "grr_12m": "grr_12m",
    "nrr_12m": "nrr_12m",
    "arpa": "arpa",
    "ltv": "ltv",
}
COHORT_COLUMNS = ("active_customers", "mrr", "logo_retention", "revenue_retention")


def check_same(lines: pl.DataFrame) -> str:
    """Compare the pandas baseline with the core: summary and cohorts, total and by segment."""
    import numpy as np
    import revenue_pandas

    frame = lines.to_pandas()
    for by in (None, "segment"):
        ours = revenue_report(lines, as_of=AS_OF, by=by)
        theirs = revenue_pandas.revenue_report(frame, AS_OF, by)
        keys = [by] if by else []
        a = ours.summary.with_columns(pl.col(keys).cast(pl.String)) if by else ours.summary
        a = a.sort([*keys, "date_month"])
        b = theirs["summary"].sort_values([*keys, "month"])
        assert a.height == len(b), (by, a.height, len(b))
        for mine, other in SUMMARY_COLUMNS.items():
            left = a[mine].cast(pl.Float64).to_numpy()
            right = b[other].to_numpy(dtype="float64")
            assert np.allclose(left, right, rtol=1e-9, equal_nan=True), (by, mine)
        c = ours.cohorts.with_columns(pl.col(keys).cast(pl.String)) if by else ours.cohorts
        c = c.sort([*keys, "cohort_month", "months_since_start"])
        d = theirs["cohorts"].sort_values([*keys, "first", "months_since_start"])
        assert c.height == len(d), (by, "cohorts")
        for column in COHORT_COLUMNS:
            left = c[column].cast(pl.Float64).to_numpy()
            assert np.allclose(left, d[column].to_numpy(dtype="float64"), equal_nan=True), column
    return "pandas and Kizuna agree (summary + cohorts, total and by segment)"


def run_one(engine: str, parquet: Path, runs: int) -> dict[str, float]:
    lines = pl.read_parquet(parquet)
    work = _engines(lines)[engine]
    rows = work()  # warm-up, discarded
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"median_s": statistics.median(times), "peak_rss_mib": peak_mib, "rows": rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=250_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--parquet", type=Path, default=Path("/tmp/kizuna_revenue_bench.parquet"))
    args = parser.parse_args()
    if args.engine == "check":
        print(check_same(pl.read_parquet(args.parquet)))
        return 0
    if args.engine:
        print(json.dumps(run_one(args.engine, args.parquet, args.runs)))
        return 0
    synthetic_lines(args.lines, args.customers).write_parquet(args.parquet)
    try:
        import pandas  # noqa: F401
    except ImportError:
        engines: tuple[str, ...] = ("duckdb-mrr", "polars-mrr", "polars-each", "polars-full")
        print("pandas not installed: run with `uv run --with pandas` for the baseline")
    else:
        engines = ("duckdb-mrr", "polars-mrr", "polars-each", "polars-full", "pandas-full")
        # in its own process too: a child inherits its parent's peak RSS through fork
        check = [sys.executable, __file__, "--engine", "check", "--parquet", str(args.parquet)]
        print(subprocess.run(check, check=True, capture_output=True, text=True).stdout.strip())
    results = {}
    for engine in engines:
        command = [sys.executable, __file__, "--engine", engine, "--parquet", str(args.parquet)]
        output = subprocess.run(
            [*command, "--runs", str(args.runs)], check=True, capture_output=True, text=True
        )
        results[engine] = json.loads(output.stdout)
        print(
            f"{engine:12s} median {results[engine]['median_s']:.3f} s  "
            f"peak RSS {results[engine]['peak_rss_mib']:.0f} MiB  rows {results[engine]['rows']}"
        )
    ratio = results["polars-mrr"]["median_s"] / results["duckdb-mrr"]["median_s"]
    print(f"polars / duckdb floor for MRR + movements: {ratio:.2f}x (goal ≤ 1.5x)")
    together = results["polars-full"]["median_s"]
    shared = together / results["polars-each"]["median_s"]
    print(
        f"five cuts together / one by one: {shared:.2f}x; "
        f"five cuts together {together:.2f} s = "
        f"{together / GOAL_FULL_S:.2f}x the {GOAL_FULL_S:.0f} s goal"
    )
    if "pandas-full" in results:
        speedup = results["pandas-full"]["median_s"] / results["polars-full"]["median_s"]
        print(f"pandas / polars for the whole computation: {speedup:.2f}x faster (goal ≥ 3x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
