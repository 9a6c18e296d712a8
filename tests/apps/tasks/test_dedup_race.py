"""Two creates of one dedup key at the same moment, from two threads with their own database
connections (PostgreSQL: SQLite's in-memory test database takes no concurrent connections):
both find no task with the key, both insert; the unique constraint lets one win and the other
gets the winner's task, so the key has one task and both callers hold it."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from kizuna.apps.tasks import services
from kizuna.apps.tasks.models import Task
from kizuna.apps.tasks.services import task_create
from tests.apps.tasks.conftest import TODAY
from tests.factories import build_world

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)"
)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_creates_of_one_key_make_one_task(monkeypatch: pytest.MonkeyPatch) -> None:
    # given two callers who both find the key free before either inserts
    world = build_world()
    barrier = threading.Barrier(2, timeout=30)
    real_lookup = services._active_with_key
    seen: list[int] = []

    def lookup_then_wait(key: str) -> Task | None:
        found = real_lookup(key)
        if len(seen) < 2:
            seen.append(1)
            barrier.wait()
        return found

    monkeypatch.setattr(services, "_active_with_key", lookup_then_wait)
    results: dict[str, Any] = {}

    def create(name: str) -> None:
        try:
            task, created = task_create(
                actor=None,
                account=world.account,
                owner=world.csm,
                title=name,
                due_date=TODAY,
                origin="rule",
                origin_id=3,
                dedup_key="rule:3:account:1",
            )
            results[name] = (task.pk, created)
        except Exception as error:  # reported by the assertion below
            results[name] = error
        finally:
            connection.close()

    # when both create at once
    threads = [threading.Thread(target=create, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    # then one task exists, one caller created it and the other got it
    assert Task.objects.filter(dedup_key="rule:3:account:1").count() == 1
    winner = Task.objects.get(dedup_key="rule:3:account:1")
    assert sorted(results.values()) == [(winner.pk, False), (winner.pk, True)]
