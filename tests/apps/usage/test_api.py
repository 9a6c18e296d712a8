"""POST /api/v1/usage/events: idempotent retries, quarantine, 4xx JSON errors, never 500."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kizuna.apps.org.services import api_token_create
from kizuna.apps.usage.models import (
    IngestionRun,
    QuarantinedEvent,
    UsageDay,
    UsagePendingDay,
    UsageSource,
)
from kizuna.apps.usage.services.ingestion import usage_rollup_pending
from tests.apps.usage.conftest import event
from tests.factories import World

URL = "/api/v1/usage/events"


def post(user: Any, body: Any, *, key: str = "", content_type: str = "application/json") -> Any:
    _token, raw = api_token_create(user=user, name="test")
    headers = {"Authorization": f"Bearer {raw}"}
    if key:
        headers["Idempotency-Key"] = key
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return Client().post(URL, data, content_type=content_type, headers=headers)


def test_it_stores_a_batch_and_the_worker_rolls_up_its_day(
    world: World, source: UsageSource
) -> None:
    # when: a batch arrives; its day waits for the worker's rollup (once a minute)
    response = post(world.admin, [event(), event(user="u2"), event(key="nobody")], key="b-1")
    assert list(UsagePendingDay.objects.values_list("day", flat=True)) == [dt.date(2026, 3, 2)]
    assert not UsageDay.objects.exists()
    assert usage_rollup_pending() == 1
    # then
    assert not UsagePendingDay.objects.exists()
    assert response.status_code == 201
    body = response.json()
    assert (body["received"], body["stored"], body["rejected"]) == (3, 2, 1)
    assert body["rejected_rows"] == [{"line": 3, "reason": "unknown_account"}]
    day = UsageDay.objects.get(account=world.account)
    assert (day.day, day.events, day.active_users, day.feature_counts) == (
        dt.date(2026, 3, 2),
        2,
        2,
        {"expense": 2},
    )
    assert QuarantinedEvent.objects.get().raw["account_key"] == "nobody"


def test_a_retried_batch_is_never_counted_twice(world: World, source: UsageSource) -> None:
    batch = [event(), event(user="u2")]
    first = post(world.admin, batch, key="retry-me")
    # when: the client retries (lost answer), with the same key
    second = post(world.admin, batch, key="retry-me")
    # then
    usage_rollup_pending()
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["replayed"] is True
    assert second.json()["run_id"] == first.json()["run_id"]
    assert UsageDay.objects.get(account=world.account).events == 2
    assert IngestionRun.objects.count() == 1


def test_a_retry_without_a_key_rewrites_the_same_files(world: World, source: UsageSource) -> None:
    batch = [event(), event(user="u2")]
    post(world.admin, batch)
    usage_rollup_pending()
    post(world.admin, batch)
    usage_rollup_pending()
    assert UsageDay.objects.get(account=world.account).events == 2


def test_a_key_reused_for_another_batch_is_a_conflict(world: World, source: UsageSource) -> None:
    post(world.admin, [event()], key="k")
    response = post(world.admin, [event(user="u9")], key="k")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_it_takes_ndjson(world: World, source: UsageSource) -> None:
    body = "\n".join(json.dumps(e) for e in [event(), event(user="u2")]) + "\n{broken\n"
    response = post(world.admin, body, content_type="application/x-ndjson")
    assert response.status_code == 201
    assert response.json()["rejected_rows"] == [{"line": 3, "reason": "bad_json"}]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("{not json", 400),
        (json.dumps({"a": 1}), 400),
        ("[]", 400),
        (json.dumps([event()] * 10_001), 413),
    ],
)
def test_bad_bodies_get_json_errors(
    world: World, source: UsageSource, body: str, status: int
) -> None:
    response = post(world.admin, body)
    assert response.status_code == status
    assert "error" in response.json()


def test_objects_without_the_fields_are_rejected_rows(world: World, source: UsageSource) -> None:
    response = post(world.admin, [{"who": "x"}])
    assert response.status_code == 201
    assert response.json()["rejected_reasons"] == {"missing_account_key": 1}


def test_only_admins_send_events(world: World, source: UsageSource) -> None:
    for user in (world.csm, world.manager, world.viewer):
        assert post(user, [event()]).status_code == 403
    assert Client().post(URL, "[]", content_type="application/json").status_code == 401


def test_a_day_queued_again_during_a_rollup_stays_queued(world: World, source: UsageSource) -> None:
    # given: a day queued "after" the rollup started (a later stamp)
    later = timezone.now() + dt.timedelta(minutes=5)
    UsagePendingDay.objects.create(day=dt.date(2026, 3, 2), queued_at=later)
    # when
    done = usage_rollup_pending()
    # then
    assert done == 0
    assert UsagePendingDay.objects.count() == 1
