"""``kizuna demo``: create the embedded database if empty, load the demo company, serve it."""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

from kizuna.cli.django_setup import setup

DEMO_PASSWORD = "kizuna-demo"


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "demo", help="load the demo company into an empty database and serve it"
    )
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--accounts", type=int, default=2000, help="demo accounts (default 2000)")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-serve", action="store_true", help="load the data and stop")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # A trial on this machine: plain HTTP, and a secret key generated once into the data
    # folder (kizuna.settings); gunicorn inherits this through execv below.
    os.environ.setdefault("KIZUNA_DEMO", "1")
    setup()  # before any app module: models need Django's app registry
    from django.core.management import call_command

    from kizuna.apps.demo.services import demo_load_if_empty

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrated = time.perf_counter()
    print(step_line("migrate", migrated - started), flush=True)
    loaded = demo_load_if_empty(
        accounts=args.accounts,
        seed=args.seed,
        password=DEMO_PASSWORD,
        on_step=lambda step: print(step_line(step.step, step.seconds), flush=True),
    )
    load_done = time.perf_counter()
    print(loaded.describe())
    import logging

    from kizuna.apps.jobs.services import jobs_run_due_runs
    from kizuna.apps.tenant.selectors import tenant_today

    logging.getLogger("kizuna").setLevel(logging.WARNING)  # one summary line per job below
    for run in jobs_run_due_runs(day=tenant_today()):  # snapshots the pages read
        took = "" if run.seconds is None else f" ({run.seconds:.1f} s)"
        print(f"  {run.name}: {run.status}: {run.message}{took}")
    ended = time.perf_counter()
    print(
        f"Total: {ended - started:.1f} s (migrate {migrated - started:.1f} s, "
        f"load {load_done - migrated:.1f} s, daily jobs {ended - load_done:.1f} s)"
    )
    if args.no_serve:
        return 0
    call_command("collectstatic", interactive=False, verbosity=0)
    url = f"http://{args.host}:{args.port}/"
    print(f"\nKizuna is running at {url}  (Ctrl+C to stop)")
    print(f"Logins (password: {DEMO_PASSWORD}):")
    for username, role in loaded.logins:
        print(f"  {username:<10} {role}")
    serve(host=args.host, port=args.port, workers=args.workers)
    return 0


def step_line(step: str, seconds: float) -> str:
    """``  customers         12.3 s``: one step of the load, printed as it ends."""
    return f"  {step:<14}{seconds:8.1f} s"


def serve(*, host: str, port: int, workers: int) -> None:
    """Replace this process with gunicorn, the production server, so the demo behaves like
    production. A fresh process matters: the jobs above started Polars' thread pool, which
    must not be inherited by forked workers."""
    import sys

    command = [
        sys.executable, "-m", "gunicorn", "kizuna.wsgi",
        "--bind", f"{host}:{port}", "--workers", str(workers), "--threads", "4",
        "--access-logfile", os.environ.get("KIZUNA_ACCESS_LOG", "-"),
    ]  # fmt: skip
    sys.stdout.flush()
    os.execv(sys.executable, command)
