"""Benchmark of the NPS report (kizuna.core.voc.nps) against a straightforward pandas version.

    uv run --with pandas python bench/nps_bench.py [--accounts 100000] [--contacts 300000]
        [--answers 1000000] [--runs 5]

pandas is not a dependency of Kizuna: ``--with pandas`` adds it for this run only (without it
the pandas version and the equality check are skipped).

Synthetic data (numpy, fixed seed): ``--accounts`` accounts, each with a segment (10 % high
touch, 30 % low, 60 % tech) and a lifecycle phase; ``--contacts`` contacts spread over them;
invitations to random contacts over two fiscal years (2024-04-01 … 2026-03-31), for one of
eight products (5 % for none), at tenure 30 (50 %), 90 (30 %) or 180–720 days; exactly
``--answers`` of them answered 0–13 days after sending, with scores that lean by segment. The
work: ``nps_report`` for every cut (all, segment, product, phase, tenure bucket) × period kind
(month, fiscal quarter, fiscal year from April) with the response rates, the intervals and
the empty cells of the range.

- ``kizuna``: ``nps_report`` on the Polars frames (one grouping pass over the rows at the finest
  grain, then every cut × period summed from that small table);
- ``pandas``: the same definitions written the way an analyst would (period and bucket
  columns, one ``groupby`` per cut × period over the answers and over the invitations, a
  merge, the formulas).

Each engine runs in its own process, one discarded warm-up, then ``--runs`` timed runs; the
median is printed (wall clock, and the process's CPU time). Before timing, the two are compared
cell by cell (counts, NPS, interval, response rate): the run stops if they differ. Building
the frame from 1,000,000 ``SurveyAnswerRow`` dataclasses (the adapter's other path) is timed
once on its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import time
from typing import Any

import numpy as np
import polars as pl

from kizuna.core.voc import nps
from kizuna.core.voc.rows import SurveyAnswerRow, answers_frame

FIRST, LAST = dt.date(2024, 4, 1), dt.date(2026, 3, 31)
OPTIONS = nps.ReportOptions(first_day=FIRST, last_day=LAST, fiscal_start_month=4)
SEGMENTS = ("high", "low", "tech")
PHASES = ("onboarding", "adoption", "renewal", "churned")
PRODUCTS = 8
INVITATIONS_PER_ANSWER = 1.6


def synthetic(n_accounts: int, n_contacts: int, n_answers: int) -> dict[str, pl.DataFrame]:
    """Invitations and answers as frames of ``ANSWERS_SCHEMA`` / ``INVITATIONS_SCHEMA``."""
    rng = np.random.default_rng(16)
    segment = rng.choice(3, size=n_accounts, p=[0.1, 0.3, 0.6])
    phase = rng.choice(4, size=n_accounts, p=[0.2, 0.5, 0.2, 0.1])
    contact_account = rng.integers(0, n_accounts, size=n_contacts)
    n_inv = int(n_answers * INVITATIONS_PER_ANSWER)
    account = contact_account[rng.integers(0, n_contacts, size=n_inv)]
    product = rng.integers(1, PRODUCTS + 1, size=n_inv).astype("float64")
    product[rng.random(n_inv) < 0.05] = np.nan
    tenure = np.select(
        [(draw := rng.random(n_inv)) < 0.5, draw < 0.8],
        [np.full(n_inv, 30), np.full(n_inv, 90)],
        rng.integers(180, 721, size=n_inv),
    )
    days = (LAST - FIRST).days + 1
    sent = rng.integers(0, days, size=n_inv)
    answered = np.zeros(n_inv, dtype=bool)
    answered[rng.choice(n_inv, size=n_answers, replace=False)] = True
    delay = rng.integers(0, 14, size=n_inv)
    lean = np.array([1.0, 0.0, -0.8])[segment[account]]
    score = np.clip(np.round(rng.normal(7.4 + lean, 2.2)), 0, 10).astype("int64")
    epoch = np.datetime64(FIRST, "D")
    common = {
        "segment": pl.Series(SEGMENTS).gather(segment[account]),
        "product_id": pl.Series(product).cast(pl.Int64, strict=False),
        "phase": pl.Series(PHASES).gather(phase[account]),
    }
    invitations = pl.DataFrame(
        {
            **common,
            "tenure_days": tenure,
            "sent_on": epoch + sent,
            "answered": answered,
            "kind": pl.repeat("nps", n_inv, eager=True),
        }
    ).select(list(nps.INVITATIONS_SCHEMA))
    answers = (
        pl.DataFrame(
            {
                **common,
                "tenure_days": tenure + delay,
                "answered_on": epoch + sent + delay,
                "score": score,
                "kind": pl.repeat("nps", n_inv, eager=True),
            }
        )
        .filter(pl.Series(answered))
        .select(list(nps.ANSWERS_SCHEMA))
    )
    return {"answers": answers, "invitations": invitations}


def run_kizuna(data: dict[str, pl.DataFrame]) -> list[nps.NpsCell]:
    return nps.nps_report(data["answers"], data["invitations"], OPTIONS)


def run_pandas(data: dict[str, Any]) -> dict[tuple[str, str, Any, int], dict[str, Any]]:
    """The definitions of docs/metrics.md, written plainly with pandas."""
    import pandas as pd

    out = {}
    frames = []
    for name, day in (("answers", "answered_on"), ("invitations", "sent_on")):
        df = data[name]
        df = df[(df[day] >= pd.Timestamp(FIRST)) & (df[day] <= pd.Timestamp(LAST))].copy()
        stamp = pd.to_datetime(df[day])
        df["month"] = stamp.dt.year * 12 + stamp.dt.month - 1
        df["quarter"] = (df["month"] - 3) // 3
        df["fiscal_year"] = (df["month"] - 3) // 12
        df["tenure"] = pd.cut(
            df["tenure_days"], [-1, 45, 135, np.inf], labels=["30", "90", "later"]
        ).astype(object)
        df.loc[df["tenure_days"].isna(), "tenure"] = "unknown"
        df["all"] = "all"
        df["product"] = df["product_id"].fillna(-1)
        frames.append(df)
    answers, invitations = frames
    answers["promoter"] = answers["score"] >= 9
    answers["detractor"] = answers["score"] <= 6
    for cut in ("all", "segment", "product", "phase", "tenure"):
        for period in ("month", "quarter", "fiscal_year"):
            a = answers.groupby([cut, period]).agg(
                responses=("score", "size"),
                promoters=("promoter", "sum"),
                detractors=("detractor", "sum"),
            )
            i = invitations.groupby([cut, period]).agg(
                invitations=("answered", "size"), answered_invitations=("answered", "sum")
            )
            both = a.join(i, how="outer").fillna(0)
            n = both["responses"]
            both["nps"] = (100 * (both["promoters"] - both["detractors"]) / n).where(n > 0)
            mean = (both["promoters"] - both["detractors"]) / n
            se = np.sqrt(((both["promoters"] + both["detractors"]) / n - mean**2).clip(0) / n)
            both["ci_low"] = (100 * (mean - 1.96 * se)).clip(-100, 100)
            both["ci_high"] = (100 * (mean + 1.96 * se)).clip(-100, 100)
            both["response_rate"] = (both["answered_invitations"] / both["invitations"]).where(
                both["invitations"] > 0
            )
            for (value, index), row in both.iterrows():
                out[(cut, period, value, index)] = row.to_dict()
    return out


def _compare(data: dict[str, pl.DataFrame]) -> None:
    mine = run_kizuna(data)
    theirs = run_pandas({k: v.to_pandas() for k, v in data.items()})
    found = 0
    for cell in mine:
        value = {"all": "all", "product": -1}.get(cell.cut) if cell.value is None else cell.value
        ref = theirs.get((cell.cut, cell.period.kind, value, cell.period.index))
        if ref is None:
            assert cell.responses == 0 and cell.invitations == 0, cell
            continue
        found += 1
        assert cell.responses == ref["responses"] and cell.promoters == ref["promoters"], cell
        assert cell.detractors == ref["detractors"] and cell.invitations == ref["invitations"]
        assert cell.answered_invitations == ref["answered_invitations"], cell
        for name in ("nps", "ci_low", "ci_high", "response_rate"):
            ours, other = getattr(cell, name), ref[name]
            assert (ours is None and other != other) or abs(ours - other) < 1e-9, (name, cell)
    assert found == len(theirs), (found, len(theirs))
    print(f"pandas and Kizuna agree on all {found} non-empty cells ({len(mine)} cells in all)")


def _worker(engine: str, args: argparse.Namespace) -> None:
    data: Any = synthetic(args.accounts, args.contacts, args.answers)
    if engine == "pandas":
        data = {k: v.to_pandas() for k, v in data.items()}
    run = run_kizuna if engine == "kizuna" else run_pandas
    run(data)  # warm-up
    times, cpu = [], []
    for _ in range(args.runs):
        started, used = time.perf_counter(), time.process_time()
        run(data)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    result = {"engine": engine, "median": statistics.median(times), "times": times, "cpu": cpu}
    if engine == "kizuna":
        frame = data["answers"]
        rows = [SurveyAnswerRow(0, *values) for values in frame.iter_rows()]
        started = time.perf_counter()
        answers_frame(rows)
        result["rows_to_frame"] = time.perf_counter() - started
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=300_000)
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--worker", choices=("kizuna", "pandas", "compare"))
    args = parser.parse_args()
    sizes = ["--accounts", str(args.accounts), "--contacts", str(args.contacts)]
    sizes += ["--answers", str(args.answers)]
    if args.worker == "compare":
        _compare(synthetic(args.accounts, args.contacts, args.answers))
        return
    if args.worker:
        _worker(args.worker, args)
        return
    try:
        import pandas  # noqa: F401

        engines = ["kizuna", "pandas"]
    except ImportError:
        engines = ["kizuna"]
        print("pandas is not installed: only the Kizuna core is timed")
    if "pandas" in engines:
        subprocess.run([sys.executable, __file__, "--worker", "compare", *sizes], check=True)
    results = {}
    for engine in engines:
        out = subprocess.run(
            [sys.executable, __file__, "--worker", engine, *sizes, "--runs", str(args.runs)],
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
    print(
        f"building the frame from {args.answers:,} SurveyAnswerRow dataclasses (once): "
        f"{results['kizuna']['rows_to_frame']:.2f}s"
    )
    if "pandas" in results:
        ratio = results["pandas"]["median"] / results["kizuna"]["median"]
        cpu_ratio = statistics.median(results["pandas"]["cpu"]) / statistics.median(
            results["kizuna"]["cpu"]
        )
        print(
            f"Kizuna core is {ratio:.1f}x faster than pandas (CPU {cpu_ratio:.1f}x; "
            "5 cuts × 3 period kinds)"
        )


if __name__ == "__main__":
    main()
