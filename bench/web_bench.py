"""Web benchmark: the account list and the account page at 100,000 accounts (not a test).

    uv run python bench/web_bench.py [--accounts 100000] [--duration 15] [--warmup 3]
                                     [--repeat 1] [--databases sqlite,postgres] [--reload]
                                     [--warm-requests 1]

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
GUNICORN_WORKERS, GUNICORN_THREADS = 2, 4

#: key → (label, path). ``{account}`` is the busiest high-touch account owned by the logged-in
#: user, ``{model}`` the published adoption score model for every touch model (the one most
#: accounts are scored with), ``{member}`` the logged-in user's id.
PAGES: dict[str, tuple[str, str]] = {
    "list": ("list, first page", "/accounts/"),
    "search": ("list, kana search ヤマ", "/accounts/?" + urllib.parse.urlencode({"q": "ヤマ"})),
    "high-mrr": ("list, high touch by -MRR p3", "/accounts/?segment=high&sort=-mrr&page=3"),
    "deep": ("list, page 1500", "/accounts/?page=1500"),
    "account": ("account page", "/accounts/{account}/"),
    "today": ("今日 (own book)", "/today/"),
    "tech": ("coverage drill-down, tech", "/coverage/uncovered/?segment=tech"),
    "backtest": ("score model + backtest", "/health/models/{model}/"),
    "health": ("health portfolio", "/health/"),
    "onboarding": ("onboarding dashboard", "/onboarding/dashboard/"),
}
#: the account list and the account page: the pages the issue-2 goal is about
DEFAULT_PAGES = ("list", "search", "high-mrr", "deep", "account")
#: ``--sweep``: every page without a form to post, timed in-process (goal: under 1 s each)
SWEEP: tuple[str, ...] = (
    "/",
    "/accounts/",
    "/accounts/{account}/",
    "/today/",
    "/coverage/",
    "/coverage/uncovered/?segment=high",
    "/coverage/uncovered/?segment=low",
    "/coverage/uncovered/?segment=tech",
    "/load/",
    "/capacity/",
    "/segments/",
    "/segments/exceptions/",
    "/revenue/",
    "/usage/",
    "/onboarding/",
    "/onboarding/dashboard/",
    "/onboarding/templates/",
    "/health/",
    "/health/approach/",
    "/health/models/",
    "/health/models/{model}/",
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


def worker(env: dict[str, str], command: str, *args: str) -> Any:
    """Run this script's in-process part against one database; it answers one JSON line."""
    out = subprocess.run(
        [sys.executable, __file__, "--worker", command, *args],
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


def worker_main(command: str, paths: list[str], username: str, warm_requests: int = 1) -> None:
    """Runs inside Django (settings from the environment); prints one JSON line: for
    ``probe``, the placeholders of the page paths and, per path (``paths``, with
    placeholders), the status, the SQL queries, the first (cold) request's time, the median
    time of the ``warm_requests`` requests after it (each time in ``warm_ms``) and the
    slowest query of the last one."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kizuna.apps.customers.models import Account
    from kizuna.apps.health.models import ModelStatus, ScoreModelVersion
    from kizuna.apps.org.models import User

    if command == "count":
        print(json.dumps({"accounts": Account.objects.count()}))
        return
    if command == "html":
        html_dump(paths, username)
        return
    user = User.objects.get(username=username)
    busiest = (
        Account.objects.filter(owner=user, segment="high")
        .annotate(n=Count("touchpoints"))
        .order_by("-n", "id")
        .values_list("id", "n")
        .first()
    ) or (Account.objects.order_by("id").values_list("id", flat=True).first(), 0)
    account_id, touchpoints = busiest
    model = (
        ScoreModelVersion.objects.filter(status=ModelStatus.PUBLISHED, phase="adoption")
        .order_by("segment", "-version")
        .values_list("pk", flat=True)
        .first()
    )
    values = {"account": account_id, "model": model, "member": user.pk}
    client = Client()
    client.force_login(user)
    if command == "profile":
        profile_pages(client, [path.format(**values) for path in paths], warm_requests)
        return
    pages = {}
    for path in paths:
        url = path.format(**values)
        started = time.perf_counter()
        client.get(url)  # warms caches and connections
        cold = time.perf_counter() - started
        warm = []
        for _ in range(max(1, warm_requests)):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                warm.append(time.perf_counter() - started)
        pages[path] = {
            "url": url,
            "status": response.status_code,
            "queries": len(queries.captured_queries),
            "cold_ms": round(cold * 1000, 1),
            "in_process_ms": round(statistics.median(warm) * 1000, 1),
            "warm_ms": [round(t * 1000, 1) for t in warm],
            "slowest_sql_ms": max(
                (float(q["time"]) * 1000 for q in queries.captured_queries), default=0.0
            ),
        }
    owned = Account.objects.filter(owner=user, mrr__gt=0).count()
    print(
        json.dumps(
            {**values, "touchpoints": touchpoints, "owned_active": owned, "pages": pages},
            ensure_ascii=False,
        )
    )


def profile_pages(client: Any, urls: list[str], requests: int) -> None:
    """``--worker profile``: per URL, after two warm-up requests, the CPU time (this process:
    Django, the template, the database driver; SQLite's own work included, PostgreSQL's not)
    of ``requests`` requests without a profiler, then the same requests under cProfile; prints
    the top functions to stderr and one JSON line (median CPU and wall ms per request; the
    queries are counted by ``probe``)."""
    import cProfile
    import io
    import pstats

    pages = {}
    for url in urls:
        for _ in range(2):
            client.get(url)
        cpu, wall = [], []
        for _ in range(max(1, requests)):
            started_cpu, started = time.process_time(), time.perf_counter()
            response = client.get(url)
            cpu.append(time.process_time() - started_cpu)
            wall.append(time.perf_counter() - started)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(max(1, requests)):
            client.get(url)
        profiler.disable()
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
        print(f"===== {url}\n{text.getvalue()}", file=sys.stderr)
        pages[url] = {
            "status": response.status_code,
            "cpu_ms": round(statistics.median(cpu) * 1000, 2),
            "wall_ms": round(statistics.median(wall) * 1000, 2),
            "bytes": len(response.content),
        }
    print(json.dumps({"requests": requests, "pages": pages}, ensure_ascii=False))


#: what differs between two renderings of the same page by design: the CSRF token (masked
#: anew per response) and the CSP nonce
VOLATILE = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": "|nonce=")[^"]*')


def html_dump(paths: list[str], username: str) -> None:
    """``--worker html``: the HTML of each path (no placeholders) as ``username``, with the
    volatile parts blanked, to compare a page before and after a change; one JSON line."""
    from django.test import Client

    from kizuna.apps.org.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    pages = {}
    for path in paths:
        response = client.get(path)
        pages[path] = {
            "status": response.status_code,
            "html": VOLATILE.sub(r"\1…", response.content.decode()),
        }
    print(json.dumps(pages, ensure_ascii=False))


def sweep_report(database: str, probe: dict[str, Any]) -> None:
    """``--sweep``: every page's cold and warm in-process time against the 1 s goal."""
    print()
    print(
        f"{database}: every page in-process (Django test client, as {probe['username']}; "
        f"cold = first request, warm = the second)"
    )
    head = f"{'page':<44} {'status':>6} {'queries':>7} {'cold':>9} {'warm':>9} {'slowest SQL':>11}"
    print(head)
    print("-" * len(head))
    for page in probe["pages"].values():
        flag = "  > 1 s" if page["in_process_ms"] >= 1000 else ""
        print(
            f"{page['url']:<44} {page['status']:>6} {page['queries']:>7} "
            f"{page['cold_ms']:>6.0f} ms {page['in_process_ms']:>6.0f} ms "
            f"{page['slowest_sql_ms']:>8.1f} ms{flag}"
        )


# --------------------------------------------------------------------------- server and wrk


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def start_server(database: str, *, workers: int, threads: int) -> subprocess.Popen[bytes]:
    port = PORTS[database]
    if not port_free(port):
        die(f"port {port} is in use")
    log = open(BENCH_DIR / f"gunicorn-{database}.log", "wb")  # noqa: SIM115 - lives with server
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "kizuna.wsgi",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
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


def login(base: str, username: str) -> str:
    """Log in as ``username`` like a browser does; the ``sessionid`` cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    opener.open(f"{base}/login/").read()
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    body = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf}
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
    pages = [PAGES[key] for key in args.pages]
    print()
    print(
        f"Web benchmark: {args.accounts:,} accounts, gunicorn {args.workers} workers × "
        f"{args.threads} threads, wrk {args.duration} s per cell after {args.warmup} s warm-up, "
        f"median of {args.repeat} run(s), {os.cpu_count()} CPU(s), load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end"
    )
    for database in databases:
        load = loads[database]
        probe = probes[database]
        print(
            f"  {database}: load {'cached' if load is None else f'{load:.0f} s'}; account page = "
            f"/accounts/{probe['account']}/ ({probe['touchpoints']} touchpoints); "
            f"{probe['username']} owns {probe['owned_active']:,} active accounts"
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
    for label, _ in pages:
        for connections in args.connections:
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
        head += f" | {database + ' queries':>16} {'cold':>9} {'warm':>9} {'slowest SQL':>12}"
    print(head)
    print("-" * len(head))
    for label, path in pages:
        row = cell_text(label, 29)
        for database in databases:
            page = probes[database]["pages"][path]
            row += (
                f" | {page['queries']:>16} {page['cold_ms']:>6.0f} ms {page['in_process_ms']:>6.0f}"
                f" ms {page['slowest_sql_ms']:>9.1f} ms"
            )
        print(row)
    print(
        "(in-process Django test client: the first request (cold) and a second one (warm), "
        "whose queries are counted; the SQL time is its slowest query)"
    )
    verdict = [
        f"{database}/{label}"
        for database in databases
        for label, _ in pages
        if (
            GOAL_CONNECTIONS in args.connections
            and results[database][(label, GOAL_CONNECTIONS)].p95_ms >= GOAL_P95_MS
        )
        or any(results[database][(label, c)].errors for c in args.connections)
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
    parser.add_argument(
        "--pages",
        default=",".join(DEFAULT_PAGES),
        help=f"comma-separated, of: {', '.join(PAGES)}; or 'all'",
    )
    parser.add_argument("--connections", default="1,20", help="wrk connections per cell")
    parser.add_argument(
        "--user", default=USERNAME, help="the demo login to use (csm, manager, admin, viewer)"
    )
    parser.add_argument("--workers", type=int, default=GUNICORN_WORKERS)
    parser.add_argument("--threads", type=int, default=GUNICORN_THREADS)
    parser.add_argument(
        "--sweep", action="store_true", help="only time every page in-process (no wrk)"
    )
    parser.add_argument("--reload", action="store_true", help="reload the demo data")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument(
        "--warm-requests",
        type=int,
        default=1,
        help="in-process warm requests per page after the cold one (median)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--paths", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main(args.worker, json.loads(args.paths or "[]"), args.user, args.warm_requests)
        return
    args.pages = list(PAGES) if args.pages == "all" else args.pages.split(",")
    if unknown_pages := set(args.pages) - set(PAGES):
        die(f"unknown page(s): {', '.join(sorted(unknown_pages))} ({', '.join(PAGES)})")
    args.connections = [int(c) for c in args.connections.split(",")]
    if shutil.which("wrk") is None and not args.sweep:
        die("wrk is not installed: `sudo apt-get install wrk` (Debian/Ubuntu), then run again")
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    if unknown := set(databases) - set(PORTS):
        die(f"unknown database(s): {', '.join(sorted(unknown))} (sqlite, postgres)")

    loads: dict[str, float | None] = {}
    probes: dict[str, Any] = {}
    results: dict[str, dict[tuple[str, int], Cell]] = {}
    paths = list(SWEEP) if args.sweep else [PAGES[key][1] for key in args.pages]
    with tempfile.TemporaryDirectory() as tmp:
        lua = Path(tmp) / "kizuna_wrk.lua"
        lua.write_text(WRK_LUA)
        for database in databases:
            print(f"[{database}] preparing", flush=True)
            loads[database] = prepare(database, accounts=args.accounts, reload=args.reload)
            probes[database] = probe = worker(
                db_env(database),
                "probe",
                "--paths",
                json.dumps(paths),
                "--user",
                args.user,
                "--warm-requests",
                str(args.warm_requests),
            )
            probe["username"] = args.user
            if args.sweep:
                sweep_report(database, probe)
                continue
            for path, page in probe["pages"].items():
                if page["status"] != 200:
                    die(f"{database}: {path} answered {page['status']} in-process")
            server = start_server(database, workers=args.workers, threads=args.threads)
            try:
                base = f"http://127.0.0.1:{PORTS[database]}"
                session = login(base, args.user)
                results[database] = {}
                for key in args.pages:
                    label, path = PAGES[key]
                    url = base + probe["pages"][path]["url"]
                    check_page(url, session)
                    for connections in args.connections:
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
    if not args.sweep:
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
