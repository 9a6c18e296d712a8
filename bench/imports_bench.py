"""Account import from a CRM export: a first import, a re-import of the same file, an edited one.

    uv run python bench/imports_bench.py                   # 20,000 accounts, SQLite, 3 repeats
    uv run python bench/imports_bench.py --accounts 100000 --repeat 1
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kizuna_bench \
        uv run python bench/imports_bench.py

The file is a Japanese Salesforce account report in Shift_JIS (full-width digits in 従業員数,
owners by name). Each repeat starts from an empty account table (migrated once). The baseline,
measured side by side in the same run, is the least any import must do: one
``Account.objects.bulk_create`` of the same accounts (no file, no checks, no audit); the
import's figure is given as a ratio to it. Medians of ``--repeat`` runs; the machine is shared,
so read the ratios rather than the seconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def _export(accounts: int, members: int) -> str:
    digits = str.maketrans("0123456789", "０１２３４５６７８９")
    lines = ['"取引先 ID","取引先名","取引先 所有者","業種","従業員数","説明"']
    industries = ("製造", "小売", "テクノロジー", "銀行", "建設", "その他")
    for n in range(accounts):
        count = str(10 + n % 5000).translate(digits)
        lines.append(
            f'"001B{n:011d}","株式会社サンプル{n}","担当 {n % members}",'
            f'"{industries[n % len(industries)]}","{count}","説明{n}\n二行目"'
        )
    return "\r\n".join(lines) + "\r\n"


def _timed(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="kizuna-imports-bench-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from kizuna.apps.audit.models import AuditEvent
    from kizuna.apps.customers.models import Account
    from kizuna.apps.imports.models import ImportRun, SavedMapping
    from kizuna.apps.imports.services import accounts_import
    from kizuna.apps.org.models import User

    call_command("migrate", verbosity=0)
    members = 200
    for n in range(members):
        User.objects.get_or_create(username=f"bench{n}", defaults={"display_name": f"担当 {n}"})
    data = _export(args.accounts, members).encode("cp932")
    edited = _export(args.accounts, members).replace("株式会社サンプル7", "株式会社サンプル改7")
    edited_data = edited.encode("cp932")

    def empty() -> None:
        AuditEvent.objects.all().delete()
        Account.objects.all().delete()
        ImportRun.objects.all().delete()
        SavedMapping.objects.all().delete()

    def baseline() -> None:
        Account.objects.bulk_create(
            Account(name=f"株式会社サンプル{n}", external_crm_id=f"001B{n:011d}")
            for n in range(args.accounts)
        )

    summaries: dict[str, str] = {}

    def run(name: str, payload: bytes) -> None:
        result = accounts_import(actor=None, data=payload, file_name="bench.csv")
        summaries[name] = result.plan.summary

    figures: dict[str, list[float]] = {"baseline": [], "first": [], "again": [], "edited": []}
    for _ in range(args.repeat):
        empty()
        figures["baseline"].append(_timed(baseline))
        empty()
        figures["first"].append(_timed(lambda: run("first", data)))
        figures["again"].append(_timed(lambda: run("again", data)))
        figures["edited"].append(_timed(lambda: run("edited", edited_data)))
    print(f"{args.accounts:,} accounts, {len(data) / 1e6:.1f} MB Shift_JIS, {args.repeat} repeats")
    for name, summary in summaries.items():
        print(f"{name}: {summary}")
    base = statistics.median(figures["baseline"])
    for name, times in figures.items():
        median = statistics.median(times)
        print(
            f"{name:9s} median {median:6.2f} s  {args.accounts / median:9,.0f} rows/s  "
            f"{median / base:5.1f}x baseline"
        )


if __name__ == "__main__":
    main()
