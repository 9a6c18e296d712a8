"""API of the touch model and coverage."""

from __future__ import annotations

import datetime as dt
import json

from django.test import Client

from kizuna.apps.coverage.services import coverage_snapshot_fill
from kizuna.apps.org.services import api_token_create
from kizuna.apps.segments.models import SegmentException
from tests.factories import SubscriptionLineFactory, TouchpointFactory, World


def headers(user: object) -> dict[str, str]:
    _token, raw = api_token_create(user=user, name="t")  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {raw}"}


def test_it_serves_coverage_rows_and_the_worklist(world: World) -> None:
    world.account.segment = "high"
    world.account.mrr = 100_000
    world.account.save()
    SubscriptionLineFactory(
        account=world.account, product=world.product, start_date=dt.date(2026, 1, 1)
    )
    TouchpointFactory(
        account=world.account,
        csm=world.csm,
        occurred_at=dt.datetime(2026, 10, 20, 1, 0, tzinfo=dt.UTC),
    )
    coverage_snapshot_fill(day=dt.date(2026, 10, 31))
    client = Client()
    rows = client.get(
        "/api/v1/coverage",
        {"scope": "segment", "as_of": "2026-10-31"},
        headers=headers(world.viewer),
    ).json()
    assert rows == [
        {
            "as_of": "2026-10-31",
            "scope": "segment",
            "segment": "high",
            "team": None,
            "csm": None,
            "covered": 1,
            "total": 1,
            "rate": 1.0,
            "target": 0.8,
        }
    ]
    mine = client.get("/api/v1/worklist", headers=headers(world.csm)).json()
    assert [row["name"] for row in mine] == ["株式会社山田製作所"]
    assert (
        client.get("/api/v1/worklist", {"csm": "csm"}, headers=headers(world.outsider)).status_code
        == 403
    )


def test_it_creates_an_exception_through_the_api_with_field_errors(world: World) -> None:
    client = Client()
    body = {
        "account_id": world.account.pk,
        "segment": "high",
        "reason": "",
        "expires_on": "2027-03-31",
    }
    bad = client.post(
        "/api/v1/segment-exceptions",
        json.dumps(body),
        content_type="application/json",
        headers=headers(world.manager),
    )
    assert bad.status_code == 400
    assert "reason" in bad.json()["error"]["fields"]
    body["reason"] = "全社展開の準備中"
    good = client.post(
        "/api/v1/segment-exceptions",
        json.dumps(body),
        content_type="application/json",
        headers=headers(world.manager),
    )
    assert good.status_code == 201, good.json()
    assert good.json()["previous_segment"] == "tech"
    assert SegmentException.objects.count() == 1
    csm = client.post(
        "/api/v1/segment-exceptions",
        json.dumps(body),
        content_type="application/json",
        headers=headers(world.csm),
    )
    assert csm.status_code == 403
