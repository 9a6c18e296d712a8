"""Benchmark of the KPI home (issue 17): the home of each role read from the KPI snapshots, and
the daily job that writes them, for a company of 100,000 accounts.

    python bench/kpis_bench.py [--accounts 100000] [--csms 200] [--runs 5]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kizuna_bench python bench/kpis_bench.py

A fresh database (SQLite in a temporary folder unless ``DATABASE_URL`` is set; PostgreSQL's is
emptied and migrated) gets, with bulk inserts and a fixed seed:

- 200 CSMs in 20 teams, 10 managers, an admin and a viewer; ``--accounts`` accounts spread
  over them and the four segments (5 % high, 25 % low, 60 % tech, 10 % community);
- 36 months of revenue snapshots for the company, each segment and each team;
- coverage snapshots for the last day of each of the 13 months (segment, team and CSM rows);
- one onboarding for every third account, target dates over the last 18 months;
- two NPS answers a year for every other account (about 200,000 over two years);
- one renewal a year for every account with a known outcome when its day has come
  (about 200,000 over two years);
- 5,000 CSQLs over the last two years;
- targets for the company, each segment and each team for this fiscal year and the last.

Timed, each ``--runs`` times after one warm-up, medians of wall clock and process CPU time:

- ``refresh``: the daily job ``kpis.refresh_snapshots`` (every KPI, every cut, 12 months and two
  fiscal years; it reads the sources above);
- ``home <role>``: ``kpis.selectors.kpi_home`` as the admin (the company), a manager (their
  team), a CSM (themselves) and a segment: what the page computes before rendering;
- ``page <role>``: the whole page through Django's test client (template and charts).

Goal (issue 17): the home under 300 ms from the snapshots. There is no baseline to compare
with: the home reads stored rows only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

TODAY = dt.date(2026, 11, 30)


def timed(step: Callable[[], object], runs: int) -> tuple[float, float]:
    step()  # warm-up
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        step()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--csms", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="kizuna-kpis-bench-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    os.environ.setdefault("KIZUNA_DATA_DIR", str(workdir))
    os.environ.setdefault("KIZUNA_SECRET_KEY", "kizuna-bench-only-" + "x" * 40)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the page's stylesheet
    started = time.perf_counter()
    build(args.accounts, args.csms)
    print(
        f"{args.accounts:,} accounts, {args.csms} CSMs on {connection.vendor}; "
        f"data built in {time.perf_counter() - started:.0f} s"
    )
    measure(args.runs)


def build(n_accounts: int, n_csms: int) -> None:
    from kizuna.apps.coverage.models import CoverageSnapshot
    from kizuna.apps.customers.models import Account, Product
    from kizuna.apps.expansion.models import Csql
    from kizuna.apps.kpis.services import kpi_target_save
    from kizuna.apps.onboarding.models import Onboarding, OnboardingTemplate
    from kizuna.apps.org.models import Role, Team, User
    from kizuna.apps.renewals.models import Renewal
    from kizuna.apps.revenue.models import RevenueSnapshot
    from kizuna.apps.surveys.models import SurveyAnswer
    from kizuna.apps.surveys.services import program_defaults_ensure
    from kizuna.core.calendar import month_end, month_start_before, month_starts

    rng = random.Random(17)
    teams = Team.objects.bulk_create(
        Team(code=f"team{i:02d}", kind="strategic", name_ja=f"チーム{i}", name_en=f"Team {i}")
        for i in range(20)
    )
    csms = User.objects.bulk_create(
        User(username=f"csm{i:03d}", role=Role.CSM, team=teams[i % 20]) for i in range(n_csms)
    )
    User.objects.bulk_create(
        [User(username=f"manager{i}", role=Role.MANAGER, team=teams[i]) for i in range(10)]
        + [User(username="admin", role=Role.ADMIN), User(username="viewer", role=Role.VIEWER)]
    )
    segments = ["high"] * 5 + ["low"] * 25 + ["tech"] * 60 + ["community"] * 10
    accounts = Account.objects.bulk_create(
        (
            Account(
                name=f"株式会社{i}", segment=segments[i % 100], owner=csms[i % n_csms],
                team=csms[i % n_csms].team, mrr=rng.randint(10_000, 500_000),
            )
            for i in range(n_accounts)
        ),
        batch_size=5000,
    )  # fmt: skip
    months = month_starts(month_start_before(TODAY, 35), TODAY)
    cuts = [("", "")] + [("segment", s) for s in ("high", "low", "tech", "community")]
    cuts += [("team", t.code) for t in teams]
    RevenueSnapshot.objects.bulk_create(
        RevenueSnapshot(
            month=m, dimension=d, value=v, total_mrr=10**9, start_mrr=10**9,
            start_customers=5000, churned_customers=rng.randint(20, 80),
            logo_churn_rate=rng.uniform(0.004, 0.016), grr_12m=rng.uniform(0.82, 0.96),
            nrr_12m=rng.uniform(0.95, 1.15),
        )
        for m in months
        for d, v in cuts
    )  # fmt: skip
    rows = []
    for month in months[-13:]:
        day = min(month_end(month), TODAY)
        for segment in ("high", "low", "tech", "community"):
            rows.append(
                CoverageSnapshot(
                    as_of=day,
                    scope="segment",
                    segment=segment,
                    covered=800,
                    total=1000,
                    rate=0.8,
                    target=0.85,
                )
            )
            rows += [
                CoverageSnapshot(
                    as_of=day,
                    scope="team",
                    segment=segment,
                    team=t,
                    covered=40,
                    total=50,
                    rate=0.8,
                    target=0.85,
                )
                for t in teams
            ]
            rows += [
                CoverageSnapshot(
                    as_of=day,
                    scope="csm",
                    segment=segment,
                    csm=c,
                    covered=4,
                    total=5,
                    rate=0.8,
                    target=0.85,
                )
                for c in csms
            ]
    CoverageSnapshot.objects.bulk_create(rows, batch_size=5000)  # fmt: skip
    product = Product.objects.create(code="expense", name_ja="経費精算", name_en="Expense")
    template = OnboardingTemplate.objects.create(product=product, version=1)
    onboardings = []
    for account in accounts[::3]:
        target = TODAY - dt.timedelta(days=rng.randint(-60, 540))
        done = rng.random() < 0.8
        late = rng.random() < 0.2
        onboardings.append(
            Onboarding(
                account=account, product=product, template=template,
                started_on=target - dt.timedelta(days=90), target_on=target,
                state="completed" if done else "in_progress",
                state_since=target - dt.timedelta(days=90),
                completed_on=(target + dt.timedelta(days=10 if late else -5)) if done else None,
            )
        )  # fmt: skip
    Onboarding.objects.bulk_create(onboardings, batch_size=5000)
    program = program_defaults_ensure()
    answers = []
    for account in accounts[::2]:
        for year in (0, 1):
            day = TODAY - dt.timedelta(days=rng.randint(0, 364) + 365 * year)
            answers.append(
                SurveyAnswer(
                    program=program, kind="nps", account=account, score=rng.randint(0, 10),
                    answered_at=dt.datetime(day.year, day.month, day.day, 3, tzinfo=dt.UTC),
                    source="api",
                )
            )  # fmt: skip
    SurveyAnswer.objects.bulk_create(answers, batch_size=5000)
    renewals = []
    for account in accounts:
        for year in (0, 1):
            day = TODAY - dt.timedelta(days=rng.randint(-180, 364) + 365 * year)
            due = account.mrr
            outcome, after = "", None
            if day <= TODAY:
                roll = rng.random()
                outcome, after = (
                    ("renewed", due) if roll < 0.85 else
                    ("downgraded", due // 2) if roll < 0.93 else ("churned", 0)
                )  # fmt: skip
            renewals.append(
                Renewal(account=account, date=day, mrr_due=due, mrr_after=after, outcome=outcome)
            )
    Renewal.objects.bulk_create(renewals, batch_size=5000, ignore_conflicts=True)
    raised = rng.sample(accounts, min(5000, len(accounts) // 2))
    Csql.objects.bulk_create(
        (
            Csql(
                account=a, raised_by=a.owner, team=a.team, sales_owner_name="営業",
                raised_on=(day := TODAY - dt.timedelta(days=rng.randint(0, 729))),
                raised_at=dt.datetime(day.year, day.month, day.day, 3, tzinfo=dt.UTC),
                state="won",
            )
            for a in raised
        ),
        batch_size=5000,
    )  # fmt: skip
    admin = User.objects.get(username="admin")
    for year in (2025, 2026):
        for kpi, target in (("grr", 0.9), ("nrr", 1.05), ("logo_churn_annual", 0.1),
                            ("coverage", 0.85), ("onboarding_completion", 0.8), ("nps", 20.0),
                            ("renewal_rate", 0.9), ("csql_count", 2500.0)):  # fmt: skip
            kpi_target_save(actor=admin, fiscal_year=year, kpi=kpi, cut="company", value="",
                            target=target)  # fmt: skip
            for team in teams:
                if kpi != "csql_count":
                    kpi_target_save(actor=admin, fiscal_year=year, kpi=kpi, cut="team",
                                    value=team.code, target=target)  # fmt: skip


def measure(runs: int) -> None:
    from django.test import Client

    from kizuna.apps.kpis import selectors, services
    from kizuna.apps.kpis.models import KpiSnapshot
    from kizuna.apps.org.models import User

    wall, cpu = timed(lambda: services.kpi_snapshots_refresh(today=TODAY), max(1, runs // 2))
    result = services.kpi_snapshots_refresh(today=TODAY)
    print(f"refresh            {wall * 1000:8.0f} ms wall {cpu * 1000:8.0f} ms CPU  "
          f"({KpiSnapshot.objects.count():,} rows stored; {result.message})")  # fmt: skip
    manager = User.objects.get(username="manager0")
    roles = {
        "admin (company)": ("company", ""),
        "manager (team)": ("team", manager.team.code if manager.team else ""),
        "CSM (own)": ("csm", "csm000"),
        "segment": ("segment", "tech"),
    }
    worst = 0.0
    for name, (cut, value) in roles.items():
        wall, cpu = timed(
            lambda cut=cut, value=value: selectors.kpi_home(
                today=TODAY, fiscal_start_month=4, cut=cut, value=value
            ),
            runs,
        )
        worst = max(worst, wall)
        print(f"home {name:<16}{wall * 1000:8.1f} ms wall {cpu * 1000:8.1f} ms CPU")
    from kizuna.apps.kpis import views

    views.tenant_today = lambda *a: TODAY  # type: ignore[assignment]
    for username, query in (("admin", ""), ("manager0", ""), ("csm000", "")):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username=username))

        def page(client: Client = client, q: str = query) -> None:
            response = client.get("/kpis/" + q, secure=True)
            assert response.status_code == 200, response.status_code

        wall, cpu = timed(page, runs)
        print(f"page {username:<16}{wall * 1000:8.1f} ms wall {cpu * 1000:8.1f} ms CPU")
    print(f"goal: the home under 300 ms; slowest home read {worst * 1000:.1f} ms "
          f"({'met' if worst < 0.3 else 'NOT met'})")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
