"""``kizuna import accounts|contacts|lines|members|answers FILE``: bring accounts, contacts,
subscription lines or members in from a CRM export or Kizuna's own files, and survey answers
from a survey tool's export (docs/imports.md).

    kizuna import accounts|contacts|lines|members FILE [--format salesforce|hubspot|kizuna]
                                         [--mapping MAPPING.json] [--dry-run] [--accept-drift]

Prints the encoding and format found, every rejected row (line and reason), the owners no
member matched, how many accounts (contacts) of the source the file did not name, and ends with
``created N, updated M, unchanged K, rejected R``. Exit status: 0 nothing rejected, 1 rows
rejected (the good rows are imported), 2 the file refused whole (nothing imported).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kizuna.cli.django_setup import setup
from kizuna.cli.usage import import_progress
from kizuna.core.imports.columns import FileRefused
from kizuna.core.imports.plan import Plan
from kizuna.integrations.account_formats import ACCOUNT_FORMATS
from kizuna.integrations.contact_formats import CONTACT_FORMATS
from kizuna.integrations.line_formats import LINE_FORMATS
from kizuna.integrations.member_formats import MEMBER_FORMATS

if TYPE_CHECKING:
    from kizuna.apps.imports.services import ImportResult

OK, REJECTED, REFUSED = 0, 1, 2

#: what each refusal means, in the words the command prints (the page translates its own)
REFUSALS = {
    "too_large": "the file is too large",
    "encoding": "the file is not UTF-8, UTF-16 or Shift_JIS text",
    "empty": "the file has no header row",
    "unknown_format": "no known export format has these columns (use --format)",
    "bad_mapping": "the mapping file is wrong",
    "missing_column": "a required column is missing",
    "wrong_kind": "this is a file of another kind of record (check the command's kind); its column",
    "no_such_format": "there is no such format for this kind of record",
    "drift": (
        "a column of the last import from this source is missing (renamed or removed in the "
        "CRM?); map it with --mapping, or import without it with --accept-drift"
    ),
}


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "import",
        help="import accounts, contacts, subscription lines or members from a Salesforce, "
        "HubSpot or Kizuna export",
    )
    kinds = parser.add_subparsers(dest="import_kind", metavar="KIND", required=True)
    for kind, formats, text in (
        ("accounts", ACCOUNT_FORMATS, "import accounts (upsert by the CRM's id)"),
        ("contacts", CONTACT_FORMATS, "import contacts (upsert by the CRM's id; accounts first)"),
        (
            "lines",
            LINE_FORMATS,
            "import subscription lines: Kizuna's line file (CSV or Parquet, as `kizuna "
            "revenue` reads it) or a HubSpot deal export (closed-won deals); upsert by the "
            "line's id; accounts first",
        ),
        (
            "members",
            MEMBER_FORMATS,
            "import members (matched by e-mail; the CRM user id kept to match account owners)",
        ),
    ):
        command = kinds.add_parser(kind, help=text)
        command.add_argument("path", type=Path, metavar="FILE")
        command.add_argument("--format", choices=sorted(formats), default=None)
        command.add_argument("--mapping", type=Path, default=None, metavar="MAPPING.json")
        command.add_argument("--dry-run", action="store_true", help="show the plan, write nothing")
        command.add_argument(
            "--accept-drift", action="store_true", help="import although a column is gone"
        )
        command.set_defaults(handler=run, noun=kind)
    answers = kinds.add_parser(
        "answers",
        help="import survey answers from a survey tool's CSV export (email, score, comment, "
        "answered_at, program, external_id; docs/imports.md)",
    )
    answers.add_argument("path", type=Path, metavar="FILE")
    answers.add_argument("--dry-run", action="store_true", help="show the plan, write nothing")
    answers.set_defaults(handler=run_answers)


def _refused(path: Path, code: str, detail: str) -> int:
    print(
        f"{path}: refused: {REFUSALS.get(code, code)}{f': {detail}' if detail else ''}",
        file=sys.stderr,
    )
    return REFUSED


def _shown(value: object) -> str:
    """A value as the change lines print it: a date as ``YYYY-MM-DD``, text quoted."""
    return value.isoformat() if isinstance(value, dt.date) else repr(value)


def _print_plan(plan: Plan, *, dry_run: bool, noun: str = "accounts") -> None:
    for change in plan.updated:
        changed = "; ".join(
            f"{name}: {_shown(old)} → {_shown(new)}" for name, (old, new) in change.changes.items()
        )
        print(f"  line {change.line}: {change.external_id} {changed}")
    for reject in plan.rejected:
        value = f" ({reject.value})" if reject.value else ""
        print(f"  line {reject.line}: rejected: {reject.code}{value}")
    for owner, count in plan.unmatched_owners:
        print(f"  owner not matched to a member: {owner} ({count} rows)")
    for external_id, owner in plan.owner_differs:
        what = (
            "role differs in the file (not changed; an admin sets roles)"
            if noun == "members"
            else "owner differs in the CRM (not changed; reassign in Kizuna)"
        )
        print(f"  {what}: {external_id} → {owner}")
    for external_id, parent in plan.unknown_parents:
        print(f"  parent unknown (imported without it): {external_id} → {parent}")
    for external_id, parent in plan.parent_loops:
        print(f"  parent would make a loop (not set): {external_id} → {parent}")
    if plan.missing:
        shown = ", ".join(plan.missing[:10]) + (" …" if len(plan.missing) > 10 else "")
        print(f"  {len(plan.missing):,} {noun} of this source are not in the file (kept): {shown}")
    print(("dry run, nothing written: " if dry_run else "") + plan.summary)


def run(args: argparse.Namespace) -> int:
    setup()  # before any app module: models need Django's app registry
    from kizuna.apps.imports.services import KINDS, run_import

    return _run(args, partial(run_import, KINDS[args.noun]), args.noun)


def run_answers(args: argparse.Namespace) -> int:
    """``kizuna import answers FILE``: every rejected row, then ``created N, rejected R``."""
    setup()
    from kizuna.apps.imports.services import KINDS, run_import

    path: Path = args.path
    try:
        data = path.read_bytes()
    except OSError as error:
        print(f"{error}", file=sys.stderr)
        return REFUSED
    try:
        # the import service of the kind (registered by the surveys app): a real import is a
        # run (the ops page) with its one audit event, as from the page
        result = run_import(
            KINDS["answers"], actor=None, data=data, file_name=path.name, dry_run=args.dry_run
        )
    except FileRefused as refusal:
        return _refused(path, refusal.code, refusal.detail)
    print(f"{path.name}: {result.encoding}")
    for reject in result.plan.rejected:
        value = f" ({reject.value})" if reject.value else ""
        print(f"  line {reject.line}: rejected: {reject.code}{value}")
    summary = f"created {len(result.plan.created):,}, rejected {len(result.plan.rejected):,}"
    print(("dry run, nothing written: " if args.dry_run else "") + summary)
    return REJECTED if result.plan.rejected else OK


def _run(args: argparse.Namespace, service: Callable[..., ImportResult], noun: str) -> int:
    path: Path = args.path
    try:
        data = path.read_bytes()
        mapping_text = args.mapping.read_text(encoding="utf-8") if args.mapping else None
    except (OSError, UnicodeDecodeError) as error:
        print(f"{error}", file=sys.stderr)
        return REFUSED
    refused: FileRefused | None = None
    with import_progress() as bar:
        task = bar.add_task(path.name, total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            result = service(
                actor=None,
                data=data,
                file_name=path.name,
                file_format=args.format,
                mapping_text=mapping_text,
                dry_run=args.dry_run,
                accept_drift=args.accept_drift,
                via="cli",
                progress=progress,
            )
        except FileRefused as refusal:
            refused = refusal
    if refused is not None:
        return _refused(path, refused.code, refused.detail)
    print(f"{path.name}: {result.source}, {result.encoding}")
    _print_plan(result.plan, dry_run=args.dry_run, noun=noun)
    return REJECTED if result.plan.rejected else OK
