"""Benchmark of the daily usage summaries refresh (``usage_summaries_refresh``) at 100,000
accounts; not part of the tests.

    uv run python bench/usage_summaries_bench.py                       # SQLite, 100,000 accounts
    uv run python bench/usage_summaries_bench.py --databases sqlite,postgres --runs 3

Per database, a dataset is loaded once into ``--dir`` (SQLite: ``--dir/sqlite``, reused when it
holds the same accounts and days) or into the PostgreSQL database ``kizuna_summaries_bench``
(127.0.0.1:5432, user ``postgres``): ``--accounts`` accounts, 80 % with a line, each with
``--days`` days of ``UsageDay`` up to 2026-11-25 (60, as the demo keeps above 20,000
accounts; 90 % of the days present, three key features per product, 1 in 15 accounts in a
decline; on PostgreSQL the days are written with ``COPY``). A dataset reused is migrated
first. Then, each in its own process (``bench/usage_summaries_child.py``):

- ``walk``: the refresh as it was before the summary SQL — every ``UsageDay`` of the 63 days
  read into Python and walked per account, written with ``delete`` + ``bulk_create``
  (the baseline; ``--walk-runs`` runs, it takes minutes);
- ``sql``: ``usage_summaries_refresh`` — the summary SQL (``SUMMARY_QUERIES``), Polars,
  multi-row upserts.

``--baseline-ref REF`` also runs ``sql`` with the code of that git commit (``base``): its
``src/`` exported with ``git archive`` first on ``PYTHONPATH``, as ``bench/demo_bench.py``
does, on the same data and virtual environment.

One discarded warm-up of ``sql``, then the runs alternate; medians (wall clock, and the CPU
time of the refresh's own process: all the work on SQLite, the client's share on PostgreSQL),
the ratios walk / sql and base / sql, the goal (5 s) and whether every run wrote the same
summaries and signals (a digest) are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from demo_bench import export_ref

ROOT = Path(__file__).resolve().parents[1]
CHILD = str(Path(__file__).with_name("usage_summaries_child.py"))
KIZUNA = str(Path(sys.executable).parent / "kizuna")
PG_DATABASE = "kizuna_summaries_bench"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DATABASE}"
GOAL_S = 5.0


def env_for(database: str, data_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "KIZUNA_DATA_DIR": str(data_dir / database),
        "DJANGO_SETTINGS_MODULE": "kizuna.settings",
        "KIZUNA_LOG_LEVEL": "WARNING",
        "KIZUNA_DEMO": "1",
    }
    env.pop("DATABASE_URL", None)
    if database == "postgres":
        env["DATABASE_URL"] = PG_URL
    return env


def child(env: dict[str, str], *args: str, src: Path | None = None) -> dict[str, Any]:
    if src is not None:
        env = {
            **env,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")])),
        }
    out = subprocess.run(
        [sys.executable, CHILD, *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def prepare(database: str, data_dir: Path, accounts: int, days: int) -> None:
    env = env_for(database, data_dir)
    Path(env["KIZUNA_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    marker = Path(env["KIZUNA_DATA_DIR"]) / "summaries-bench.json"
    wanted = json.dumps({"accounts": accounts, "days": days})
    if marker.exists() and marker.read_text() == wanted:  # new migrations (indexes) only
        subprocess.run([KIZUNA, "manage", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
        return
    if database == "postgres":
        for sql in (f"DROP DATABASE IF EXISTS {PG_DATABASE}", f"CREATE DATABASE {PG_DATABASE}"):
            subprocess.run(
                ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql],
                check=True,
            )
    else:
        for name in ("kizuna.sqlite3", "kizuna.sqlite3-wal", "kizuna.sqlite3-shm"):
            (Path(env["KIZUNA_DATA_DIR"]) / name).unlink(missing_ok=True)
    subprocess.run([KIZUNA, "manage", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    loaded = child(env, "load", str(accounts), str(days))
    if database == "postgres":  # what autovacuum does to a freshly loaded table, now
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", PG_DATABASE, "-qc", "ANALYZE"],
            check=True,
        )
    counts = child(env, "count")
    print(
        f"{database}: loaded {counts['accounts']:,} accounts, {counts['days']:,} account-days"
        f" in {loaded['seconds']:.0f} s"
    )
    marker.write_text(wanted)


def bench(database: str, data_dir: Path, runs: int, walk_runs: int, base: Path | None) -> None:
    env = env_for(database, data_dir)
    child(env, "sql")  # warm-up, discarded
    measured: dict[str, list[dict[str, Any]]] = {"walk": [], "base": [], "sql": []}
    for run in range(max(runs, walk_runs)):
        if run < walk_runs:
            measured["walk"].append(child(env, "walk"))
        if run < runs and base is not None:
            measured["base"].append(child(env, "sql", src=base))
        if run < runs:
            measured["sql"].append(child(env, "sql"))
    medians = {
        name: (
            statistics.median(r["seconds"] for r in results),
            statistics.median(r["cpu"] for r in results),
        )
        for name, results in measured.items()
        if results
    }
    sql_s = medians["sql"][0]
    digests = {r["digest"] for results in measured.values() for r in results}
    first = measured["sql"][0]
    print(
        f"{database}: summaries {first['summaries']:,}  signals {first['signals']:,}"
        f"  identical {len(digests) == 1}  sql / goal {GOAL_S:.0f} s = {sql_s / GOAL_S:.2f}"
    )
    for name, (seconds, cpu) in medians.items():
        ratio = f"  {name} / sql {seconds / sql_s:5.2f}×" if name != "sql" else ""
        runs_s = [round(r["seconds"], 2) for r in measured[name]]
        print(f"  {name:4} {seconds:7.2f} s (cpu {cpu:6.2f} s){ratio}  runs {runs_s}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--walk-runs", type=int, default=1)
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument("--dir", type=Path, default=ROOT / "var" / "bench" / "usage-summaries")
    parser.add_argument("--baseline-ref", help="a git commit whose sql to measure side by side")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kizuna-summaries-baseline-") as folder:
        base = export_ref(args.baseline_ref, Path(folder) / "base") if args.baseline_ref else None
        for database in args.databases.split(","):
            prepare(database, args.dir, args.accounts, args.days)
            bench(database, args.dir, args.runs, args.walk_runs, base)


if __name__ == "__main__":
    main()
