"""The ``kizuna`` command line.

Each sub-command lives in its own module with ``register(subparsers)`` that adds its parser
and sets ``handler`` to a function ``(args) -> int``. Commands that need Django set it up
themselves (``kizuna.cli.django_setup``), so that pure commands such as ``kizuna revenue``
run without a database.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from kizuna.cli import demo, export, health, imports, init, manage, openapi, revenue, usage


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kizuna",
        description="Kizuna: Customer Success operations for B2B SaaS.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (demo, init, revenue, openapi, manage, usage, health, imports, export):
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if extra and not getattr(args, "accepts_extra", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
