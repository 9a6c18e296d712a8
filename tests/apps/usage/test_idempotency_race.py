"""Two requests with one Idempotency-Key at the same time: the loser writes nothing counted.

Real concurrency, two threads and two database connections: in-process on PostgreSQL; on
SQLite in a subprocess with a database file (see ``race.py``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.apps.usage.race import BODIES, outcome, race
from tests.factories import World

ROOT = Path(__file__).resolve().parents[3]
EXPECTED = {"a": {"2026-03-02": 2}, "b": {"2026-03-04": 3}}


def _run(folder: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"sqlite:///{folder / 'race.sqlite3'}",
        "KIZUNA_DATA_DIR": str(folder),
        "KIZUNA_USAGE_DIR": str(folder / "usage"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.apps.usage.race", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database file, made once and copied for each race."""
    folder = tmp_path_factory.mktemp("race-template")
    _run(folder, ["--migrate"])
    return folder / "race.sqlite3"


def sqlite_race(template: Path, tmp_path: Path, names: list[str]) -> dict[str, Any]:
    shutil.copy(template, tmp_path / "race.sqlite3")
    done = _run(tmp_path, names)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run_race(request: pytest.FixtureRequest, tmp_path: Path, names: list[str]) -> dict[str, Any]:
    if connection.vendor == "sqlite":
        return sqlite_race(request.getfixturevalue("migrated_sqlite"), tmp_path, names)
    world: World = request.getfixturevalue("world")
    request.getfixturevalue("source")
    bodies = {f"{name}{n}": BODIES[name] for n, name in enumerate(names)}
    return outcome(race(world.admin, bodies))


@pytest.mark.django_db(transaction=True)
def test_the_request_answered_409_writes_nothing_that_is_counted(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    # when: two different bodies race with one key
    result = run_race(request, tmp_path, ["a", "b"])
    # then: one is stored, the other refused
    statuses = {name: answer[0] for name, answer in result["answers"].items()}
    assert sorted(statuses.values()) == [201, 409]
    winner = next(name for name, status in statuses.items() if status == 201)
    assert result["answers"][next(n for n in statuses if n != winner)][1]["error"]
    # and only the winner's files exist, and only its events are counted
    assert result["runs"] == result["keys"] == result["files"]
    assert len(result["runs"]) == 1
    assert result["counted"] == EXPECTED[winner[0]]


@pytest.mark.django_db(transaction=True)
def test_the_same_body_twice_at_once_is_one_batch(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    result = run_race(request, tmp_path, ["a", "a"])
    answers = list(result["answers"].values())
    assert sorted(status for status, _body in answers) == [200, 201]
    assert len({body["run_id"] for _status, body in answers}) == 1
    assert result["counted"] == EXPECTED["a"]
