"""The morning digests of 200 CSMs and one day's rule evaluation through the database, at the
issue's size (issue 14; not a test).

    uv run --with pandas python bench/digest_bench.py                  # 100,000 accounts
    uv run --with pandas python bench/digest_bench.py --accounts 2000  # a quick run
    uv run --with pandas python bench/digest_bench.py --profile        # cProfile of each path

Data: the demo company (``kizuna demo --no-serve --accounts N``: a year of usage, its drop
signals, the onboardings and their transitions, the health scores, touchpoints, lines with
renewals, the demo's five enabled rules and their half-year of firings and tasks), loaded
once into ``var/bench/digest-N/`` (``KIZUNA_DATA_DIR``; SQLite) and reused. Then, once per
database (bench data, no audit; never on a demo you care about): 200 CSMs ``bench-csm-000``
… in 20 teams own the accounts round-robin by id (one ``UPDATE`` per CSM, as
``bench/big_book.py`` moves a book), the tasks and firings follow their account's owner,
every CSM opts in to the digest (one in four takes notifications "in a digest"), four more
rules are enabled so that every trigger kind is read (health fell, MRR contraction, setup not
done, expected churn; alerts with a weekly budget of 10, so some wait for the digest), and
the day before is evaluated and kept (the held alerts the digest shows). The day is the
demo's "today" (its latest health score).

Measured, ``--runs`` times after a discarded warm-up, medians of wall-clock and CPU seconds
(the process's user + system: SQLite runs in the process, so its reads count; on a shared
machine the wall clock also counts the other processes):

- (a) the 200 morning digests, ``rules.digest.digests_for`` (every source read once);
  baseline, side by side: ``digest_for`` one member at a time (the job's path before), on
  ``--one-by-one`` members (default 20) and scaled to 200, said so in the output; each of
  those members' batch digest must equal their one-by-one digest. Also the job as it runs
  (``digests_send``: built, rendered, queued and recorded), rolled back after each run.
- (b) ``rules_evaluate(day)`` whole (the enabled rules' signals of the day, the accounts'
  facts, the state, the engine, the firings written), rolled back after each run, with its
  parts timed alone; baseline, side by side: ``bench/rules_pandas.py`` fed the same signals,
  facts and state as the engine (building its frames not timed); both must fire on the same
  accounts with the same deliveries.

With ``--postgres URL`` (e.g. ``postgres://postgres@127.0.0.1:5432/kizuna_digest``, an
existing, empty or already loaded database) the demo is loaded into that PostgreSQL database
instead, and everything is measured there (the process's CPU then leaves out the server's).

Goals (issue 14): the digests under 10 s, the evaluation under 5 s.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MEMBERS, TEAMS = 200, 20
EXTRA_RULES = (
    ("bench: ヘルスが2段階以上低下", "health_fell", 2, 3),
    ("bench: MRR 減少", "mrr_contraction", 10_000, 2),
    ("bench: 30日でセットアップ未完了", "setup_not_done", 30, 2),
    ("bench: 解約見込み", "onboarding_expected_churn", None, 3),
)


class Rollback(Exception):
    """Raised inside a timed transaction so that it leaves nothing behind."""


def timed(step: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds, result) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = step()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def rolled_back(step: Callable[[], Any]) -> Callable[[], Any]:
    from django.db import transaction

    def run() -> Any:
        result = None
        try:
            with transaction.atomic():
                result = step()
                raise Rollback
        except Rollback:
            pass
        return result

    return run


def load_demo(accounts: int) -> None:
    """The demo company of ``accounts`` accounts in this data dir, unless it is there."""
    from django.core.management import call_command

    from kizuna.apps.customers.models import Account

    call_command("migrate", verbosity=0)
    held = Account.objects.count()
    if held == accounts:
        print(f"demo: {held:,} accounts already loaded", flush=True)
        return
    if held:
        sys.exit(f"the data dir holds {held:,} accounts, not {accounts:,}: remove it first")
    print(f"demo: loading {accounts:,} accounts (kizuna demo --no-serve) …", flush=True)
    kizuna = Path(sys.executable).parent / "kizuna"
    started = time.perf_counter()
    subprocess.run(
        [str(kizuna), "demo", "--no-serve", "--accounts", str(accounts)], check=True, cwd=ROOT
    )
    print(f"demo: loaded in {time.perf_counter() - started:.0f} s", flush=True)


def prepare(day: dt.date) -> None:
    """200 CSMs own the accounts, opt in to the digest; four more rules; the day before
    evaluated (see the module). Done once per database."""
    from django.db import transaction
    from django.db.models import OuterRef, Subquery

    from kizuna.apps.customers.models import Account
    from kizuna.apps.notify.models import Mode, NotificationPreference
    from kizuna.apps.org.models import Role, Team, TeamKind, User
    from kizuna.apps.rules.evaluation import rules_evaluate
    from kizuna.apps.rules.models import AlertSettings, Firing, RuleAction
    from kizuna.apps.rules.services import rule_create, rule_enable
    from kizuna.apps.tasks.models import Task

    if User.objects.filter(username__startswith="bench-csm-").count() == MEMBERS:
        return
    started = time.perf_counter()
    with transaction.atomic():
        teams = [
            Team.objects.get_or_create(
                code=f"bench-{n:02d}",
                defaults={
                    "name_ja": f"ベンチ{n:02d}",
                    "name_en": f"Bench {n:02d}",
                    "kind": TeamKind.STRATEGIC,
                },
            )[0]
            for n in range(TEAMS)
        ]
        members = [
            User.objects.create(
                username=f"bench-csm-{n:03d}",
                role=Role.CSM,
                team=teams[n % TEAMS],
                email=f"bench-csm-{n:03d}@example.jp",
                language=("ja", "en")[n % 2],
            )
            for n in range(MEMBERS)
        ]
        ids = list(Account.objects.order_by("pk").values_list("pk", flat=True))
        for n, member in enumerate(members):
            Account.objects.filter(pk__in=ids[n::MEMBERS]).update(owner=member, team=member.team)
        owner = Subquery(Account.objects.filter(pk=OuterRef("account_id")).values("owner_id")[:1])
        Task.objects.update(owner_id=owner)
        Firing.objects.update(owner_id=owner)
        NotificationPreference.objects.filter(member__in=members).delete()
        NotificationPreference.objects.bulk_create(
            NotificationPreference(
                member=m,
                digest=True,
                email=True,
                mode=Mode.DIGEST if n % 4 == 0 else Mode.IMMEDIATE,
            )
            for n, m in enumerate(members)
        )
        admin = User.objects.filter(role=Role.ADMIN).order_by("pk").first()
        assert admin is not None, "the demo has an admin"
        for name, trigger, threshold, priority in EXTRA_RULES:
            data = {
                "trigger": trigger,
                "threshold": threshold,
                "actions": [RuleAction.TASK.value, RuleAction.NOTIFY.value],
                "priority": priority,
                "cooldown_days": 28,
                "due_in_business_days": 3,
            }
            rule_enable(actor=admin, rule=rule_create(actor=admin, name=name, data=data))
        alert = AlertSettings.objects.first() or AlertSettings()
        alert.weekly_budget = 10
        alert.save()
    run = rules_evaluate(day=day - dt.timedelta(days=1))
    print(
        f"prepared: {MEMBERS} CSMs own the accounts, {len(EXTRA_RULES)} more rules, "
        f"{run.firings:,} firings on the day before ({time.perf_counter() - started:.0f} s)",
        flush=True,
    )


def medians(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def line(
    name: str, wall: float, cpu: float, base: tuple[float, float] | None = None, note: str = ""
) -> None:
    """A row: wall and CPU seconds, and each as a ratio to the baseline's (``base``)."""
    ratio = f"{wall / base[0]:6.2f}x {cpu / base[1]:6.2f}x" if base else " " * 15
    print(f"  {name:<48s} {wall:8.3f} s wall {cpu:8.3f} s CPU  {ratio}  {note}", flush=True)


def bench_digests(day: dt.date, runs: int, alone_count: int, profile: bool) -> None:
    from kizuna.apps.org.models import User
    from kizuna.apps.rules.digest import digest_for, digests_for, digests_send
    from kizuna.apps.tenant.selectors import tenant_settings_get

    members = list(User.objects.filter(username__startswith="bench-csm-").order_by("pk"))
    sample = members[:: max(1, len(members) // alone_count)][:alone_count]
    import zoneinfo

    zone = zoneinfo.ZoneInfo(tenant_settings_get().time_zone)
    now = dt.datetime.combine(day, dt.time(9, 0), tzinfo=zone)
    batch = digests_for(members, day=day)  # the warm-up, and the check
    for member in sample:
        assert batch[member.pk] == digest_for(member, day=day), f"{member} differs"
    sections = sum(len(d.sections) for d in batch.values())
    lines = sum(s.count for d in batch.values() for s in d.sections)
    print(
        f"(a) {len(members)} digests on {day}: {sections:,} sections, {lines:,} lines counted; "
        f"batch = one-by-one for the {len(sample)} sampled members",
        flush=True,
    )
    batch_times, alone_times, job_times = [], [], []
    for _ in range(runs):
        wall, cpu, _r = timed(lambda: digests_for(members, day=day))
        batch_times.append((wall, cpu))
        wall, cpu, _r = timed(lambda: [digest_for(m, day=day) for m in sample])
        alone_times.append((wall * len(members) / len(sample), cpu * len(members) / len(sample)))
        wall, cpu, _r = timed(rolled_back(lambda: digests_send(now=now)))
        job_times.append((wall, cpu))
    alone = medians(alone_times)
    line("baseline: digest_for one by one (scaled)", *alone, alone,
         f"{len(sample)} members × {len(members) / len(sample):g}")  # fmt: skip
    line("digests_for (every source read once)", *medians(batch_times), alone, "goal < 10 s")
    line("the job: digests_send (rendered, queued)", *medians(job_times), alone, "rolled back")
    if profile:
        profiled("digests_for", lambda: digests_for(members, day=day))


def bench_evaluation(day: dt.date, runs: int, profile: bool) -> None:
    from kizuna.apps.rules import evaluation
    from kizuna.apps.rules.selectors import alert_settings, rule_of
    from kizuna.apps.rules.signals import account_facts, signals_between
    from kizuna.core.rules.evaluate import evaluate

    versions = evaluation.enabled_versions()
    rules = [rule_of(v) for v in versions]
    kinds = {rule.trigger.kind for rule in rules}
    ahead = evaluation._days_ahead(rules)
    budget = alert_settings().weekly_budget

    def read_signals() -> Any:
        return signals_between(start=day, end=day, kinds=kinds, max_days=ahead)

    def read_facts() -> Any:
        return account_facts(on=day)

    def read_state() -> Any:
        return evaluation._state(day, versions)

    signals, facts, state = read_signals(), read_facts(), read_state()

    def core() -> list[tuple[int, int, str]]:
        found = evaluate(rules, signals, facts, state, day=day, weekly_budget=budget)
        return [(f.rule_id, f.account_id, f.delivery.value) for f in found.firings]

    whole = rolled_back(lambda: evaluation.rules_evaluate(day=day))
    parts: dict[str, Callable[[], Any]] = {
        "signals_between (the day, every kind enabled)": read_signals,
        "account_facts": read_facts,
        "state (cool-downs, open tasks, the week)": read_state,
        "core: evaluate": core,
    }
    pandas_run = pandas_baseline(rules, signals, facts, state, day, budget)
    fired = core()
    if pandas_run is not None:
        assert pandas_run() == fired, "pandas and the core disagree"
    whole()  # the warm-up
    print(
        f"(b) rules_evaluate({day}): {len(rules)} enabled rules ({', '.join(sorted(kinds))}), "
        f"{len(signals):,} signals, {len(facts):,} accounts' facts, "
        f"{len(state.last_fired):,} past firings, {len(state.open_keys):,} open tasks; "
        f"{len(fired):,} firings" + ("; pandas fires the same" if pandas_run is not None else ""),
        flush=True,
    )
    times: dict[str, list[tuple[float, float]]] = {"whole": [], "pandas": []}
    for _ in range(runs):
        wall, cpu, _r = timed(whole)
        times["whole"].append((wall, cpu))
        for name, step in parts.items():
            wall, cpu, _r = timed(step)
            times.setdefault(name, []).append((wall, cpu))
        if pandas_run is not None:
            wall, cpu, _r = timed(pandas_run)
            times["pandas"].append((wall, cpu))
    base = medians(times["pandas"]) if times["pandas"] else None
    if times["pandas"]:
        line("baseline: rules_pandas on the same inputs", *medians(times["pandas"]), base)
    else:
        print("  (pandas is not installed: run with `uv run --with pandas`; no baseline)")
    line("rules_evaluate(day), whole DB path", *medians(times["whole"]), base,
         "goal < 5 s; rolled back")  # fmt: skip
    for name in parts:
        line(f"  {name}", *medians(times[name]), base)
    if profile:
        profiled("rules_evaluate", whole)


def pandas_baseline(
    rules: Any, signals: Any, facts: Any, state: Any, day: dt.date, budget: int | None
) -> Callable[[], list[tuple[int, int, str]]] | None:
    try:
        import pandas  # noqa: F401  (the baseline needs it; absent: no baseline)
    except ImportError:
        return None
    sys.path.insert(0, str(Path(__file__).parent))
    import rules_pandas

    frames = rules_pandas.input_frames(signals, facts.values(), state.last_fired)

    def run() -> list[tuple[int, int, str]]:
        out = rules_pandas.evaluate(
            rules, frames["signals"], frames["accounts"], frames["fired"],
            set(state.open_keys), dict(state.interruptions), day=day, weekly_budget=budget,
        )  # fmt: skip
        return list(zip(out["rule_id"], out["account_id"], out["delivery"], strict=True))

    return run


def profiled(name: str, step: Callable[[], Any]) -> None:
    profile = cProfile.Profile()
    profile.runcall(step)
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(30)
    print(f"--- cProfile: {name}\n{out.getvalue()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--one-by-one", type=int, default=20, help="members read one by one")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--only", choices=("digests", "evaluation"))
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL database instead")
    args = parser.parse_args()
    suffix = "-postgres" if args.postgres else ""
    data_dir = ROOT / "var" / "bench" / f"digest-{args.accounts}{suffix}"
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ.pop("DATABASE_URL", None)
    if args.postgres:
        os.environ["DATABASE_URL"] = args.postgres
    os.environ["KIZUNA_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    import logging

    logging.getLogger("kizuna").setLevel(logging.WARNING)
    load_demo(args.accounts)
    from kizuna.apps.health.models import HealthScore

    day = HealthScore.objects.order_by("-day").values_list("day", flat=True).first()
    assert day is not None, "the demo has health scores"
    prepare(day)
    where = f"PostgreSQL {args.postgres}" if args.postgres else f"SQLite {data_dir}"
    print(f"{args.accounts:,} accounts, {MEMBERS} CSMs, {where}; load: "
          f"{os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f}; "
          f"medians of {args.runs} runs; ratios: wall and CPU / the baseline's")  # fmt: skip
    if args.only != "evaluation":
        bench_digests(day, args.runs, args.one_by_one, args.profile)
    if args.only != "digests":
        bench_evaluation(day, args.runs, args.profile)
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


if __name__ == "__main__":
    main()
