"""Benchmark of the demo load, step by step (not part of the tests).

    uv run python bench/demo_bench.py [--accounts 100000] [--runs 1] [--nice 5]
        [--baseline-ref main] [--previous 1000] [--json var/bench/demo_bench.json]

Each run loads the demo company into a fresh, empty embedded database: ``kizuna demo
--no-serve --accounts N`` in a child process whose ``KIZUNA_DATA_DIR`` is a new temporary
folder (removed afterwards), so migrate, the load and the daily jobs all run as a first trial
runs them. The command prints the time of each step as it ends (``kizuna.cli.demo``); the
script reads those lines, and measures the child's wall-clock and CPU time and its peak
resident memory itself.

``--baseline-ref REF`` measures the code of that git commit side by side in the same run
(alternating with the working tree's): its ``src/`` is exported with ``git archive`` into a
temporary folder (with the working tree's compiled translations) and put first on
``PYTHONPATH``, with the same virtual environment; ``--ref REF`` measures a commit instead of
the working tree the same way. Without
it, the ratio is taken against ``--previous`` (seconds, the total of an earlier run on this
machine, named in bench/README.md). Medians over ``--runs``; ratios against the goal (180 s)
and against the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

GOAL = 180.0  # seconds at 100,000 accounts (issue 12)
#: ``kizuna demo --no-serve --accounts 100000`` before the bulk hand-off, wall clock on the
#: shared machine of bench/README.md (2026-11-29, 1,214 s of CPU).
PREVIOUS = 4577.0
ROOT = Path(__file__).resolve().parent.parent

STEP = re.compile(r"^  (?P<step>[a-z_]+)\s+(?P<seconds>\d+\.\d) s$")
JOB = re.compile(r"^  (?P<step>[a-z_]+\.[a-z_]+): \w+: .* \((?P<seconds>\d+\.\d) s\)$")


@dataclass
class Run:
    code: str  # "working tree" or the baseline ref
    wall: float
    cpu: float
    max_rss_mb: float
    steps: dict[str, float] = field(default_factory=dict)


def export_ref(ref: str, into: Path) -> Path:
    """``src/`` of ``ref`` (a commit, branch or tag) under ``into``; returns the src folder."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref, "src"],
        check=True,
        capture_output=True,
    ).stdout
    into.mkdir(parents=True)
    tar = into / "src.tar"
    tar.write_bytes(archive)
    with tarfile.open(tar) as t:
        t.extractall(into, filter="data")
    for mo in (ROOT / "src").glob("kizuna/locale/*/LC_MESSAGES/*.mo"):  # compiled, untracked
        shutil.copyfile(mo, into / "src" / mo.relative_to(ROOT / "src"))
    return into / "src"


def load_once(*, accounts: int, nice: int, src: Path | None, code: str) -> Run:
    """One demo load into a fresh data folder, in a child process."""
    data = Path(tempfile.mkdtemp(prefix="kizuna-demo-bench-"))
    env = {**os.environ, "KIZUNA_DATA_DIR": str(data)}
    env.pop("DATABASE_URL", None)  # the embedded database, as a first trial
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(src), env.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        )
    command = [
        "nice", "-n", str(nice), sys.executable, "-c",
        "import sys; from kizuna.cli import main; sys.exit(main())",
        "demo", "--no-serve", "--accounts", str(accounts),
    ]  # fmt: skip
    started = time.perf_counter()
    try:
        with tempfile.TemporaryFile("w+") as out:
            child = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
            _pid, status, usage = os.wait4(child.pid, 0)  # this child's own CPU and memory
            wall = time.perf_counter() - started
            out.seek(0)
            output = out.read()
    finally:
        shutil.rmtree(data, ignore_errors=True)
    code_exit = os.waitstatus_to_exitcode(status)
    if code_exit != 0:
        sys.stderr.write(output)
        raise SystemExit(f"kizuna demo failed ({code}), exit code {code_exit}")
    steps = {}
    for line in output.splitlines():
        match = STEP.match(line) or JOB.match(line)
        if match:
            steps[match["step"]] = float(match["seconds"])
    return Run(code, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, steps)


def median(runs: list[Run], key: str) -> float | None:
    values = [r.steps[key] for r in runs if key in r.steps]
    return statistics.median(values) if values else None


def report(runs: list[Run], baseline: list[Run], previous: float) -> None:
    steps = list(dict.fromkeys(s for r in runs + baseline for s in r.steps))
    base_total = statistics.median(r.wall for r in baseline) if baseline else previous
    name = baseline[0].code if baseline else "previous"
    print(f"\n{'step':<32}{'now':>10}{name:>12}{'ratio':>8}")
    for step in steps:
        now, then = median(runs, step), median(baseline, step)
        ratio = f"{now / then:8.2f}" if now is not None and then else ""
        now_text = f"{now:9.1f}s" if now is not None else f"{'-':>10}"
        then_text = f"{then:11.1f}s" if then is not None else f"{'-':>12}"
        print(f"{step:<32}{now_text}{then_text}{ratio}")
    wall = statistics.median(r.wall for r in runs)
    cpu = statistics.median(r.cpu for r in runs)
    rss = max(r.max_rss_mb for r in runs)
    print(f"{'total (wall clock)':<32}{wall:9.1f}s{base_total:11.1f}s{wall / base_total:8.2f}")
    if baseline:
        base_cpu = statistics.median(r.cpu for r in baseline)
        print(f"{'CPU (user + system)':<32}{cpu:9.1f}s{base_cpu:11.1f}s{cpu / base_cpu:8.2f}")
    else:
        print(f"{'CPU (user + system)':<32}{cpu:9.1f}s")
    print(f"{'peak resident memory':<32}{rss:8.0f}MB")
    print(
        f"\ntotal / goal ({GOAL:.0f} s): {wall / GOAL:.2f}"
        f"   total / {name}: {wall / base_total:.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--nice", type=int, default=5, help="niceness of the loads (default 5)")
    parser.add_argument("--ref", help="measure this git commit instead of the working tree")
    parser.add_argument("--baseline-ref", help="a git commit to measure side by side")
    parser.add_argument(
        "--previous", type=float, default=PREVIOUS, help="baseline total in seconds"
    )
    parser.add_argument("--json", type=Path, help="write every run's figures here")
    args = parser.parse_args()

    runs: list[Run] = []
    baseline: list[Run] = []
    code = args.ref or "working tree"
    with tempfile.TemporaryDirectory(prefix="kizuna-demo-baseline-") as folder:
        base = export_ref(args.baseline_ref, Path(folder) / "base") if args.baseline_ref else None
        src = export_ref(args.ref, Path(folder) / "now") if args.ref else None
        for i in range(args.runs):
            if base is not None:
                baseline.append(
                    load_once(
                        accounts=args.accounts, nice=args.nice, src=base, code=args.baseline_ref
                    )
                )
                print(f"run {i + 1} {args.baseline_ref}: {baseline[-1].wall:.1f} s", flush=True)
            runs.append(load_once(accounts=args.accounts, nice=args.nice, src=src, code=code))
            print(f"run {i + 1} {code}: {runs[-1].wall:.1f} s", flush=True)
    print(f"\nkizuna demo --no-serve --accounts {args.accounts:,}, median of {args.runs} run(s)")
    report(runs, baseline, args.previous)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {"accounts": args.accounts, "goal": GOAL, "previous": args.previous,
                 "runs": [asdict(r) for r in runs], "baseline": [asdict(r) for r in baseline]},
                indent=2,
            )
        )  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
