"""``kizuna revenue``: MRR movements and retention KPIs from a subscriptions file."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "revenue", help="compute MRR movements, churn, GRR, NRR and LTV from a file"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    print("not yet built")
    return 2
