"""The kill test: a real ``kizuna import accounts BIG.csv`` process, killed with SIGKILL while
it writes, leaves either nothing of the file (no account, no run) or all of it, never a part;
the next run imports everything, and the one after changes nothing.

A real process against a real database file: on SQLite the migrated (in-memory) test database
is copied to a file the process opens; on PostgreSQL the process opens the test database
itself (hence ``transaction=True``: what the process commits is seen here, and flushed after).
The process writes on a pseudo-terminal, so its progress bar is drawn live: once it shows the
rows being written, the process is killed.
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from kizuna.apps.customers.models import Account
from kizuna.apps.imports.models import ImportRun

ROOT = Path(__file__).resolve().parents[3]
#: the command as installed beside this Python (.venv/bin/kizuna)
KIZUNA = str(Path(sys.executable).with_name("kizuna"))
ROWS = 3000
INDUSTRIES = ("Manufacturing", "Technology", "Retail", "Banking", "製造", "テクノロジー", "")
#: the progress bar once the write has started: "… 2,000/3,000 rows"
WRITING = re.compile(rf"([\d,]+)/{ROWS:,} rows")


def big_salesforce_export(path: Path) -> None:
    """A Salesforce Data Export (API names, UTF-8, CRLF) of ``ROWS`` accounts."""
    lines = ['"Id","IsDeleted","Name","Type","ParentId","Industry","NumberOfEmployees","OwnerId"']
    for n in range(ROWS):
        industry = INDUSTRIES[n % len(INDUSTRIES)]
        employees = "" if n % 11 == 0 else str(n * 7 % 5000)
        lines.append(
            f'"0015g{n:013d}","false","株式会社テスト{n:05d}","Customer","",'
            f'"{industry}","{employees}","0055g00000Owner{n % 3}"'
        )
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A URL the process opens the test's database by."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        target = tmp_path / "kill.sqlite3"
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)
        copy.close()
        yield f"sqlite:///{target}"
        return
    settings = connection.settings_dict
    yield (
        f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@{settings['HOST']}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def counts(database_url: str) -> tuple[int, int]:
    """(accounts imported from Salesforce, import runs) as another connection sees them."""
    accounts, runs = Account._meta.db_table, ImportRun._meta.db_table
    queries = (
        f"SELECT count(*) FROM {accounts} WHERE crm_source = 'salesforce'",
        f"SELECT count(*) FROM {runs}",
    )
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
            found = tuple(db.execute(query).fetchone()[0] for query in queries)
        db.close()
    else:
        with connection.cursor() as cursor:
            found = tuple(cursor.execute(query).fetchone()[0] for query in queries)
    return int(found[0]), int(found[1])


def environment(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url,
        "KIZUNA_DATA_DIR": str(tmp_path),
        "COLUMNS": "120",
        "TERM": "xterm",
    }


def import_and_kill(csv: Path, env: dict[str, str]) -> tuple[int, str]:
    """Start the import on a pseudo-terminal, SIGKILL it once its progress bar shows rows being
    written; its exit status (-9 when killed, 0 when it had finished) and what it printed."""
    main, side = pty.openpty()
    process = subprocess.Popen(
        [KIZUNA, "import", "accounts", str(csv)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=side,
        stderr=side,
    )
    os.close(side)
    seen = ""
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and process.poll() is None:
            ready, _, _ = select.select([main], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(main, 65536).decode(errors="replace")
                except OSError:  # the process closed the terminal
                    break
            if WRITING.search(seen):
                process.send_signal(signal.SIGKILL)
                break
        status = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(main)
    return status, seen


def import_again(csv: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [KIZUNA, "import", "accounts", str(csv)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.rstrip().splitlines()[-1]


@pytest.mark.django_db(transaction=True)
def test_a_killed_import_leaves_all_or_nothing_and_a_rerun_completes_it(
    database_url: str, tmp_path: Path
) -> None:
    # given: a Salesforce export of 3,000 accounts and an empty database
    csv = tmp_path / "Account.csv"
    big_salesforce_export(csv)
    env = environment(database_url, tmp_path)
    assert counts(database_url) == (0, 0)
    # when: the import is killed while its progress bar shows it writing
    status, seen = import_and_kill(csv, env)
    assert WRITING.search(seen), seen[-2000:]
    # then: nothing of the file, or (if it had committed before the kill) all of it
    after_kill = counts(database_url)
    if status == -signal.SIGKILL:
        assert after_kill in ((0, 0), (ROWS, 1)), after_kill
    else:  # it finished before the signal arrived
        assert (status, after_kill) == (0, (ROWS, 1)), seen[-2000:]
    # when: it is run again, then once more
    again = import_again(csv, env)
    once_more = import_again(csv, env)
    # then: the first re-run completes the import, the second changes nothing
    if after_kill == (0, 0):
        assert again == f"created {ROWS:,}, updated 0, unchanged 0, rejected 0"
    else:
        assert again == f"created 0, updated 0, unchanged {ROWS:,}, rejected 0"
    assert once_more == f"created 0, updated 0, unchanged {ROWS:,}, rejected 0"
    assert counts(database_url) == (ROWS, 3 if after_kill == (ROWS, 1) else 2)
