"""Benchmark of both CS funnels (kizuna.core.funnels) against a straightforward pandas version.

    uv run --with pandas python bench/funnels_bench.py [--customers 100000] [--lines 250000]
        [--runs 3]

pandas is not a dependency of Kizuna: ``--with pandas`` adds it for this run only (without it
the pandas version and the equality check are skipped).

Synthetic book (fixed seed): the lines of ``bench/revenue_bench.py`` (``--lines`` lines of
``--customers`` accounts over 60 months, as of December 2024), plus per account a touch model,
channel, team and industry; one onboarding per account, handed over on its first line's start
(target + 60 days; 70 % on time, 20 % late, 10 % never completed); a first renewal a year after
the first start for half of the accounts (outcome renewed / downgraded / churned, 10 % not
known yet). The work: both funnels for the 24 cohorts of 2022–2023, for each of the five cuts
(touch model, first product, channel, team, industry) and the whole company.

- ``polars``: ``account_facts`` once, then ``account_funnel`` and ``revenue_funnel`` per cut;
- ``pandas``: the same definitions written the way an analyst would with pandas (each line
  exploded into its months, merges for the ages, group-bys per cut).

With ``--data-dir DIR`` (a Kizuna data directory holding a SQLite database, e.g. the one
``bench/digest_bench.py`` loads into ``var/bench/digest-100000/``) the book is that company's
instead: ``polars`` is the funnels page's path, ``funnels.selectors.funnel_facts`` reading
the lines, accounts, onboardings and renewals from the database (timed) and then both
funnels per cut; ``pandas`` gets the same four frames, read once before timing. As of the
database's today; the 24 cohorts end 13 months before its month (each has a complete
first year, whether or not today ends a month).

Each engine runs in its own process, one discarded warm-up, then ``--runs`` timed runs; the
median is printed (wall clock, and the process's CPU time of all its threads, which a
loaded machine disturbs less), with the ratio. Before timing, the two are compared cut by
cut (every count and amount of the 24 cohorts): the run stops if they differ.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from revenue_bench import AS_OF, synthetic_lines

from kizuna.core import funnels

FIRST_COHORT, LAST_COHORT = dt.date(2022, 1, 1), dt.date(2023, 12, 1)
CUTS: tuple[str | None, ...] = (None, *funnels.CUTS)
INDUSTRIES = ("it", "retail", "finance", "manufacturing", "services")


def synthetic_book(n_lines: int, n_customers: int) -> dict[str, pl.DataFrame]:
    """Lines, accounts, onboardings and renewals (fixed seed)."""
    lines = synthetic_lines(n_lines, n_customers)
    firsts = lines.group_by("customer_id").agg(start=pl.col("start_date").min())
    rng = random.Random(11)
    n = firsts.height
    delays = [rng.choice((-20,) * 7 + (25, 40) + (None,)) for _ in range(n)]
    accounts = (
        lines.group_by("customer_id")
        .agg(pl.col("segment", "channel", "team").first())
        .with_columns(
            industry=pl.lit(pl.Series(INDUSTRIES)).gather(pl.col("customer_id").cast(pl.Int64) % 5)
        )
    )
    target = pl.col("start").dt.offset_by("60d")
    onboardings = firsts.with_columns(delay=pl.Series(delays, dtype=pl.Int64)).select(
        "customer_id",
        started_on="start",
        target_on=target,
        completed_on=target + pl.duration(days=pl.col("delay")),
    )
    outcomes = [
        rng.choice(("renewed",) * 6 + ("downgraded", "churned", "churned", None)) for _ in range(n)
    ]
    renewals = (
        firsts.with_columns(outcome=pl.Series(outcomes, dtype=pl.String))
        .filter(pl.col("customer_id").cast(pl.Int64) % 2 == 0)
        .select("customer_id", renewal_on=pl.col("start").dt.offset_by("1y"), outcome="outcome")
    )
    return {
        "lines": lines,
        "accounts": accounts.select(list(funnels.ACCOUNTS_SCHEMA)),
        "onboardings": onboardings,
        "renewals": renewals,
    }


def run_polars(book: dict[str, pl.DataFrame]) -> dict[str, Any]:
    facts = funnels.account_facts(
        book["lines"],
        accounts=book["accounts"],
        onboardings=book["onboardings"],
        renewals=book["renewals"],
        as_of=AS_OF,
    )
    return both_funnels(facts)


def both_funnels(facts: pl.DataFrame) -> dict[str, Any]:
    """Both funnels of the 24 cohorts for each cut and the whole company."""
    window = {"first_month": FIRST_COHORT, "last_month": LAST_COHORT}
    out = {}
    for cut in CUTS:
        by: Any = cut
        out[f"accounts:{cut}"] = funnels.account_funnel(facts, **window, by=by)
        out[f"revenue:{cut}"] = funnels.revenue_funnel(facts, **window, by=by)
    return out


def _index(series: Any) -> Any:
    return series.dt.year * 12 + series.dt.month - 1


def run_pandas(book: dict[str, pl.DataFrame]) -> dict[str, Any]:
    """The definitions of docs/metrics.md, written plainly with pandas."""
    import pandas as pd

    as_of = pd.Timestamp(AS_OF)
    last = AS_OF.year * 12 + AS_OF.month - 1  # as_of is not a month end: last complete = -1
    complete = last - 1
    lines = book["lines"].to_pandas()
    lines = lines[lines.monthly_amount > 0].copy()
    lines["s"] = _index(pd.to_datetime(lines.start_date))
    lines["e"] = _index(pd.to_datetime(lines.end_date)).fillna(last + 1).clip(upper=last + 1)
    lines = lines[(lines.s < lines.e) & (lines.s <= last)]
    lines["month"] = [list(range(int(s), int(e))) for s, e in zip(lines.s, lines.e, strict=True)]
    months = lines.explode("month")
    mrr = months.groupby(["customer_id", "month"], as_index=False).monthly_amount.sum()
    cohort = mrr.groupby("customer_id").month.min().rename("c").reset_index()
    mrr = mrr.merge(cohort, on="customer_id")
    mrr["age"] = mrr.month - mrr.c

    def at(age: int) -> Any:
        rows = mrr[mrr.age == age].set_index("customer_id").monthly_amount
        return rows

    acc = cohort.set_index("customer_id")
    acc["start_mrr"] = at(0)
    for name, age in (("adoption", 6), ("renewal", 12), ("retention", 12)):
        acc[f"{name}_mrr"] = at(age).reindex(acc.index).fillna(0)
        acc[f"{name}_due"] = acc.c + age <= complete
    prev = mrr[["customer_id", "month", "monthly_amount"]].copy()
    prev["month"] += 1
    both = mrr.merge(prev, on=["customer_id", "month"], how="left", suffixes=("", "_prev"))
    both["monthly_amount_prev"] = both.monthly_amount_prev.fillna(0)
    up = both[
        (both.age >= 1)
        & (both.age <= 12)
        & (both.monthly_amount > both.monthly_amount_prev)
        & (both.monthly_amount_prev > 0)
    ]
    acc["expansion_due"] = acc.c + 12 <= complete
    acc["expanded"] = acc.index.isin(up.customer_id) & acc.expansion_due
    ob = book["onboardings"].to_pandas()
    ob["cm"] = _index(pd.to_datetime(ob.started_on))
    ob = ob.merge(cohort, on="customer_id")
    ob = ob[(ob.cm == ob.c) & (pd.to_datetime(ob.started_on) <= as_of)]
    completed = pd.to_datetime(ob.completed_on)
    ob["on_time"] = (completed <= pd.to_datetime(ob.target_on)) & (completed <= as_of)
    adoption_day = [
        min(
            pd.Timestamp(int(c) // 12, int(c) % 12 + 1, 1) + pd.DateOffset(months=7, days=-1), as_of
        )
        for c in ob.c
    ]
    ob["done"] = completed <= pd.Series(adoption_day, index=ob.index)
    flags = ob.groupby("customer_id").agg(on_time=("on_time", "all"), done=("done", "all"))
    acc["handed_over"] = acc.index.isin(flags.index)
    acc["onboarded_on_time"] = flags.on_time.reindex(acc.index).fillna(False).astype(bool)
    acc["adoption_due"] = acc.adoption_due & acc.handed_over
    done = flags.done.reindex(acc.index).fillna(False).astype(bool)
    acc["adopted"] = acc.adoption_due & done & (acc.adoption_mrr > 0)
    ren = book["renewals"].to_pandas().sort_values(["customer_id", "renewal_on"])
    first = ren.groupby("customer_id").first().reindex(acc.index)
    has = first.renewal_on.notna()
    known = (pd.to_datetime(first.renewal_on) <= as_of) & first.outcome.notna()
    acc["renewal_due"] = (has & known) | (~has & acc.renewal_due)
    kept = first.outcome.isin(["renewed", "downgraded"])
    acc["renewed"] = acc.renewal_due & ((has & kept) | (~has & (acc.renewal_mrr > 0)))
    end = acc.retention_mrr.where(acc.retention_due)
    acc["churned_mrr"] = acc.start_mrr.where(acc.retention_due & (end == 0), 0)
    shrink = acc.retention_due & (end > 0) & (end < acc.start_mrr)
    acc["contraction_mrr"] = (acc.start_mrr - end).where(shrink, 0)
    acc["retained_mrr"] = end.clip(upper=acc.start_mrr).where(acc.retention_due, 0)
    acc["expansion_mrr"] = (end - acc.start_mrr).where(acc.retention_due & (end > acc.start_mrr), 0)
    acc["net_mrr"] = end.where(acc.retention_due, 0)
    acc["due_new_mrr"] = acc.start_mrr.where(acc.retention_due, 0)
    attrs = book["accounts"].to_pandas().set_index("customer_id")
    for column in ("segment", "channel", "team", "industry"):
        acc[column] = attrs[column].reindex(acc.index)
    firsts = lines.sort_values(
        ["customer_id", "start_date", "monthly_amount", "product"], ascending=[1, 1, 0, 1]
    )
    acc["first_product"] = firsts.groupby("customer_id").product.first().reindex(acc.index)
    first_c = FIRST_COHORT.year * 12 + FIRST_COHORT.month - 1
    last_c = LAST_COHORT.year * 12 + LAST_COHORT.month - 1
    acc = acc[(acc.c >= first_c) & (acc.c <= last_c)]
    acc["contracted"] = 1
    acc["due_accounts"] = acc.retention_due.astype(int)
    out = {}
    sums = [*funnels.ACCOUNT_NODES[1:], "contracted"]
    money = ["start_mrr", "due_accounts", "due_new_mrr", *funnels.REVENUE_DUE_AMOUNTS]
    for cut in CUTS:
        keys = ["c", *([cut] if cut else [])]
        grouped = acc.fillna({cut: "∅"}) if cut else acc
        out[f"accounts:{cut}"] = grouped.groupby(keys)[sums].sum()
        out[f"revenue:{cut}"] = grouped.groupby(keys)[money].sum()
    return out


def _compare(book: dict[str, pl.DataFrame]) -> None:
    mine, theirs = run_polars(book), run_pandas(book)
    for key, frame in mine.items():
        cut = key.split(":")[1]
        cut = None if cut == "None" else cut
        ours = frame.filter(
            (pl.col("contracted") if key.startswith("accounts") else pl.col("accounts")) > 0
        )
        ref = theirs[key].reset_index()
        columns = (
            list(funnels.ACCOUNT_NODES)
            if key.startswith("accounts")
            else ["new_mrr", "due_accounts", "due_new_mrr", "retained_mrr", "net_mrr"]
        )
        renamed = ref.rename(columns={"start_mrr": "new_mrr"})
        total = {c: int(renamed[c].sum()) for c in columns}
        got = {c: int(ours[c].fill_null(0).sum()) for c in columns}
        if total != got or len(renamed) != ours.height:
            raise SystemExit(f"pandas and Kizuna differ on {key}: {total} vs {got}")
    print("pandas and Kizuna agree on every cut (counts and amounts of the 24 cohorts)")


def database_book(data_dir: str) -> tuple[dict[str, pl.DataFrame], Any]:
    """The book of the Kizuna database in ``data_dir`` (read once), and the funnels page's
    path over that database (reads included); sets the as-of day and the 24 cohorts."""
    global AS_OF, FIRST_COHORT, LAST_COHORT
    os.environ.pop("DATABASE_URL", None)
    os.environ["KIZUNA_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from kizuna.apps.funnels import selectors
    from kizuna.apps.revenue.frames import revenue_lines
    from kizuna.apps.tenant.selectors import tenant_today
    from kizuna.core.calendar import month_start_before

    AS_OF = tenant_today()
    FIRST_COHORT, LAST_COHORT = month_start_before(AS_OF, 36), month_start_before(AS_OF, 13)
    book = {
        "lines": revenue_lines(),
        "accounts": selectors.funnel_accounts(),
        "onboardings": selectors.funnel_onboardings(),
        "renewals": selectors.funnel_renewals(),
    }

    def from_database(_book: dict[str, pl.DataFrame]) -> dict[str, Any]:
        return both_funnels(selectors.funnel_facts(as_of=AS_OF))

    return book, from_database


def _book(args: argparse.Namespace) -> dict[str, pl.DataFrame]:
    if args.data_dir:
        return database_book(args.data_dir)[0]
    return synthetic_book(args.lines, args.customers)


def _worker(engine: str, args: argparse.Namespace) -> None:
    if args.data_dir:
        book, from_database = database_book(args.data_dir)
        run = from_database if engine == "polars" else run_pandas
    else:
        book = synthetic_book(args.lines, args.customers)
        run = run_polars if engine == "polars" else run_pandas
    run(book)  # warm-up
    times, cpu = [], []
    for _ in range(args.runs):
        started, used = time.perf_counter(), time.process_time()
        run(book)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    median = statistics.median(times)
    print(json.dumps({"engine": engine, "median": median, "times": times, "cpu": cpu}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=250_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data-dir", help="a Kizuna data directory: its company's book")
    parser.add_argument("--worker", choices=("polars", "pandas", "compare"))
    args = parser.parse_args()
    if args.worker == "compare":
        _compare(_book(args))
        return
    if args.worker:
        _worker(args.worker, args)
        return
    try:
        import pandas  # noqa: F401

        engines = ["polars", "pandas"]
    except ImportError:
        engines = ["polars"]
        print("pandas is not installed: only the Kizuna core is timed")
    common = ["--customers", str(args.customers), "--lines", str(args.lines)]
    if args.data_dir:
        common += ["--data-dir", args.data_dir]
    if "pandas" in engines:
        subprocess.run([sys.executable, __file__, "--worker", "compare", *common], check=True)
    results = {}
    for engine in engines:
        out = subprocess.run(
            [sys.executable, __file__, "--worker", engine, *common, "--runs", str(args.runs)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results[engine] = json.loads(out.strip().splitlines()[-1])
    print(f"{'engine':<8} {'median':>9} {'CPU median':>11}  runs (wall)")
    for engine, result in results.items():
        runs = ", ".join(f"{t:.2f}" for t in result["times"])
        cpu = statistics.median(result["cpu"])
        print(f"{engine:<8} {result['median']:>8.2f}s {cpu:>10.2f}s  {runs}")
    if "pandas" in results:
        ratio = results["pandas"]["median"] / results["polars"]["median"]
        what = "Kizuna, reading the database," if args.data_dir else "Kizuna core"
        print(f"{what} is {ratio:.1f}x faster than pandas (both funnels, 24 cohorts × 5 cuts)")


if __name__ == "__main__":
    main()
