"""Benchmark of the renewals refresh and the calibrated forecast, each beside a straightforward
pandas version (``bench/renewals_pandas.py``) in the same run (not part of the tests).

    uv run --with pandas python bench/renewals_bench.py [--accounts 100000] [--lines 250000]
        [--runs 3] [--dir /tmp/renewals-bench] [--reuse]

Synthetic company (fixed seed, as of 2026-11-25) in a fresh SQLite database under ``--dir``
(migrated, then filled with ``bulk_create`` / ``bulk_insert``; not timed): ``--accounts``
accounts (touch models high 10 %, low 30 %, tech 50 %, community 10 %), each with a hidden
health 1–5; ``--lines`` subscription lines over 5 years: every account has one, the rest are
spread at random; 80 % annual (of those 10 % on 24- or 36-month terms), 20 % monthly (never
renewed); four products; MRR log-normal around ¥50,000; starts uniform over the 5 years. At
each term boundary a line ends with a probability of 35 / 20 / 10 / 5 / 2 % for health 1 … 5;
an ended line is replaced on the day by one of the same product at 50–150 % of its MRR in 30 %
of the cases (a downgrade or an expansion at renewal). Health grades are stored on the first of
each of the last 30 months for each account with a line running then: its health ± 1 at
random (so the grade predicts renewal, imperfectly).

Timed (medians of ``--runs``):

- ``renewals_refresh`` first run (every renewal created: all renewals are deleted before),
  second run (every account derived again, nothing changes), and the daily job's refresh
  (``renewals_refresh_daily`` the day after a recorded run: the accounts the day changes),
  beside ``renewals_pandas.renewals`` (derivation only, no
  database write: the Kizuna figure includes reading the lines and writing the rows);
- ``forecast_compute`` from the database (reading the renewals and the grades included) and its
  core part alone from the same frames, beside ``renewals_pandas.forecast`` on those frames
  (read once before timing).

Before timing, both ways' results are compared: the renewals (count, MRR due and after sums)
and the forecast (this and the next quarter's GRR, NRR and commit GRR, each past quarter's
forecast and actual GRR, to 1e-9).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

TODAY = dt.date(2026, 11, 25)
YEARS = 5
SEGMENTS = ("high", "low", "tech", "community")
END_RATE = np.array([0.35, 0.20, 0.10, 0.05, 0.02])


def timed(
    work: Callable[[], Any], runs: int, before: Callable[[], Any] | None = None
) -> tuple[float, float]:
    """Medians of the wall-clock and the CPU seconds (the process's: SQLite runs in it) of
    ``runs`` runs of ``work``."""
    took, cpu = [], []
    for _ in range(runs):
        if before is not None:
            before()
        started, started_cpu = time.perf_counter(), time.process_time()
        work()
        took.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(took), statistics.median(cpu)


def add_months(day: dt.date, months: int) -> dt.date:
    from kizuna.core.calendar import add_months as core_add_months

    return core_add_months(day, months)


def synthetic(
    accounts: int, lines: int, seed: int = 7
) -> tuple[np.ndarray, np.ndarray, list[tuple[Any, ...]]]:
    """(segment index per account, health per account, line tuples (account, product, billing,
    mrr, start, end, term))."""
    rng = np.random.default_rng(seed)
    segment = rng.choice(4, size=accounts, p=[0.1, 0.3, 0.5, 0.1])
    health = rng.integers(1, 6, size=accounts)
    first = TODAY.toordinal() - 365 * YEARS
    made: list[tuple[Any, ...]] = []
    owners = np.concatenate([np.arange(accounts), rng.integers(0, accounts, lines)])
    for account in owners:
        if len(made) >= lines:
            break
        annual = rng.random() < 0.8
        term = (24 if rng.random() < 0.5 else 36) if annual and rng.random() < 0.1 else 12
        mrr = int(rng.lognormal(np.log(50_000), 0.6))
        start = dt.date.fromordinal(int(rng.integers(first, TODAY.toordinal() - 10)))
        product = int(rng.integers(1, 5))
        billing = "annual" if annual else "monthly"
        if not annual:
            made.append((int(account), product, billing, mrr, start, None, 1))
            continue
        end = None
        k = 1
        while (boundary := add_months(start, k * term)) <= TODAY:
            if rng.random() < END_RATE[health[account] - 1]:
                end = boundary
                break
            k += 1
        made.append((int(account), product, billing, mrr, start, end, term))
        if end is not None and rng.random() < 0.3 and len(made) < lines:
            new = max(1, int(mrr * rng.uniform(0.5, 1.5)))
            made.append((int(account), product, billing, new, end, None, term))
    return segment, health, made


def load(accounts: int, lines: int) -> dict[str, Any]:
    from django.db import transaction

    from kizuna.apps.customers.models import Account, Product, SubscriptionLine
    from kizuna.apps.health.models import HealthScore, ScoreModelVersion
    from kizuna.apps.health.services import score_models_ensure_defaults
    from kizuna.db.bulk import bulk_insert

    segment, health, made = synthetic(accounts, lines)
    with transaction.atomic():
        products = [
            Product.objects.create(code=f"p{n}", name_ja=f"製品{n}", name_en=f"Product {n}")
            for n in range(1, 5)
        ]
        Account.objects.bulk_create(
            [
                Account(name=f"株式会社ベンチ{n}", kana=f"ベンチ{n}", segment=SEGMENTS[segment[n]])
                for n in range(accounts)
            ],
            batch_size=5000,
        )
        ids = list(Account.objects.order_by("id").values_list("id", flat=True))
        SubscriptionLine.objects.bulk_create(
            [
                SubscriptionLine(
                    account_id=ids[a], product_id=products[p - 1].pk, currency="JPY",
                    billing_period=billing, billing_amount=mrr * (12 if billing == "annual" else 1),
                    mrr=mrr, start_date=start, end_date=end,
                    term_months=term if billing == "annual" else None,
                )
                for a, p, billing, mrr, start, end, term in made
            ],
            batch_size=5000,
        )  # fmt: skip
        score_models_ensure_defaults()
        model = ScoreModelVersion.objects.get(name="adoption")
        rng = np.random.default_rng(11)
        span: dict[int, tuple[dt.date, dt.date]] = {}
        for a, _p, _b, _m, start, end, _t in made:
            low, high = span.get(a, (dt.date.max, dt.date.min))
            span[a] = (min(low, start), max(high, end or dt.date.max))
        now = dt.datetime.now(dt.UTC)
        rows = []
        for back in range(30):
            day = add_months(TODAY.replace(day=1), -back)
            for a, (low, high) in span.items():
                if low <= day < high:
                    grade = int(min(5, max(1, health[a] + rng.integers(-1, 2))))
                    rows.append((ids[a], day, model.pk, 50.0, "", grade, False, {}, {}, now))
        bulk_insert(
            HealthScore,
            ("account_id", "day", "model_id", "score", "rag", "grade", "forced_red", "points",
             "inputs", "scored_at"),
            rows,
        )  # fmt: skip
    return {"lines": len(made), "grades": len(rows)}


def line_frame() -> Any:
    import pandas as pd

    from kizuna.apps.customers.models import SubscriptionLine
    from kizuna.core.renewals.generate import term_of

    rows = SubscriptionLine.objects.values_list(
        "pk", "account_id", "product_id", "start_date", "end_date", "mrr", "billing_period",
        "term_months",
    )  # fmt: skip
    frame = pd.DataFrame(
        [(pk, a, p, s, e, m, term_of(b, t)) for pk, a, p, s, e, m, b, t in rows],
        columns=["line_id", "account_id", "product", "start", "end", "mrr", "term"],
    )
    frame["start"] = pd.to_datetime(frame.start)
    frame["end"] = pd.to_datetime(frame.end)
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=250_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", default="")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the company already loaded in --dir"
    )
    args = parser.parse_args()
    data_dir = Path(args.dir or tempfile.mkdtemp(prefix="renewals-bench-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    if not args.reuse:
        (data_dir / "kizuna.sqlite3").unlink(missing_ok=True)
    os.environ["KIZUNA_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    import pandas as pd
    from django.core.management import call_command

    sys.path.insert(0, str(Path(__file__).parent))
    import renewals_pandas

    from kizuna.apps.renewals.forecast import forecast_compute, grade_frame, renewal_frame
    from kizuna.apps.renewals.models import RefreshRun, Renewal
    from kizuna.apps.renewals.services import renewals_refresh, renewals_refresh_daily

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    from kizuna.apps.customers.models import Account, SubscriptionLine
    from kizuna.apps.health.models import HealthScore

    if args.reuse and Account.objects.count() == args.accounts:
        sizes = {"lines": SubscriptionLine.objects.count(), "grades": HealthScore.objects.count()}
    else:
        sizes = load(args.accounts, args.lines)
    print(f"loaded {args.accounts:,} accounts, {sizes['lines']:,} lines, {sizes['grades']:,} "
          f"stored grades in {time.perf_counter() - started:.0f} s ({data_dir})")  # fmt: skip

    def clear() -> None:
        Renewal.objects.all().delete()

    # -- check: the same renewals both ways
    clear()
    first = renewals_refresh(today=TODAY)
    lines = line_frame()
    baseline = renewals_pandas.renewals(lines, today=TODAY)
    stored = Renewal.objects.values_list("mrr_due", "mrr_after")
    due = sum(d for d, _a in stored)
    after = sum(a or 0 for _d, a in stored)
    assert first.created == len(baseline), (first.created, len(baseline))
    assert due == int(baseline.mrr_due.sum()) and after == int(baseline.mrr_after.sum())
    print(f"renewals: {first.created:,} (pandas the same: {len(baseline):,}, MRR due and after "
          "sums equal)")  # fmt: skip

    refresh_first = timed(lambda: renewals_refresh(today=TODAY), args.runs, before=clear)
    refresh_second = timed(lambda: renewals_refresh(today=TODAY), args.runs)
    # the daily job's path: yesterday's run recorded, today's derives the accounts the day
    # changes (the result is that of a full refresh: tests/apps/renewals/test_refresh_daily.py)
    yesterday = TODAY - dt.timedelta(days=1)
    RefreshRun.objects.all().delete()
    renewals_refresh_daily(today=yesterday)
    refresh_daily = timed(
        lambda: renewals_refresh_daily(today=TODAY),
        args.runs,
        before=lambda: RefreshRun.objects.filter(day=TODAY).delete(),
    )
    daily_accounts = RefreshRun.objects.get(day=TODAY).accounts or 0
    pandas_renewals = timed(lambda: renewals_pandas.renewals(line_frame(), today=TODAY), args.runs)

    # -- the forecast: same frames both ways
    renewals = renewal_frame()
    grades = grade_frame()
    ren_pd = renewals.to_pandas()
    ren_pd["date"] = pd.to_datetime(ren_pd.date)
    grades_pd = grades.to_pandas()
    grades_pd["day"] = pd.to_datetime(grades_pd.day)
    ours = forecast_compute(today=TODAY, renewals=renewals, grades=grades)
    theirs = renewals_pandas.forecast(ren_pd, grades_pd, today=TODAY, start_month=4)
    for quarter, (grr, nrr, commit) in zip(ours.quarters, theirs["quarters"], strict=True):
        for a, b in ((quarter.kizuna_grr, grr), (quarter.kizuna_nrr, nrr),
                     (quarter.commit_grr, commit)):  # fmt: skip
            assert (a is None and b is None) or abs(a - b) < 1e-9, (quarter, a, b)  # type: ignore[operator]
    for past, (f, a) in zip(ours.backtest.quarters, theirs["backtest"], strict=True):
        assert abs(past.forecast_grr - f) < 1e-9 and abs(past.actual_grr - a) < 1e-9  # type: ignore[operator]
    print("forecast: the same both ways (two quarters' GRR, NRR, commit GRR; 8 past quarters)")
    db_forecast = timed(lambda: forecast_compute(today=TODAY), args.runs)
    core_forecast = timed(
        lambda: forecast_compute(today=TODAY, renewals=renewals, grades=grades), args.runs
    )
    pandas_forecast = timed(
        lambda: renewals_pandas.forecast(ren_pd, grades_pd, today=TODAY, start_month=4),
        args.runs,
    )
    print(f"\nmedians of {args.runs} runs; {first.created:,} renewals, {len(grades):,} grades")
    print("wall-clock and CPU seconds, medians; ratio = Kizuna / pandas (wall, CPU)")
    print(f"{'step':<46}{'Kizuna':>15}{'pandas':>15}{'ratio':>12}{'< 5 s':>7}")
    table = [
        ("renewals_refresh, first run (all created)", refresh_first, pandas_renewals),
        ("renewals_refresh, every account, no change", refresh_second, pandas_renewals),
        ("daily refresh (the day's accounts)", refresh_daily, pandas_renewals),
        ("forecast from the database", db_forecast, pandas_forecast),
        ("forecast, core on the frames", core_forecast, pandas_forecast),
    ]
    for name, (ours_s, ours_cpu), (theirs_s, theirs_cpu) in table:
        ok = "yes" if ours_s < 5 else ("cpu" if ours_cpu < 5 else "no")
        print(
            f"{name:<46}{ours_s:>7.2f}/{ours_cpu:>6.2f}s{theirs_s:>7.2f}/{theirs_cpu:>6.2f}s"
            f"{ours_s / theirs_s:>6.2f}/{ours_cpu / theirs_cpu:>5.2f}{ok:>7}"
        )
    print(f"daily refresh: {daily_accounts:,} account(s) derived of {args.accounts:,}")


if __name__ == "__main__":
    main()
