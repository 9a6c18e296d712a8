"""``kizuna export --out DIR`` and ``kizuna restore DIR``: every table of the company as CSV and
Parquet with ``manifest.json``, and loading such a folder into an empty Kizuna (docs/export.md).

``kizuna restore`` checks every file against the manifest (SHA-256, row count, columns) and
refuses (exit 2, nothing written) a mismatch or a database that already holds data.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kizuna.cli.django_setup import setup


def register(subparsers: Any) -> None:
    export = subparsers.add_parser(
        "export",
        help="write every table as CSV and Parquet with manifest.json (docs/export.md)",
        description="Write every table of this Kizuna (and its usage store) as CSV and Parquet "
        "files with manifest.json: row counts, columns with type and definition. "
        "Password hashes and API token secrets are left out. See docs/export.md.",
    )
    export.add_argument(
        "--out", required=True, type=Path, metavar="DIR", help="a new or empty folder"
    )
    export.set_defaults(handler=run_export)
    restore = subparsers.add_parser(
        "restore",
        help="load an export into an empty Kizuna (docs/export.md)",
        description="Load a folder written by `kizuna export` into this Kizuna, whose database "
        "and usage store must be empty (freshly migrated). Every file is checked against the "
        "manifest first; on a mismatch or a database with data nothing is written (exit 2). "
        "Members are restored without passwords: set one with `kizuna manage changepassword`.",
    )
    restore.add_argument("folder", type=Path, metavar="DIR")
    restore.add_argument(
        "--from",
        dest="source",
        choices=("parquet", "csv"),
        default="parquet",
        help="which files to read (default: parquet)",
    )
    restore.set_defaults(handler=run_restore)


def run_export(args: argparse.Namespace) -> int:
    setup()  # before any app module: models need Django's app registry
    from kizuna.apps.exports.services import export_write

    out: Path = args.out
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        print(f"{out}: not an empty folder", file=sys.stderr)
        return 2
    result = export_write(out=out)
    for table in result.tables:
        print(f"{table.name:<40} {table.rows:>12,}")
    print(f"Exported {len(result.tables)} tables to {out}")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    setup()
    from kizuna.apps.exports.services import RestoreRefused, export_restore

    try:
        result = export_restore(folder=args.folder, source=args.source)
    except RestoreRefused as refused:
        print(f"Nothing restored: {refused}", file=sys.stderr)
        return 2
    for table in result.tables:
        print(f"{table.name:<40} {table.rows:>12,}")
    print(f"Restored {len(result.tables)} tables from {args.folder}")
    return 0
