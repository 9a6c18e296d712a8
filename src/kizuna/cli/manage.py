"""``kizuna manage …``: Django's management commands (migrate, createsuperuser, …)."""

from __future__ import annotations

import argparse
from typing import Any

from kizuna.cli.django_setup import setup


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "manage",
        help="run a Django management command (migrate, collectstatic, run_jobs, …)",
        add_help=False,
    )
    parser.set_defaults(handler=run, accepts_extra=True)


def run(args: argparse.Namespace) -> int:
    setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kizuna manage", *args.extra])
    return 0
