"""Two HTTP batches with one Idempotency-Key sent at the same moment, from two threads.

Used by ``test_idempotency_race``: in-process on PostgreSQL, and as ``python -m
tests.apps.usage.race`` on a SQLite file (the in-memory test database of SQLite cannot take
concurrent connections), which prints the outcome as JSON.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.test import Client


def event(user: str, at: str = "2026-03-02T10:00:00+09:00") -> dict[str, str]:
    return {"account_key": "yamada", "user_id": user, "event": "expense.create", "occurred_at": at}


BODIES = {
    "a": [event(user="a1"), event(user="a2")],  # 2 March
    "b": [event(user=f"b{n}", at="2026-03-04T10:00:00+09:00") for n in range(3)],  # 4 March
}


def race(admin: Any, bodies: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Send each body with the key ``k`` from its own thread. Both pass the key look-up and
    parse their body, then wait for each other, so they reach the ingestion together."""
    from kizuna.apps.org.services import api_token_create
    from kizuna.apps.usage import api

    _token, raw = api_token_create(user=admin, name="race")
    barrier = threading.Barrier(len(bodies), timeout=30)
    receive = api.usage_batch_receive

    def together(**kwargs: Any) -> Any:
        barrier.wait()
        return receive(**kwargs)

    api.usage_batch_receive = together  # type: ignore[assignment]
    answers: dict[str, Any] = {}

    def send(name: str, body: list[dict[str, Any]]) -> None:
        try:
            response = Client().post(
                "/api/v1/usage/events",
                json.dumps(body),
                content_type="application/json",
                headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": "k"},
            )
            answers[name] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=item) for item in bodies.items()]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        api.usage_batch_receive = receive  # type: ignore[assignment]
    return answers


def outcome(answers: dict[str, Any]) -> dict[str, Any]:
    """What was answered, stored and counted once the worker rolled the days up."""
    from kizuna.apps.usage.models import IdempotencyKey, IngestionRun, UsageDay
    from kizuna.apps.usage.services.ingestion import usage_rollup_pending
    from kizuna.core.usage.store import EventStore, batch_of

    usage_rollup_pending()
    return {
        "answers": {name: list(answer) for name, answer in answers.items()},
        "runs": list(IngestionRun.objects.values_list("batch_id", flat=True)),
        "keys": list(IdempotencyKey.objects.values_list("run__batch_id", flat=True)),
        "files": sorted({batch_of(p) for p in EventStore(settings.USAGE_DIR).files()}),
        "counted": {str(d): n for d, n in UsageDay.objects.values_list("day", "events")},
    }


def main(args: list[str]) -> None:
    """``--migrate``: only create the database; else race the bodies named (``a``, ``b``)."""
    import django

    django.setup()
    from django.core.management import call_command

    from kizuna.apps.usage.models import FeatureDefinition
    from kizuna.apps.usage.services.ingestion import account_key_map, usage_source_get
    from tests.factories import build_world

    if args == ["--migrate"]:
        call_command("migrate", verbosity=0)
        return
    names = args
    world = build_world()
    source = usage_source_get(code="default")
    account_key_map(source=source, account_key="yamada", account_id=world.account.pk)
    FeatureDefinition.objects.create(event="expense.create", feature="e", product=world.product)
    connection.close()
    answers = race(world.admin, {f"{name}{n}": BODIES[name] for n, name in enumerate(names)})
    print(json.dumps(outcome(answers)))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    main(sys.argv[1:])
