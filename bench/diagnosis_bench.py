"""The organisation diagnosis's daily job at the issue's size (not a test).

    KIZUNA_DATA_DIR=$(mktemp -d) python bench/diagnosis_bench.py [--accounts 100000] [--runs 3]

Builds a synthetic company into an empty database (the data folder's SQLite, or
``DATABASE_URL``; fixed seed; building is not timed): 20 teams of the four kinds, 200 CSMs, 20
managers, two CS ops admins, three products with a template each; ``--accounts`` accounts (high
10 %, low 30 %, tech 60 %; tech ones pooled in the enablement teams), each with about six
touchpoints over the last year (every kind, webinars to the tech ones), a renewal (past ones
renewed, a third of the next 90 days' with a closing plan), one onboarding in ten open; 30,000
tasks from rules (two thirds done with an outcome); a coverage snapshot per segment, one health
score per account on the day, a published score model, a playbook with runs, an enabled rule
with a year of firings. Then ``diagnosis_run`` once as a warm-up and ``--runs`` times: the
median (wall and this process's CPU: SQLite runs inside it, PostgreSQL does not), its queries,
the phase, and each part of the evidence timed alone. Goal (issue 17): under 5 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import time

DAY = dt.date(2026, 11, 30)


def build(accounts: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db.models import F

    from kizuna.apps.coverage.models import CoverageSnapshot
    from kizuna.apps.customers.models import Account, Product
    from kizuna.apps.health.models import HealthScore, ScoreModelVersion
    from kizuna.apps.onboarding.models import Onboarding, OnboardingTemplate
    from kizuna.apps.org.models import Team, TeamKind, User
    from kizuna.apps.playbooks.models import Playbook, PlaybookRun
    from kizuna.apps.renewals.models import ClosingPlan, Renewal
    from kizuna.apps.rules.models import Firing, Rule
    from kizuna.apps.tasks.models import Task
    from kizuna.apps.touchpoints.models import Touchpoint

    r = random.Random(17)
    kinds = list(TeamKind.values)
    teams = Team.objects.bulk_create(
        Team(code=f"t{n}", kind=kinds[n % 4], name_ja=f"チーム{n}", name_en=f"Team {n}")
        for n in range(20)
    )
    pw = make_password("bench")
    users = User.objects.bulk_create(
        [User(username=f"csm{n}", role="csm", team=teams[n % 20], password=pw) for n in range(200)]
        + [User(username=f"mgr{n}", role="manager", team=teams[n], password=pw) for n in range(20)]
        + [User(username=f"ops{n}", role="admin", password=pw) for n in range(2)]
    )  # fmt: skip
    csms = users[:200]
    products = Product.objects.bulk_create(
        Product(code=f"p{n}", name_ja=f"製品{n}", name_en=f"Product {n}") for n in range(3)
    )
    templates = OnboardingTemplate.objects.bulk_create(
        OnboardingTemplate(product=p, version=1) for p in products
    )
    rows = []
    for n in range(accounts):
        segment = "high" if n % 10 == 0 else "low" if n % 10 < 4 else "tech"
        owner = None if segment == "tech" else csms[n % 200]
        team = teams[3 + 4 * (n % 5)] if segment == "tech" else owner.team  # type: ignore[union-attr]
        phase = r.choice(("onboarding", "adoption", "adoption", "renewal"))
        rows.append(
            Account(name=f"会社{n}", segment=segment, owner=owner, team=team, phase=phase,
                    mrr=r.randint(1, 300) * 1000)
        )  # fmt: skip
    created = Account.objects.bulk_create(rows, batch_size=5000)
    start = dt.datetime.combine(DAY - dt.timedelta(days=365), dt.time(1), tzinfo=dt.UTC)
    touches = []
    for account in created:
        for _ in range(r.randint(3, 9)):
            kind = (
                "webinar"
                if account.segment == "tech" and r.random() < 0.6
                else r.choice(("meeting", "call", "email", "onsite", "note"))
            )
            at = start + dt.timedelta(minutes=r.randint(0, 365 * 24 * 60))
            touches.append(
                Touchpoint(account=account, csm=csms[account.pk % 200], kind=kind, occurred_at=at)
            )
    Touchpoint.objects.bulk_create(touches, batch_size=10000)
    renewals = []
    for account in created:
        date = DAY + dt.timedelta(days=r.randint(-365, 365))
        past = date < DAY
        renewals.append(
            Renewal(account=account, date=date, mrr_due=account.mrr,
                    outcome="renewed" if past else "", stage="renewed" if past else "not_started")
        )  # fmt: skip
    renewals = Renewal.objects.bulk_create(renewals, batch_size=5000)
    ClosingPlan.objects.bulk_create(
        (
            ClosingPlan(renewal=x)
            for x in renewals
            if DAY <= x.date <= DAY + dt.timedelta(90) and x.pk % 3
        ),
        batch_size=5000,
    )  # fmt: skip
    Onboarding.objects.bulk_create(
        (
            Onboarding(account=a, product=products[a.pk % 3], template=templates[a.pk % 3],
                       started_on=DAY - dt.timedelta(days=r.randint(0, 200)),
                       target_on=DAY - dt.timedelta(days=r.randint(-60, 150)),
                       completed_on=DAY - dt.timedelta(days=a.pk % 100) if a.pk % 10 else None,
                       state="in_progress" if a.pk % 10 == 0 else "completed",
                       state_since=DAY)
            for a in created
        ),
        batch_size=5000,
    )  # fmt: skip
    tasks = []
    for n in range(30000):
        account = created[r.randrange(len(created))]
        done = n % 3 != 0
        opened = start + dt.timedelta(days=r.randint(0, 360))
        tasks.append(
            Task(account=account, owner=csms[n % 200], title="bench", due_date=DAY, origin="rule",
                 state="done" if done else "open", outcome="saved" if done and n % 2 else "",
                 closed_at=opened + dt.timedelta(days=r.randint(0, 20)) if done else None)
        )  # fmt: skip
    Task.objects.bulk_create(tasks, batch_size=5000)
    # created_at is auto_now_add: opened three days before they were closed, or a year ago
    Task.objects.filter(closed_at__isnull=False).update(
        created_at=F("closed_at") - dt.timedelta(days=3)
    )
    Task.objects.filter(closed_at__isnull=True).update(created_at=start)
    for segment, target in (("high", 0.8), ("low", 0.7), ("tech", 0.5)):
        total = sum(1 for a in created if a.segment == segment)
        CoverageSnapshot.objects.create(
            as_of=DAY, scope="segment", segment=segment, covered=int(total * 0.8), total=total,
            target=target,
        )  # fmt: skip
    model = ScoreModelVersion.objects.create(name="bench", version=1, spec={}, status="published")
    HealthScore.objects.bulk_create(
        (HealthScore(account=a, day=DAY, model=model, score=50.0) for a in created),
        batch_size=10000,
    )
    playbook = Playbook.objects.create(name="bench")
    PlaybookRun.objects.bulk_create(
        PlaybookRun(
            playbook=playbook, account=created[n], started_on=DAY - dt.timedelta(days=n % 80)
        )
        for n in range(500)
    )  # fmt: skip
    rule = Rule.objects.create(name="bench", enabled=True)
    Firing.objects.bulk_create(
        (
            Firing(rule=rule, rule_version=1, account=created[n % len(created)],
                   day=DAY - dt.timedelta(days=n % 365), priority=2, delivery="none")
            for n in range(20000)
        ),
        batch_size=5000,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kizuna.apps.customers.models import Account
    from kizuna.apps.diagnosis.frames import PARTS
    from kizuna.apps.diagnosis.services import diagnosis_run

    call_command("migrate", interactive=False, verbosity=0)
    if not Account.objects.exists():
        began = time.perf_counter()
        build(args.accounts)
        print(f"built {args.accounts:,} accounts in {time.perf_counter() - began:.0f} s")
    diagnosis_run(day=DAY)  # warm-up
    times, cpu = [], []
    for _ in range(args.runs):
        with CaptureQueriesContext(connection) as queries:
            began, began_cpu = time.perf_counter(), time.process_time()
            run = diagnosis_run(day=DAY)
            times.append(time.perf_counter() - began)
            cpu.append(time.process_time() - began_cpu)
    print(
        f"diagnosis at {Account.objects.count():,} accounts ({connection.vendor}): median "
        f"{statistics.median(times):.2f} s wall, {statistics.median(cpu):.2f} s CPU over "
        f"{args.runs} runs, {len(queries)} queries; phase {run.phase}, level {run.level}, "
        f"errors {run.errors or 'none'}"
    )
    # where the time goes: each part of the evidence alone (wall; the database's time included)
    for name, read in PARTS.items():
        spent = []
        for _ in range(args.runs):
            began = time.perf_counter()
            read(DAY)
            spent.append(time.perf_counter() - began)
        print(f"  {name:<12} {statistics.median(spent):.2f} s")


if __name__ == "__main__":
    main()
