"""A whole company from files: accounts, contacts and subscription lines, imported into an
empty Kizuna, then the same files again.

    uv run python bench/company_import_bench.py                   # 100,000 / 300,000 / 250,000
    uv run python bench/company_import_bench.py --scale 0.1       # a tenth, to try it
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kizuna_bench \\
        uv run python bench/company_import_bench.py

The files: a Salesforce Data Export ``Account.csv`` (UTF-8, owners by user id after a
``User.csv`` of 200 members), its ``Contact.csv`` (three contacts an account) and Kizuna's line
file (2.5 lines an account). Goals (issue 13): the first import under 60 s, the unchanged
re-import under 20 s, peak memory under 2 GB. The baseline, measured side by side in the same
run, is the least any import must do: ``bulk_create`` of the same accounts, contacts and lines
(no file, no checks, no audit); each import is given as a ratio to it. Memory is the process's
peak resident set (``ru_maxrss``) after each step. One repeat by default (a first import
needs an empty database); ``--repeat`` takes the median. Beside the wall-clock seconds, the
process's CPU seconds (user + system): on a shared, loaded machine the wall clock also counts
the time the other processes had the cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ACCOUNTS, CONTACTS_PER, LINES_PER_TWO = 100_000, 3, 5


def _users(members: int) -> str:
    rows = ['"Id","Username","LastName","FirstName","Email","IsActive"']
    for n in range(members):
        rows.append(f'"005B{n:014d}","u{n}@acme.sf","担当","{n}","member{n}@example.jp","true"')
    return "\r\n".join(rows) + "\r\n"


def _accounts(accounts: int, members: int) -> str:
    rows = ['"Id","Name","ParentId","OwnerId","Industry","NumberOfEmployees","Description"']
    for n in range(accounts):
        parent = f"001B{n - n % 10:014d}" if n % 10 else ""
        rows.append(
            f'"001B{n:014d}","株式会社サンプル{n}","{parent}","005B{n % members:014d}",'
            f'"Manufacturing","{10 + n % 5000}","説明{n}\n二行目"'
        )
    return "\r\n".join(rows) + "\r\n"


def _contacts(accounts: int) -> str:
    rows = ['"Id","AccountId","LastName","FirstName","Email","Phone","Title"']
    for n in range(accounts * CONTACTS_PER):
        rows.append(
            f'"003B{n:014d}","001B{n // CONTACTS_PER:014d}","山田","{n}",'
            f'"c{n}@example.co.jp","03-1234-{n % 10000:04d}","部長"'
        )
    return "\r\n".join(rows) + "\r\n"


def _lines(accounts: int, product: str) -> str:
    rows = ["subscription_id,customer_id,start_date,end_date,monthly_amount,product"]
    start = dt.date(2024, 4, 1)
    for n in range(accounts * LINES_PER_TWO // 2):
        account = n * 2 // LINES_PER_TWO
        end = "2025-10-01" if n % 7 == 0 else ""
        rows.append(f"sub-{n},001B{account:014d},{start},{end},{1000 * (1 + n % 300)},{product}")
    return "\n".join(rows) + "\n"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


#: the process's CPU seconds (user + system) of each timed step, by step: on a shared machine
#: the wall clock counts the other processes' load, the CPU time much less
CPU: dict[str, list[float]] = {}


def _timed(step: Callable[[], object], name: str = "") -> float:
    started, cpu = time.perf_counter(), time.process_time()
    step()
    CPU.setdefault(name, []).append(time.process_time() - cpu)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    accounts = int(ACCOUNTS * args.scale)
    workdir = Path(tempfile.mkdtemp(prefix="kizuna-company-bench-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from kizuna.apps.audit.models import AuditEvent
    from kizuna.apps.customers.models import Account, Contact, Product, SubscriptionLine
    from kizuna.apps.imports.models import ImportRun, SavedMapping
    from kizuna.apps.imports.services import (
        accounts_import,
        contacts_import,
        lines_import,
        members_import,
    )
    from kizuna.apps.org.models import User

    call_command("migrate", verbosity=0)
    product, _ = Product.objects.get_or_create(
        code="expense", defaults={"name_ja": "経費精算", "name_en": "Expense"}
    )
    members = 200
    files = {
        "accounts": _accounts(accounts, members).encode("utf-8"),
        "contacts": _contacts(accounts).encode("utf-8"),
        "lines": _lines(accounts, product.code).encode("utf-8"),
    }
    users = _users(members).encode("utf-8")
    rows = {
        "accounts": accounts,
        "contacts": accounts * CONTACTS_PER,
        "lines": accounts * LINES_PER_TWO // 2,
    }
    total_rows = sum(rows.values())

    def empty() -> None:
        # plain DELETEs, children first: the ORM's cascade collects every id into one
        # statement, more variables than SQLite takes at this size
        models = (AuditEvent, SubscriptionLine, Contact, Account, ImportRun, SavedMapping)
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")

    def baseline() -> None:
        made = Account.objects.bulk_create(
            (
                Account(name=f"株式会社サンプル{n}", external_crm_id=f"001B{n:014d}")
                for n in range(accounts)
            ),
            batch_size=2000,
        )
        ids = [account.pk for account in made]
        Contact.objects.bulk_create(
            (
                Contact(
                    account_id=ids[n // CONTACTS_PER],
                    name=f"山田 {n}",
                    external_crm_id=f"003B{n:014d}",
                )
                for n in range(rows["contacts"])
            ),
            batch_size=2000,
        )
        SubscriptionLine.objects.bulk_create(
            (
                SubscriptionLine(
                    account_id=ids[n * 2 // LINES_PER_TWO],
                    product=product,
                    currency="JPY",
                    billing_amount=1000,
                    mrr=1000,
                    start_date=dt.date(2024, 4, 1),
                    external_id=f"sub-{n}",
                )
                for n in range(rows["lines"])
            ),
            batch_size=2000,
        )

    services = {"accounts": accounts_import, "contacts": contacts_import, "lines": lines_import}
    summaries: dict[str, str] = {}

    def company(label: str) -> dict[str, float]:
        times: dict[str, float] = {}
        for kind, service in services.items():

            def step(kind: str = kind, service: Callable[..., object] = service) -> None:
                result = service(actor=None, data=files[kind], file_name=f"{kind}.csv")
                summaries[f"{label} {kind}"] = result.plan.summary  # type: ignore[attr-defined]

            times[kind] = _timed(step, f"{label} {kind}")
        return times

    members_import(actor=None, data=users, file_name="User.csv")
    figures: dict[str, list[float]] = {"baseline": [], "first": [], "again": []}
    per_kind: dict[str, dict[str, list[float]]] = {"first": {}, "again": {}}
    peaks: dict[str, float] = {}
    for _ in range(args.repeat):
        empty()
        figures["baseline"].append(_timed(baseline, "baseline"))
        empty()
        peaks["before"] = _peak_mb()
        for label in ("first", "again"):
            times = company(label)
            figures[label].append(sum(times.values()))
            for kind, seconds in times.items():
                per_kind[label].setdefault(kind, []).append(seconds)
            peaks[label] = _peak_mb()
    sizes = ", ".join(f"{kind} {len(data) / 1e6:.0f} MB" for kind, data in files.items())
    print(
        f"{rows['accounts']:,} accounts, {rows['contacts']:,} contacts, {rows['lines']:,} lines "
        f"({sizes}); {User.objects.count()} members; "
        f"{os.environ['DATABASE_URL'].split(':', 1)[0]}; {args.repeat} repeat(s)"
    )
    for name, summary in summaries.items():
        print(f"  {name}: {summary}")
    base = statistics.median(figures["baseline"])
    for name in ("baseline", "first", "again"):
        median = statistics.median(figures[name])
        kinds = ""
        if name in per_kind:
            kinds = (
                "  ("
                + ", ".join(
                    f"{kind} {statistics.median(values):.1f} s"
                    for kind, values in per_kind[name].items()
                )
                + ")"
            )
        print(
            f"{name:9s} median {median:7.1f} s  {total_rows / median:9,.0f} rows/s  "
            f"{median / base:5.1f}x baseline{kinds}"
        )
    cpu = {
        name: statistics.median(
            [sum(CPU[f"{name} {kind}"][n] for kind in services) for n in range(args.repeat)]
        )
        if name != "baseline"
        else statistics.median(CPU["baseline"])
        for name in ("baseline", "first", "again")
    }
    print(
        "CPU time (user + system) of the process: "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in cpu.items())
        + f"; first / baseline {cpu['first'] / cpu['baseline']:.2f}x"
    )
    print(
        f"peak memory: {peaks['before']:,.0f} MB before the imports, "
        f"{peaks['first']:,.0f} MB after the first, {peaks['again']:,.0f} MB after the re-import"
    )


if __name__ == "__main__":
    main()
