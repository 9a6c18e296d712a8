"""One day's rule evaluation at the issue's size, against a straightforward pandas version
(not a test).

    uv run --with pandas python bench/rules_bench.py [--accounts 100000] [--runs 5]

Synthetic company (fixed seed): 100,000 accounts owned by 200 CSMs in 20 teams, four segments,
three products, grades 1–5; twelve rules over every trigger kind, with thresholds and filters;
the day's signals (about 5 % of the accounts per kind, some twice); a year of firings behind
them (the cool-downs: 300,000 (rule, account, day)), 30,000 open tasks, and each owner's
interruptions so far this week. ``kizuna.core.rules.evaluate`` and ``bench/rules_pandas.py``
get the same data (the core as dataclasses, pandas as frames; building either is not timed);
the firings must agree (rule, account, delivery) before anything is timed. One discarded
warm-up, then ``--runs`` timed runs; medians printed, and the ratio pandas / core.
Goal (issue 14): under 5 s for every rule on one day.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
from collections.abc import Callable

from kizuna.core.rules.evaluate import evaluate
from kizuna.core.rules.model import (
    AccountFacts,
    Action,
    Priority,
    Rule,
    RuleFilter,
    Signal,
    State,
    Trigger,
    TriggerKind,
    dedup_key,
)

DAY = dt.date(2026, 11, 30)
K = TriggerKind
RULES = [
    Rule(1, Trigger(K.ONBOARDING_STALLED), priority=Priority.HIGH),
    Rule(2, Trigger(K.ONBOARDING_EXPECTED_CHURN), priority=Priority.HIGH, cooldown_days=30),
    Rule(3, Trigger(K.SETUP_NOT_DONE, 30), filter=RuleFilter(segments=frozenset({"high", "low"}))),
    Rule(4, Trigger(K.USAGE_DROP), filter=RuleFilter(mrr_min=50_000)),
    Rule(5, Trigger(K.USAGE_DROP), priority=Priority.LOW, actions=frozenset({Action.TASK})),
    Rule(6, Trigger(K.HEALTH_FELL, 2), filter=RuleFilter(grades=frozenset({1, 2}))),
    Rule(7, Trigger(K.HEALTH_RED), priority=Priority.HIGH,
         filter=RuleFilter(segments=frozenset({"high"}))),
    Rule(8, Trigger(K.COVERAGE_DUE, 14),
         filter=RuleFilter(teams=frozenset({f"t{n}" for n in range(10)}))),
    Rule(9, Trigger(K.MRR_CONTRACTION, 10_000), filter=RuleFilter(products=frozenset({"hr"}))),
    Rule(10, Trigger(K.RENEWAL_DUE, 90), priority=Priority.LOW, cooldown_days=60),
    Rule(11, Trigger(K.RENEWAL_DUE, 30), filter=RuleFilter(mrr_min=100_000, mrr_max=10**9)),
    Rule(12, Trigger(K.COVERAGE_DUE, 3), priority=Priority.LOW,
         actions=frozenset({Action.NOTIFY, Action.WEBHOOK})),
]  # fmt: skip
VALUES: dict[TriggerKind, Callable[[random.Random], int | None]] = {
    K.SETUP_NOT_DONE: lambda r: r.randint(0, 90),
    K.HEALTH_FELL: lambda r: r.randint(1, 4),
    K.COVERAGE_DUE: lambda r: r.randint(1, 120),
    K.MRR_CONTRACTION: lambda r: r.randint(1, 200) * 1000,
    K.RENEWAL_DUE: lambda r: r.randint(0, 120),
}


def company(size: int) -> tuple[dict[int, AccountFacts], list[Signal], State]:
    r = random.Random(14)
    segments, products = ("high", "low", "tech", "community"), ("hr", "payroll", "expense")
    accounts = {
        n: AccountFacts(
            n,
            owner_id=n % 200 if n % 97 else None,
            segment=segments[r.randrange(4)],
            team=f"t{n % 200 // 10}",
            products=frozenset(p for p in products if r.random() < 0.5),
            grade=r.randint(1, 5) if n % 13 else None,
            mrr=r.randint(0, 500) * 1000,
        )
        for n in range(1, size + 1)
    }
    signals = []
    for kind in TriggerKind:
        for account in r.sample(range(1, size + 1), size // 20):
            make = VALUES.get(kind)
            for _ in range(2 if account % 50 == 0 else 1):
                signals.append(Signal(account, DAY, kind, make(r) if make else None))
    last_fired = {
        (r.randint(1, 12), r.randint(1, size)): DAY - dt.timedelta(days=r.randint(1, 365))
        for _ in range(300_000)
    }
    open_keys = {dedup_key(r.randint(1, 12), r.randint(1, size)) for _ in range(30_000)}
    interruptions = {owner: r.randint(0, 10) for owner in range(200)}
    return accounts, signals, State(last_fired, open_keys, interruptions)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--budget", type=int, default=10)
    args = parser.parse_args()
    accounts, signals, state = company(args.accounts)

    def core() -> list[tuple[int, int, str]]:
        result = evaluate(RULES, signals, accounts, state, day=DAY, weekly_budget=args.budget)
        return [(f.rule_id, f.account_id, f.delivery.value) for f in result.firings]

    runners: dict[str, Callable[[], list[tuple[int, int, str]]]] = {"core": core}
    try:
        import pandas  # noqa: F401  (the baseline needs it; absent: no baseline)
        import rules_pandas
    except ImportError:
        print("pandas is not installed: run with `uv run --with pandas`; the core alone")
    else:
        frames = rules_pandas.input_frames(signals, accounts.values(), state.last_fired)

        def baseline() -> list[tuple[int, int, str]]:
            out = rules_pandas.evaluate(
                RULES, frames["signals"], frames["accounts"], frames["fired"],
                set(state.open_keys), dict(state.interruptions), day=DAY,
                weekly_budget=args.budget,
            )  # fmt: skip
            return list(zip(out["rule_id"], out["account_id"], out["delivery"], strict=True))

        runners["pandas"] = baseline
    results = {name: run() for name, run in runners.items()}  # the warm-up
    firings = results["core"]
    if "pandas" in results:
        assert results["pandas"] == firings, "pandas and the core disagree"
    times: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(args.runs):
        for name, run in runners.items():
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
    deliveries = {d: sum(1 for f in firings if f[2] == d) for d in ("immediate", "digest", "none")}
    print(
        f"{args.accounts:,} accounts, 200 CSMs, {len(RULES)} rules, {len(signals):,} signals, "
        f"{len(state.last_fired):,} past firings, {len(state.open_keys):,} open tasks; "
        f"{len(firings):,} firings ({deliveries}); {args.runs} runs"
    )
    core_median = statistics.median(times["core"])
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:7s} median {median * 1000:8.1f} ms  {median / core_median:5.2f}x the core")


if __name__ == "__main__":
    main()
