"""Web benchmark: the account list and the account page at 100,000 accounts (not a test).

    uv run python bench/web_bench.py [--accounts 100000] [--duration 15] [--warmup 3]
                                     [--repeat 1] [--databases sqlite,postgres] [--reload]

For each database (SQLite in ``var/bench/sqlite/``, PostgreSQL database ``kizuna_bench`` on
127.0.0.1:5432, user ``postgres``) the script

1. loads the demo company (``kizuna demo --no-serve --accounts N``) unless the cached
   database already holds N accounts (``--reload`` forces a reload); the load time is printed;
2. counts the SQL queries of one request per page in-process (Django test client +
   ``CaptureQueriesContext``) against the same database;
3. starts the production server, ``gunicorn kizuna.wsgi --workers 2 --threads 4`` (as
   ``kizuna demo`` serves it), logs in as ``csm`` and drives each page with ``wrk`` at 1 and
   20 concurrent connections: a ``--warmup`` run (discarded), then ``--repeat`` runs of
   ``--duration`` seconds; medians are reported.

Reported per (database, page, connections): p50/p95 latency and errors (non-2xx responses plus
socket errors: connect, read, write, timeout). The goal (issue 2) is p95 < 300 ms at 20
connections with zero errors; each p95 is printed as a ratio of that goal, and PostgreSQL is
printed as a ratio of SQLite measured side by side in the same run.

``wrk`` is the Debian package (``apt-get install wrk``). wrk itself shares the machine's cores
with gunicorn, as a real load test on one box does.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
BENCH_DIR = ROOT / "var" / "bench"
PG_ADMIN = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1"]
PG_DB = "kizuna_bench"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
PORTS = {"sqlite": 8101, "postgres": 8102}
USERNAME, PASSWORD = "csm", "kizuna-demo"
GOAL_P95_MS = 300.0
GOAL_CONNECTIONS = 20
CONNECTIONS = (1, 20)

#: (label, path); ``{account}`` is the busiest high-touch account owned by ``csm``.
PAGES: tuple[tuple[str, str], ...] = (
    ("list, first page", "/accounts/"),
    ("list, kana search ヤマ", "/accounts/?" + urllib.parse.urlencode({"q": "ヤマ"})),
    ("list, high touch by -MRR p3", "/accounts/?segment=high&sort=-mrr&page=3"),
    ("list, page 1500", "/accounts/?page=1500"),
    ("account page", "/accounts/{account}/"),
)

#: wrk's own summary counts only status >= 400 as errors; this hook counts every non-2xx (a
#: 302 to the login page is a failure too) and prints p95, which ``--latency`` does not.
WRK_LUA = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("non2xx") end
  local e = summary.errors
  io.write(string.format(
    "KIZUNA_RESULT {\"requests\": %d, \"duration_us\": %d, \"p50_us\": %d, \"p95_us\": %d, " ..
    "\"p99_us\": %d, \"max_us\": %d, \"non2xx\": %d, \"connect\": %d, \"read\": %d, " ..
    "\"write\": %d, \"timeout\": %d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, bad, e.connect, e.read, e.write, e.timeout))
end
"""


def die(message: str) -> None:
    print(f"web_bench: {message}", file=sys.stderr)
    raise SystemExit(2)


# --------------------------------------------------------------------------- databases


def db_env(database: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update(
        KIZUNA_DATA_DIR=str(BENCH_DIR / database),  # SQLite file and collected static files
        KIZUNA_DEBUG="0",
        KIZUNA_HTTPS="0",  # production settings, but plain HTTP on localhost
        KIZUNA_LOG_LEVEL="WARNING",
        KIZUNA_SECRET_KEY="kizuna-web-bench-not-a-secret-0123456789abcdefghijklmnopqrstuv",
        DJANGO_SETTINGS_MODULE="kizuna.settings",
        PYTHONUNBUFFERED="1",
    )
    if database == "postgres":
        env["DATABASE_URL"] = PG_URL
    return env


def kizuna(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(VENV_BIN / "kizuna"), *args], env=env, check=True, cwd=ROOT)


def worker(env: dict[str, str], *args: str) -> Any:
    """Run this script's in-process part against one database; it answers one JSON line."""
    out = subprocess.run(
        [sys.executable, __file__, "--worker", *args],
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def pg_ensure(recreate: bool) -> None:
    if shutil.which("psql") is None:
        die("psql not found (apt-get install postgresql-client)")
    if recreate:
        sql = f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)"
        subprocess.run([*PG_ADMIN, "-qc", sql], check=True, capture_output=True)
    exists = subprocess.run(
        [*PG_ADMIN, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{PG_DB}'"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if exists != "1":
        subprocess.run([*PG_ADMIN, "-qc", f"CREATE DATABASE {PG_DB}"], check=True)


def prepare(database: str, *, accounts: int, reload: bool) -> float | None:
    """Make the cached database hold ``accounts`` demo accounts; the load time, or None."""
    env = db_env(database)
    (BENCH_DIR / database).mkdir(parents=True, exist_ok=True)
    if database == "postgres":
        pg_ensure(recreate=False)
    kizuna(env, "manage", "migrate", "--no-input", "-v", "0")
    count = worker(env, "count")["accounts"]
    load_seconds = None
    if reload or count != accounts:
        print(f"  {database}: {count:,} accounts cached, loading {accounts:,} …", flush=True)
        if database == "postgres":
            pg_ensure(recreate=True)
        else:
            for suffix in ("", "-wal", "-shm"):
                (BENCH_DIR / database / f"kizuna.sqlite3{suffix}").unlink(missing_ok=True)
        started = time.perf_counter()
        kizuna(env, "demo", "--no-serve", "--accounts", str(accounts))
        load_seconds = time.perf_counter() - started
        print(f"  {database}: loaded in {load_seconds:.0f} s", flush=True)
        if database == "postgres":
            subprocess.run([*PG_ADMIN, "-d", PG_DB, "-qc", "VACUUM ANALYZE"], check=True)
    else:
        print(f"  {database}: {count:,} accounts cached (no reload)", flush=True)
    kizuna(env, "manage", "collectstatic", "--no-input", "-v", "0")
    return load_seconds


# --------------------------------------------------------------------------- in-process part


def worker_main(command: str) -> None:
    """Runs inside Django (settings from the environment); prints one JSON line."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kizuna.apps.customers.models import Account
    from kizuna.apps.org.models import User

    if command == "count":
        print(json.dumps({"accounts": Account.objects.count()}))
        return
    csm = User.objects.get(username=USERNAME)
    busiest = (
        Account.objects.filter(owner=csm, segment="high")
        .annotate(n=Count("touchpoints"))
        .order_by("-n", "id")
        .values_list("id", "n")
        .first()
    )
    if busiest is None:
        raise SystemExit("csm owns no high-touch account")
    account_id, touchpoints = busiest
    client = Client()
    client.force_login(csm)
    pages = {}
    for label, path in PAGES:
        url = path.format(account=account_id)
        client.get(url)  # warm caches and connections
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
        pages[label] = {
            "status": response.status_code,
            "queries": len(queries.captured_queries),
            "in_process_ms": round(elapsed * 1000, 1),
            "slowest_sql_ms": max(
                (float(q["time"]) * 1000 for q in queries.captured_queries), default=0.0
            ),
        }
    print(json.dumps({"account": account_id, "touchpoints": touchpoints, "pages": pages}))


# --------------------------------------------------------------------------- server and wrk


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def start_server(database: str) -> subprocess.Popen[bytes]:
    port = PORTS[database]
    if not port_free(port):
        die(f"port {port} is in use")
    log = open(BENCH_DIR / f"gunicorn-{database}.log", "wb")  # noqa: SIM115 - lives with server
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "kizuna.wsgi",
            "--workers",
            "2",
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        env=db_env(database),
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            die(f"gunicorn exited, see {log.name}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5).read()
            return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    die(f"gunicorn did not answer on port {port}, see {log.name}")
    raise AssertionError  # unreachable


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def login(base: str) -> str:
    """Log in as ``csm`` like a browser does; the ``sessionid`` cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    opener.open(f"{base}/login/").read()
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    body = urllib.parse.urlencode(
        {"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": csrf}
    ).encode()
    request = urllib.request.Request(f"{base}/login/", data=body, headers={"Referer": base})
    try:
        opener.open(request).read()
    except urllib.error.HTTPError as error:  # the 302 after a good login
        if error.code != 302:
            raise
    session = next((c.value for c in jar if c.name == "sessionid"), None)
    if session is None:
        die("login failed: no sessionid cookie")
    return str(session)


def check_page(url: str, session: str) -> None:
    request = urllib.request.Request(url, headers={"Cookie": f"sessionid={session}"})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        status = opener.open(request, timeout=60).status
    except urllib.error.HTTPError as error:
        body = error.read().decode(errors="replace")[:2000]
        die(f"{url} answered {error.code}, expected 200:\n{body}")
    if status != 200:
        die(f"{url} answered {status}, expected 200")


@dataclass
class Cell:
    p50_ms: float
    p95_ms: float
    errors: int
    rps: float
    requests: int
    runs: list[dict[str, Any]] = field(default_factory=list)


DISTRIBUTION = re.compile(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, session: str, *, connections: int, seconds: int, lua: Path) -> dict[str, Any]:
    command = [
        "wrk",
        "--latency",
        f"--threads={min(connections, 2)}",
        f"--connections={connections}",
        f"--duration={seconds}s",
        "--timeout=10s",
        f"--script={lua}",
        "--header",
        f"Cookie: sessionid={session}",
        url,
    ]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    marker = next(line for line in out.splitlines() if line.startswith("KIZUNA_RESULT "))
    result: dict[str, Any] = json.loads(marker.removeprefix("KIZUNA_RESULT "))
    # --latency's own distribution (50/75/90/99); p95 comes from the Lua hook.
    result["distribution_ms"] = {
        f"p{pct}": float(value) * UNITS[unit] for pct, value, unit in DISTRIBUTION.findall(out)
    }
    return result


def measure(
    url: str, session: str, *, connections: int, args: argparse.Namespace, lua: Path
) -> Cell:
    if args.warmup:
        wrk(url, session, connections=connections, seconds=args.warmup, lua=lua)
    runs = [
        wrk(url, session, connections=connections, seconds=args.duration, lua=lua)
        for _ in range(args.repeat)
    ]
    errors = [r["non2xx"] + r["connect"] + r["read"] + r["write"] + r["timeout"] for r in runs]
    return Cell(
        p50_ms=statistics.median(r["p50_us"] for r in runs) / 1000,
        p95_ms=statistics.median(r["p95_us"] for r in runs) / 1000,
        errors=int(statistics.median(errors)),
        rps=statistics.median(r["requests"] / (r["duration_us"] / 1e6) for r in runs),
        requests=sum(r["requests"] for r in runs),
        runs=runs,
    )


# --------------------------------------------------------------------------- report


def cell_text(text: str, width: int) -> str:
    """``text`` left-aligned in ``width`` terminal columns (kana are two columns wide)."""
    wide = sum(unicodedata.east_asian_width(char) in "WF" for char in text)
    return text + " " * max(width - len(text) - wide, 0)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "-"


def report(
    databases: list[str],
    results: dict[str, dict[tuple[str, int], Cell]],
    probes: dict[str, Any],
    loads: dict[str, float | None],
    args: argparse.Namespace,
) -> None:
    print()
    print(
        f"Web benchmark: {args.accounts:,} accounts, gunicorn 2 workers × 4 threads, "
        f"wrk {args.duration} s per cell after {args.warmup} s warm-up, "
        f"median of {args.repeat} run(s), {os.cpu_count()} CPU(s)"
    )
    for database in databases:
        load = loads[database]
        probe = probes[database]
        print(
            f"  {database}: load {'cached' if load is None else f'{load:.0f} s'}; account page = "
            f"/accounts/{probe['account']}/ ({probe['touchpoints']} touchpoints)"
        )
    print(f"Goal: p95 < {GOAL_P95_MS:.0f} ms at {GOAL_CONNECTIONS} connections, zero errors.")
    print()
    head = f"{'page':<29} {'conn':>4}"
    for database in databases:
        head += f" | {database + ' p50':>12} {'p95':>8} {'err':>4} {'req/s':>6} {'p95/goal':>8}"
    if len(databases) == 2:
        head += f" | {'pg/sqlite p50':>13} {'p95':>5}"
    print(head)
    print("-" * len(head))
    for label, _ in PAGES:
        for connections in CONNECTIONS:
            row = f"{cell_text(label, 29)} {connections:>4}"
            for database in databases:
                cell = results[database][(label, connections)]
                row += (
                    f" | {cell.p50_ms:>9.1f} ms {cell.p95_ms:>5.0f} ms {cell.errors:>4}"
                    f" {cell.rps:>6.1f} {ratio(cell.p95_ms, GOAL_P95_MS):>8}"
                )
            if len(databases) == 2:
                sqlite, pg = (results[d][(label, connections)] for d in databases)
                row += (
                    f" | {ratio(pg.p50_ms, sqlite.p50_ms):>13} {ratio(pg.p95_ms, sqlite.p95_ms):>5}"
                )
            print(row)
    print("(p95/goal = p95 / 300 ms; pg/sqlite = PostgreSQL figure / SQLite figure, same run)")
    print()
    head = f"{'SQL queries per request':<29}"
    for database in databases:
        head += f" | {database + ' queries':>16} {'1 request':>10} {'slowest SQL':>12}"
    print(head)
    print("-" * len(head))
    for label, _ in PAGES:
        row = cell_text(label, 29)
        for database in databases:
            page = probes[database]["pages"][label]
            row += (
                f" | {page['queries']:>16} {page['in_process_ms']:>7.0f} ms"
                f" {page['slowest_sql_ms']:>9.1f} ms"
            )
        print(row)
    print("(in-process Django test client, one warm request; the SQL time is the slowest query)")
    verdict = [
        f"{database}/{label}"
        for database in databases
        for label, _ in PAGES
        if results[database][(label, GOAL_CONNECTIONS)].p95_ms >= GOAL_P95_MS
        or any(results[database][(label, c)].errors for c in CONNECTIONS)
    ]
    print()
    print("Goal met on every page." if not verdict else "Goal missed: " + ", ".join(verdict))


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=15, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of discarded warm-up")
    parser.add_argument("--repeat", type=int, default=1, help="runs per cell (median)")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--reload", action="store_true", help="reload the demo data")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main(args.worker)
        return
    if shutil.which("wrk") is None:
        die("wrk is not installed: `sudo apt-get install wrk` (Debian/Ubuntu), then run again")
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    if unknown := set(databases) - set(PORTS):
        die(f"unknown database(s): {', '.join(sorted(unknown))} (sqlite, postgres)")

    loads: dict[str, float | None] = {}
    probes: dict[str, Any] = {}
    results: dict[str, dict[tuple[str, int], Cell]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        lua = Path(tmp) / "kizuna_wrk.lua"
        lua.write_text(WRK_LUA)
        for database in databases:
            print(f"[{database}] preparing", flush=True)
            loads[database] = prepare(database, accounts=args.accounts, reload=args.reload)
            probes[database] = probe = worker(db_env(database), "probe")
            for label, page in probe["pages"].items():
                if page["status"] != 200:
                    die(f"{database}: {label} answered {page['status']} in-process")
            server = start_server(database)
            try:
                base = f"http://127.0.0.1:{PORTS[database]}"
                session = login(base)
                results[database] = {}
                for label, path in PAGES:
                    url = base + path.format(account=probe["account"])
                    check_page(url, session)
                    for connections in CONNECTIONS:
                        cell = measure(url, session, connections=connections, args=args, lua=lua)
                        results[database][(label, connections)] = cell
                        print(
                            f"  {cell_text(label, 29)} c={connections:<2} "
                            f"p50 {cell.p50_ms:7.1f} ms  p95 {cell.p95_ms:7.1f} ms  "
                            f"errors {cell.errors}  {cell.rps:.1f} req/s",
                            flush=True,
                        )
            finally:
                server.terminate()
                server.wait(timeout=30)
    report(databases, results, probes, loads, args)
    if args.json:
        raw = {
            "accounts": args.accounts,
            "loads": loads,
            "probes": probes,
            "results": {
                db: {f"{label} c={c}": vars(cell) for (label, c), cell in cells.items()}
                for db, cells in results.items()
            },
        }
        args.json.write_text(json.dumps(raw, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
