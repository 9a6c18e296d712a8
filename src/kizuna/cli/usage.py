"""``kizuna usage``: import usage event files, rebuild the rollup, refresh the summaries.

``kizuna usage import PATH [--source CODE]`` reads a CSV, Parquet or JSON lines file (format
from the extension, or ``--format``) through ``usage_file_import``, the same path as the
``/usage/`` upload: every 200,000 rows are one atomic batch whose id derives from the file's
content and the chunk number (one rule for both paths), so importing the same file again (after
a crash, by mistake, or once on the web and once here) never counts an event twice. Rejected rows
go to the quarantine (see the ``/usage/`` page).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn
from rich.text import Text

from kizuna.cli.django_setup import setup
from kizuna.core.usage.schema import FILE_FORMATS as FORMATS
from kizuna.core.usage.schema import UsageFileError


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "usage", help="import usage events, rebuild or refresh the usage rollups"
    )
    commands = parser.add_subparsers(dest="usage_command", metavar="ACTION", required=True)
    imp = commands.add_parser("import", help="import a CSV, Parquet or JSON lines file")
    imp.add_argument("path", type=Path)
    imp.add_argument("--source", default="default", help="source code (default: default)")
    imp.add_argument("--format", choices=sorted(set(FORMATS.values())))
    imp.set_defaults(handler=run_import)
    rebuild = commands.add_parser("rebuild", help="recompute every usage day from stored events")
    rebuild.set_defaults(handler=run_rebuild)
    refresh = commands.add_parser("refresh", help="recompute 28-day summaries and drop signals")
    refresh.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
    refresh.set_defaults(handler=run_refresh)


class RowsColumn(ProgressColumn):
    """`` 30% 3,000/10,000 rows`` (an unknown total counts as done: ``100% 0/0 rows``)."""

    def render(self, task: Task) -> Text:
        total, done = int(task.total or 0), int(task.completed)
        share = done / total if total else 1.0
        return Text(f"{share:4.0%} {done:,}/{total:,} rows")


def import_progress(console: Console | None = None) -> Progress:
    """The import's progress bar (rich, on standard output): redrawn in place on a terminal;
    anywhere else (a pipe, a log file, the tests) printed once, plain, when the import ends."""
    return Progress(
        TextColumn("{task.description}"), BarColumn(bar_width=30), RowsColumn(), console=console
    )


def run_import(args: argparse.Namespace) -> int:
    setup()  # before any app module: models need Django's app registry
    from kizuna.apps.usage.services.ingestion import usage_file_import, usage_source_get

    path: Path = args.path
    file_format = args.format or FORMATS.get(path.suffix.lower())
    if file_format is None or not path.is_file():
        print(f"{path}: not a .csv, .parquet or .jsonl file (or use --format)", file=sys.stderr)
        return 2

    with import_progress() as bar:
        rows = bar.add_task(path.name, total=None)

        def progress(done: int, total: int) -> None:
            bar.update(rows, completed=done, total=total)

        try:
            result = usage_file_import(
                source=usage_source_get(code=args.source),
                data=path.read_bytes(),
                file_format=file_format,
                name=path.name,
                progress=progress,
            )
        except UsageFileError as error:
            failed = str(error)
        else:
            failed = ""
    if failed:
        print(f"{path}: {failed}", file=sys.stderr)
        return 1
    print(
        f"{path.name}: {result.stored:,} events stored, {result.rejected:,} rejected (see /usage/)."
    )
    return 0


def run_rebuild(args: argparse.Namespace) -> int:
    setup()  # before any app module: models need Django's app registry
    from kizuna.apps.tenant.selectors import tenant_today
    from kizuna.apps.usage.services.rollups import usage_rebuild, usage_summaries_refresh

    rows = usage_rebuild()
    summaries = usage_summaries_refresh(as_of=tenant_today())
    print(f"{rows:,} account-days rebuilt; {summaries:,} account summaries refreshed.")
    return 0


def run_refresh(args: argparse.Namespace) -> int:
    setup()  # before any app module: models need Django's app registry
    from kizuna.apps.tenant.selectors import tenant_today
    from kizuna.apps.usage.services.rollups import usage_summaries_refresh

    as_of = args.as_of or tenant_today()
    print(f"{usage_summaries_refresh(as_of=as_of):,} account summaries as of {as_of}.")
    return 0
