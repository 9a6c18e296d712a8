"""Benchmark of the daily survey invitation plan (kizuna.core.voc.schedule) against a
straightforward pandas version.

    .tools/bin/uv run --with pandas python bench/survey_invite_bench.py [--accounts 100000]
        [--contacts 300000] [--runs 5] [--catch-up 3]

pandas is not a dependency of Kizuna: ``--with pandas`` adds it for this run only (without it
the pandas version and the equality check are skipped).

Synthetic data (``random``, fixed seed), the shape of the default programs (docs/surveys.md):
``--accounts`` accounts (96 % active), ``--contacts`` contacts spread over them (roles: 20 %
decision maker, 30 % admin, 50 % user; 3 % without an e-mail, 2 % taking no surveys, 10 %
English); one subscription line per account and a second for 30 % of them, started over the
six years before today (8 % already ended); onboarding finished for 40 % of the accounts over
the last two years; 2 touchpoints per account over the last two years (meetings, calls,
e-mails, notes; half naming one or two of the account's contacts); 1.5 earlier invitations per
account over the last 180 days (10 % of them skipped), and the invitations of 5 % of the lines
due in today's window already made (a rerun). Three programs and six schedules: NPS at line
start + 30 and + 90 days (decision makers and admins, 60-day throttle), a yearly NPS on the
line's anniversary (decision makers, 90 days), CSAT 14 days after onboarding and 1 day after a
meeting (every role, 90 days). Today is 2026-11-30 with ``--catch-up`` days caught up; now is
10:00 in Tokyo.

- ``kizuna``: ``plan_invitations`` on the frozen rows (building the rows from the database is
  the adapter's part and not timed here);
- ``pandas``: the same rules written the way an analyst would, from frames of the same rows
  (one merge per trigger, the contacts merged in, the already-made keys anti-joined, the skip
  reasons with ``np.select``, the throttle from the history merged per contact and, for today,
  the first invitation per contact in decision order).

Then, with ``--db-accounts N`` (default 10,000; 0 skips it), the daily job's step
``surveys.services.invitations_create`` through the database (SQLite in
``var/bench/survey-invite-N/``, made once and reused): N accounts (4 % churned), 3 N contacts,
1.3 N lines started over six years, the default NPS program switched on, and a yearly NPS on
the line's anniversary. Timed as the job runs it (the adapter ``schedule_inputs`` reads the
due window's rows, the core plans, the invitations are inserted), rolled back after each run;
the adapter alone too. The job's figure at 100,000 accounts is this one × 100,000 / N,
printed as an extrapolation (the adapter reads only the due window, so it grows with the
invitations due, about linearly with the accounts).

Before timing, the two plans are compared invitation by invitation (key, skip reason, tenure,
language, send-after): the run stops if they differ. Then each engine: one discarded warm-up,
``--runs`` timed runs, the median wall time and CPU time (``time.process_time``) and the
ratio. Both engines run in this one process, alternately.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kizuna.core.voc import schedule as core

TODAY = dt.date(2026, 11, 30)
NOW = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)  # 10:00 in Tokyo
ZONE = "Asia/Tokyo"
ROLES = ("decision_maker", "admin", "user")
TOUCH_KINDS = ("meeting", "call", "email", "note")

PROGRAMS = (
    core.ProgramRow(1, frozenset({"decision_maker", "admin"}), throttle_days=60),
    core.ProgramRow(2, frozenset(), throttle_days=90),
    core.ProgramRow(3, frozenset({"decision_maker"}), throttle_days=90),
)
SCHEDULES = (
    core.ScheduleRow(1, 1, "line_start", 30),
    core.ScheduleRow(2, 1, "line_start", 90),
    core.ScheduleRow(3, 3, "recurring", 0, every_months=12),
    core.ScheduleRow(4, 2, "onboarding_done", 14),
    core.ScheduleRow(5, 2, "touchpoint", 1, touchpoint_kind="meeting"),
    core.ScheduleRow(6, 2, "touchpoint", 7, active=False),
)


def synthetic(n_accounts: int, n_contacts: int, catch_up: int) -> dict[str, Any]:
    rng = random.Random(16)
    accounts = [core.AccountRow(i, rng.random() < 0.96) for i in range(1, n_accounts + 1)]
    contacts = []
    by_account: dict[int, list[int]] = {}
    for cid in range(1, n_contacts + 1):
        account = rng.randint(1, n_accounts)
        by_account.setdefault(account, []).append(cid)
        draw = rng.random()
        role = ROLES[0] if draw < 0.2 else ROLES[1] if draw < 0.5 else ROLES[2]
        contacts.append(
            core.ContactRow(
                cid,
                account,
                role,
                "" if rng.random() < 0.03 else f"c{cid}@example.jp",
                "en" if rng.random() < 0.1 else "ja",
                rng.random() >= 0.02,
            )
        )
    lines = []
    line_id = 0
    for account in range(1, n_accounts + 1):
        for _ in range(2 if rng.random() < 0.3 else 1):
            line_id += 1
            start = TODAY - dt.timedelta(days=rng.randint(0, 6 * 365))
            end = None
            if rng.random() < 0.08:
                end = start + dt.timedelta(days=rng.randint(30, 900))
            product = None if rng.random() < 0.05 else rng.randint(1, 8)
            lines.append(core.LineRow(line_id, account, product, start, end))
    onboardings = [
        core.OnboardingDoneRow(account, TODAY - dt.timedelta(days=rng.randint(0, 730)))
        for account in range(1, n_accounts + 1)
        if rng.random() < 0.4
    ]
    touchpoints = []
    for _ in range(2 * n_accounts):
        account = rng.randint(1, n_accounts)
        met: tuple[int, ...] = ()
        if rng.random() < 0.5 and by_account.get(account):
            met = tuple(rng.sample(by_account[account], min(len(by_account[account]), 2)))
        touchpoints.append(
            core.TouchpointRow(
                account,
                rng.choice(TOUCH_KINDS),
                TODAY - dt.timedelta(days=rng.randint(0, 730)),
                met,
            )
        )
    earlier = []
    for _ in range(int(1.5 * n_accounts)):
        account = rng.randint(1, n_accounts)
        if not by_account.get(account):
            continue
        earlier.append(
            core.EarlierInvitation(
                rng.choice((1, 2, 4, 5)),
                rng.choice(by_account[account]),
                None,
                TODAY - dt.timedelta(days=rng.randint(1, 180)),
                rng.random() < 0.1,
            )
        )
    # a rerun: 5 % of the lines due at start + 30 in the window have their invitations already
    first = TODAY - dt.timedelta(days=catch_up)
    for line in lines:
        due = line.start_date + dt.timedelta(days=30)
        if first <= due <= TODAY and rng.random() < 0.05:
            for cid in by_account.get(line.account_id, ()):
                earlier.append(core.EarlierInvitation(1, cid, line.line_id, due))
    return {
        "programs": PROGRAMS,
        "schedules": SCHEDULES,
        "accounts": accounts,
        "contacts": contacts,
        "lines": lines,
        "onboardings": onboardings,
        "touchpoints": touchpoints,
        "earlier": earlier,
        "catch_up": catch_up,
    }


def run_kizuna(data: dict[str, Any]) -> core.DayPlan:
    return core.plan_invitations(
        programs=data["programs"],
        schedules=data["schedules"],
        accounts=data["accounts"],
        contacts=data["contacts"],
        lines=data["lines"],
        onboardings=data["onboardings"],
        touchpoints=data["touchpoints"],
        earlier=data["earlier"],
        today=TODAY,
        now=NOW,
        time_zone=ZONE,
        catch_up_days=data["catch_up"],
    )


def frames(data: dict[str, Any]) -> dict[str, Any]:
    """The same rows as pandas frames (dates as datetime64), built once, outside the timing."""
    import pandas as pd

    def frame(rows: Any) -> Any:
        return pd.DataFrame([{k: getattr(r, k) for k in r.__slots__} for r in rows])

    out = {name: frame(data[name]) for name in ("accounts", "contacts", "lines", "earlier")}
    out["onboardings"] = frame(data["onboardings"])
    out["touchpoints"] = frame(data["touchpoints"])
    out["programs"] = frame(data["programs"])
    out["schedules"] = frame(data["schedules"])
    for name, columns in (
        ("lines", ("start_date", "end_date")),
        ("onboardings", ("completed_on",)),
        ("touchpoints", ("day",)),
        ("earlier", ("due_on",)),
    ):
        for column in columns:
            out[name][column] = pd.to_datetime(out[name][column])
    out["catch_up"] = data["catch_up"]
    return out


def run_pandas(f: dict[str, Any]) -> Any:
    """The rules of ``core.voc.schedule``, written plainly with pandas (``throttle_days`` >
    the catch-up window assumed: today's second invitation to a contact is throttled)."""
    import numpy as np
    import pandas as pd

    today = pd.Timestamp(TODAY)
    first = today - pd.Timedelta(days=f["catch_up"])
    programs = f["programs"][f["programs"]["active"]]
    schedules = f["schedules"][f["schedules"]["active"]]
    schedules = schedules[schedules["program_id"].isin(programs["program_id"])]
    lines = f["lines"]
    parts = []
    # line start
    starts = schedules[schedules["trigger"] == "line_start"]
    c = lines.merge(starts[["schedule_id", "offset_days"]], how="cross")
    c["due_on"] = c["start_date"] + pd.to_timedelta(c["offset_days"], unit="D")
    parts.append(c[(c["due_on"] >= first) & (c["due_on"] <= today)])
    # recurring: each window day, a whole number of periods after the start (month ends clamp)
    for _, s in schedules[schedules["trigger"] == "recurring"].iterrows():
        for day in pd.date_range(first, today):
            base = day - pd.Timedelta(days=int(s["offset_days"]))
            start = lines["start_date"]
            months = (base.year * 12 + base.month) - (start.dt.year * 12 + start.dt.month)
            ok = (months > 0) & (months % int(s["every_months"]) == 0) & (day > start)
            last_day = base.days_in_month
            ok &= np.minimum(start.dt.day, last_day) == base.day
            c = lines[ok].copy()
            c["schedule_id"], c["offset_days"], c["due_on"] = s["schedule_id"], 0, day
            parts.append(c)
    line_cands = pd.concat(parts, ignore_index=True)
    line_cands["met"] = None
    # onboarding finished
    done = f["onboardings"].merge(
        schedules[schedules["trigger"] == "onboarding_done"][["schedule_id", "offset_days"]],
        how="cross",
    )
    done["due_on"] = done["completed_on"] + pd.to_timedelta(done["offset_days"], unit="D")
    done = done[(done["due_on"] >= first) & (done["due_on"] <= today)]
    # touchpoints
    touch = f["touchpoints"][f["touchpoints"]["kind"] != "note"]
    tsched = schedules[schedules["trigger"] == "touchpoint"]
    touch = touch.merge(tsched[["schedule_id", "offset_days", "touchpoint_kind"]], how="cross")
    touch = touch[(touch["touchpoint_kind"] == "") | (touch["kind"] == touch["touchpoint_kind"])]
    touch["due_on"] = touch["day"] + pd.to_timedelta(touch["offset_days"], unit="D")
    touch = touch[(touch["due_on"] >= first) & (touch["due_on"] <= today)].copy()
    touch["met"] = touch["contact_ids"].map(lambda ids: ids if ids else None)
    cands = pd.concat(
        [
            line_cands[["schedule_id", "account_id", "due_on", "line_id", "product_id"]]
            .assign(line_start=line_cands["start_date"], end_date=line_cands["end_date"])
            .assign(met=None),
            done[["schedule_id", "account_id", "due_on"]].assign(met=None),
            touch[["schedule_id", "account_id", "due_on", "met"]],
        ],
        ignore_index=True,
    )
    cands["line_id"] = cands["line_id"].fillna(-1).astype("int64")
    cands["order"] = np.arange(len(cands))
    # the contacts asked: the account's, those met when the touchpoint names any, by role
    x = cands.merge(f["contacts"], on="account_id")
    met = x["met"].notna()
    if met.any():
        named = x.loc[met, ["met", "contact_id"]].apply(
            lambda row: row["contact_id"] in row["met"], axis=1
        )
        x = x[~met | named.reindex(x.index, fill_value=True)]
    x = x.merge(f["schedules"][["schedule_id", "program_id"]], on="schedule_id")
    x = x.merge(programs, on="program_id", suffixes=("", "_program"))
    wanted = x.apply(lambda r: not r["contact_roles"] or r["contact_role"] in r["contact_roles"], 1)
    x = x[wanted]
    # decision order, one invitation per key, none already made
    x = x.sort_values(
        ["due_on", "schedule_id", "line_start", "line_id", "account_id", "contact_id"],
        na_position="first",
        kind="stable",
    )
    key = ["schedule_id", "contact_id", "line_id", "due_on"]
    x = x.drop_duplicates(key)
    made = f["earlier"].assign(line_id=f["earlier"]["line_id"].fillna(-1).astype("int64"))
    x = x.merge(made[key].drop_duplicates(), on=key, how="left", indicator=True)
    x = x[x["_merge"] == "left_only"].drop(columns="_merge")
    # the skip reasons, in their order
    active = set(f["accounts"].loc[f["accounts"]["active"], "account_id"])
    ended = x["end_date"].notna() & (x["end_date"] <= x["due_on"])
    asked = made.loc[~made["skipped"], ["contact_id", "due_on"]].rename(
        columns={"due_on": "asked_on"}
    )
    h = x[["contact_id", "due_on", "throttle_days"]].reset_index().merge(asked, on="contact_id")
    near = (h["due_on"] - h["asked_on"]).dt.days.abs() < h["throttle_days"]
    history = x.index.isin(h.loc[near, "index"])
    reason = np.select(
        [
            ~x["account_id"].isin(active),
            ended,
            ~x["active"],
            x["email"].str.strip() == "",
            history,
        ],
        ["account_inactive", "line_ended", "contact_inactive", "no_email", "throttled"],
        default="",
    )
    x["skip_reason"] = reason
    eligible = x["skip_reason"] == ""
    later = x[eligible].groupby("contact_id").cumcount() > 0
    x.loc[later[later].index, "skip_reason"] = "throttled"
    x["tenure_days"] = (x["due_on"] - x["line_start"]).dt.days
    x["language"] = x["language"].where(x["language"].isin(["ja", "en"]), "ja")
    return x


def _core_rows(plan: core.DayPlan) -> set[tuple[Any, ...]]:
    return {
        (p.schedule_id, p.contact_id, p.line_id or -1, p.due_on, p.skip_reason or "", *rest)
        for p in plan.all
        for rest in [(p.tenure_days, p.language)]
    }


def _pandas_rows(x: Any) -> set[tuple[Any, ...]]:
    rows = set()
    for r in x.itertuples():
        tenure = None if r.line_id == -1 else int(r.tenure_days)
        rows.add(
            (
                r.schedule_id,
                r.contact_id,
                r.line_id,
                r.due_on.date(),
                r.skip_reason,
                tenure,
                r.language,
            )
        )
    return rows


def _time(run: Callable[[Any], Any], data: Any) -> tuple[float, float]:
    gc.collect()
    started, used = time.perf_counter(), time.process_time()
    run(data)
    return time.perf_counter() - started, time.process_time() - used


class Rollback(Exception):
    """Raised inside a timed transaction so that it leaves nothing behind."""


def _db_company(n_accounts: int) -> None:
    """The database company of ``n_accounts`` accounts (see the module docstring), unless the
    data dir holds it already."""
    from django.core.management import call_command

    from kizuna.apps.customers.models import Account, Contact, Product, SubscriptionLine
    from kizuna.apps.surveys.models import SurveyProgram, SurveySchedule
    from kizuna.apps.surveys.services import program_defaults_ensure

    call_command("migrate", verbosity=0)
    if Account.objects.count() == n_accounts:
        return
    if Account.objects.exists():
        raise SystemExit("the bench data dir holds another company: remove it first")
    rng = random.Random(16)
    product = Product.objects.create(code="bench", name_ja="ベンチ", name_en="Bench")
    Account.objects.bulk_create(
        [
            Account(
                name=f"株式会社ベンチ{i}", phase="churned" if rng.random() < 0.04 else "adoption"
            )
            for i in range(n_accounts)
        ],
        batch_size=2000,
    )
    ids = list(Account.objects.values_list("pk", flat=True))
    Contact.objects.bulk_create(
        [
            Contact(
                account_id=rng.choice(ids),
                name=f"担当{i}",
                email="" if rng.random() < 0.03 else f"c{i}@example.jp",
                role=rng.choice(("decision_maker", "admin", "user", "user")),
            )
            for i in range(3 * n_accounts)
        ],
        batch_size=2000,
    )
    lines = []
    for pk in ids:
        for _ in range(2 if rng.random() < 0.3 else 1):
            start = TODAY - dt.timedelta(days=rng.randint(0, 6 * 365))
            lines.append(
                SubscriptionLine(
                    account_id=pk,
                    product=product,
                    currency="JPY",
                    billing_amount=10_000,
                    mrr=10_000,
                    start_date=start,
                )
            )
    SubscriptionLine.objects.bulk_create(lines, batch_size=2000)
    program = program_defaults_ensure()
    program.active = True
    program.save()
    yearly = SurveyProgram.objects.create(
        code="nps-yearly", kind="nps", name_ja="年次NPS", question_ja="？", throttle_days=90
    )
    SurveySchedule.objects.create(
        program=yearly, trigger="recurring", offset_days=0, every_months=12
    )


def run_db(n_accounts: int, runs: int) -> None:
    """The job's step through the database (see the module docstring)."""
    data_dir = (
        Path(__file__).resolve().parent.parent / "var" / "bench" / f"survey-invite-{n_accounts}"
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["KIZUNA_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import logging

    import django

    django.setup()
    logging.getLogger("kizuna.surveys").setLevel(logging.WARNING)  # a line per skipped one
    from django.db import transaction

    from kizuna.apps.surveys.selectors import schedule_inputs
    from kizuna.apps.surveys.services import CATCH_UP_DAYS, invitations_create

    started = time.perf_counter()
    _db_company(n_accounts)
    print(f"database: {n_accounts:,} accounts ready in {time.perf_counter() - started:.1f} s")

    def job() -> Any:
        try:
            with transaction.atomic():
                report = invitations_create(today=TODAY, now=NOW)
                raise Rollback(report)
        except Rollback as done:
            return done.args[0]

    def adapter() -> Any:
        return schedule_inputs(today=TODAY, catch_up_days=CATCH_UP_DAYS, time_zone=ZONE)

    report = job()
    print(f"invitations_create: {report.line()}")
    for name, step in (("invitations_create", job), ("schedule_inputs", adapter)):
        walls, cpus = [], []
        for _ in range(runs):
            wall, cpu = _time(lambda _data, step=step: step(), None)
            walls.append(wall)
            cpus.append(cpu)
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        scale = 100_000 / n_accounts
        guess = (
            f"   (× {scale:g}, extrapolated to 100,000 accounts: ~{wall * scale:.1f} s wall, "
            f"~{cpu * scale:.1f} s CPU)"
            if n_accounts != 100_000
            else "   (measured at 100,000 accounts)"
        )
        print(f"  {name:18} wall {wall:6.2f} s   CPU {cpu:6.2f} s{guess}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--catch-up", type=int, default=3)
    parser.add_argument("--db-accounts", type=int, default=10_000)
    args = parser.parse_args()
    started = time.perf_counter()
    data = synthetic(args.accounts, args.contacts, args.catch_up)
    print(
        f"{args.accounts:,} accounts, {args.contacts:,} contacts, {len(data['lines']):,} lines, "
        f"{len(data['onboardings']):,} onboardings, {len(data['touchpoints']):,} touchpoints, "
        f"{len(data['earlier']):,} earlier invitations; catch-up {args.catch_up} days "
        f"(built in {time.perf_counter() - started:.1f} s)"
    )
    plan = run_kizuna(data)
    print(f"plan: {len(plan.to_send):,} to send, {len(plan.skipped):,} skipped")
    engines: list[tuple[str, Callable[[Any], Any], Any]] = [("kizuna", run_kizuna, data)]
    try:
        import pandas  # noqa: F401
    except ImportError:
        print("pandas not installed: the core alone (uv run --with pandas … for both)")
    else:
        pframes = frames(data)
        mine, theirs = _core_rows(plan), _pandas_rows(run_pandas(pframes))
        assert mine == theirs, (len(mine), len(theirs), sorted(mine ^ theirs)[:10])
        print(f"pandas and Kizuna agree on all {len(mine):,} invitations")
        engines.append(("pandas", run_pandas, pframes))
    for _name, run, engine_data in engines:
        _time(run, engine_data)  # warm-up
    walls: dict[str, list[float]] = {name: [] for name, _run, _data in engines}
    cpus: dict[str, list[float]] = {name: [] for name, _run, _data in engines}
    for _ in range(args.runs):
        for name, run, engine_data in engines:
            wall, cpu = _time(run, engine_data)
            walls[name].append(wall)
            cpus[name].append(cpu)
    print(f"medians of {args.runs} runs after a warm-up:")
    for name, _run, _data in engines:
        print(
            f"  {name:7} wall {statistics.median(walls[name]):6.2f} s   "
            f"CPU {statistics.median(cpus[name]):6.2f} s   "
            f"(wall: {', '.join(f'{t:.2f}' for t in walls[name])})"
        )
    if "pandas" in walls:
        wall = statistics.median(walls["pandas"]) / statistics.median(walls["kizuna"])
        cpu = statistics.median(cpus["pandas"]) / statistics.median(cpus["kizuna"])
        print(f"  pandas / kizuna: {wall:.1f}× wall, {cpu:.1f}× CPU")
    if args.db_accounts:
        print(f"the job through the database, medians of {args.runs} runs after one run:")
        run_db(args.db_accounts, args.runs)


if __name__ == "__main__":
    main()
