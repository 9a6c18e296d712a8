"""``kizuna openapi``: write the REST API's OpenAPI document, or check it has not drifted."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from kizuna.cli.django_setup import setup

DEFAULT_PATH = Path("docs/openapi.json")


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "openapi", help="write docs/openapi.json, or --check that it matches the code"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the committed document differs"
    )
    parser.set_defaults(handler=run)


def current_document() -> str:
    setup()  # before any app module: models need Django's app registry
    from kizuna.api import api

    schema = api.get_openapi_schema()
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def run(args: argparse.Namespace) -> int:
    document = current_document()
    path: Path = args.out
    if args.check:
        committed = path.read_text(encoding="utf-8") if path.exists() else ""
        if committed != document:
            print(f"{path} is out of date with the API: run `kizuna openapi` and commit it.")
            return 1
        print(f"{path} matches the API.")
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document, encoding="utf-8")
    print(f"wrote {path}")
    return 0
