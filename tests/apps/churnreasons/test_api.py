"""The churn-reason API: categories, list, record, correct, the report; hostile input answers
4xx in the one error shape (unknown category, huge note, another account's line, year 9999),
never 500."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from kizuna.apps.churnreasons.models import ChurnReason
from kizuna.apps.org.models import User
from kizuna.apps.org.services import api_token_create
from tests.apps.churnreasons.helpers import churned, ended_line
from tests.factories import ProductFactory, World

pytestmark = pytest.mark.django_db


def api(user: User, method: str, path: str, body: Any = None) -> Any:
    _token, raw = api_token_create(user=user, name="test")
    kwargs: dict[str, Any] = {"headers": {"Authorization": f"Bearer {raw}"}}
    call = getattr(Client(), method)
    if body is not None:
        return call("/api/v1" + path, json.dumps(body), content_type="application/json", **kwargs)
    return call("/api/v1" + path, **kwargs)


def record(world: World, user: User | None = None, **body: Any) -> Any:
    payload = {"account_id": world.account.pk, "churned_on": "2026-11-01", "category": "price"}
    return api(user or world.csm, "post", "/churn-reasons", {**payload, **body})


def test_categories_in_order(world: World) -> None:
    body = api(world.viewer, "get", "/churn-reasons/categories").json()
    assert [c["key"] for c in body][:3] == ["price", "product_fit", "champion_left"]
    assert body[0] == {"key": "price", "name_ja": "価格", "name_en": "Price", "active": True,
                       "order": 10}  # fmt: skip


def test_record_list_and_correct(world: World) -> None:
    # given a churn listed as missing
    missing = churned(world.account)
    listed = api(world.viewer, "get", "/churn-reasons?status=missing").json()
    assert [i["id"] for i in listed["items"]] == [missing.pk]
    assert listed["items"][0]["category"] is None
    # when the owner records it
    created = record(world, note="値上げ")
    # then
    assert created.status_code == 201, created.json()
    body = created.json()
    keys = ("id", "category", "lost_mrr", "line_id", "recorded_by")
    assert [body[k] for k in keys] == [missing.pk, "price", 100_000, None, "csm"]
    assert api(world.viewer, "get", "/churn-reasons?status=missing").json()["items"] == []
    # and a second record is a conflict
    again = record(world)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    # and the manager corrects it
    patched = api(world.manager, "patch", f"/churn-reasons/{missing.pk}", {"category": "budget"})
    assert (patched.status_code, patched.json()["category"]) == (200, "budget")


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"category": "nonsense"}, 400, "category"),
        ({"category": None}, 400, "category"),
        ({"note": "x" * 4001}, 400, "note"),
        ({"churned_on": "9999-12-31"}, 400, "churned_on"),
        ({"churned_on": "0001-01-01"}, 400, "churned_on"),
        ({"churned_on": "2026-11-02"}, 400, "churned_on"),
        ({"account_id": 2**63}, 400, "account_id"),
        ({"account_id": 999_999}, 404, None),
        ({"line_id": 0}, 400, "line_id"),
    ],
)
def test_hostile_input_is_refused(
    world: World, body: dict[str, Any], status: int, field: str | None
) -> None:
    churned(world.account)
    answer = record(world, **body)
    assert answer.status_code == status, answer.json()
    error = answer.json()["error"]
    if field is not None:
        assert field in error["fields"], error
    assert ChurnReason.objects.get().is_missing


def test_a_line_of_another_account_is_refused(world: World) -> None:
    churned(world.account)
    foreign = ended_line(world.other_account)
    answer = record(world, line_id=foreign.pk)
    assert answer.status_code == 400
    assert "line_id" in answer.json()["error"]["fields"]


def test_permissions(world: World) -> None:
    churned(world.account)
    for persona in ("teammate", "outsider", "viewer"):
        answer = record(world, user=getattr(world, persona))
        assert answer.status_code == 403, persona
        assert answer.json()["error"]["code"] == "forbidden"
    reason = ChurnReason.objects.get()
    assert record(world, user=world.admin).status_code == 201
    patched = api(world.outsider, "patch", f"/churn-reasons/{reason.pk}", {"note": "x"})
    assert patched.status_code == 403
    assert api(world.csm, "patch", f"/churn-reasons/{reason.pk}", {}).status_code == 400
    assert api(world.csm, "patch", "/churn-reasons/999999", {"note": "x"}).status_code == 404


def test_a_missing_reason_is_not_patched(world: World) -> None:
    reason = churned(world.account)
    answer = api(world.csm, "patch", f"/churn-reasons/{reason.pk}", {"note": "x"})
    assert answer.status_code == 400
    assert "category" in answer.json()["error"]["fields"]


def test_the_report_exact_values(world: World) -> None:
    # given two churns in October (price ¥100,000 and ¥50,000 on the two accounts), and in
    # April 2026 a cancelled invoice line for a competitor (¥30,000)
    invoice = ProductFactory(code="invoice", name_ja="請求書", name_en="Invoice")
    cancelled = ended_line(world.account, end=dt.date(2026, 4, 1), mrr=30_000, product=invoice)
    churned(world.account, end=dt.date(2026, 10, 1))
    churned(world.other_account, end=dt.date(2026, 10, 20), mrr=50_000)
    for account, line, day, key in (
        (world.account, None, "2026-10-01", "price"),
        (world.other_account, None, "2026-10-20", "price"),
        (world.account, cancelled.pk, "2026-04-01", "competitor"),
    ):
        answer = record(
            world, user=world.admin, account_id=account.pk, line_id=line, churned_on=day,
            category=key,
        )  # fmt: skip
        assert answer.status_code == 201, answer.json()
    # when the report is read per month, and per fiscal year
    month = api(world.viewer, "get", "/churn-reasons/report").json()
    year = api(world.viewer, "get", "/churn-reasons/report?period=fiscal_year&cut=product").json()
    # then
    assert (month["count"], month["lost_mrr"]) == (3, 180_000)
    assert month["cells"] == [
        {"period": "2026-04", "group": "", "category": "competitor", "count": 1,
         "lost_mrr": 30_000, "count_share": 1.0, "mrr_share": 1.0},
        {"period": "2026-10", "group": "", "category": "price", "count": 2,
         "lost_mrr": 150_000, "count_share": 1.0, "mrr_share": 1.0},
    ]  # fmt: skip
    assert month["totals"] == [
        {"category": "price", "count": 2, "lost_mrr": 150_000, "count_share": 2 / 3,
         "mrr_share": 150 / 180},
        {"category": "competitor", "count": 1, "lost_mrr": 30_000, "count_share": 1 / 3,
         "mrr_share": 30 / 180},
    ]  # fmt: skip
    assert [(c["period"], c["group"], c["category"], c["lost_mrr"]) for c in year["cells"]] == [
        ("FY2026", "expense", "price", 150_000),
        ("FY2026", "invoice", "competitor", 30_000),
    ]


def test_an_empty_report(world: World) -> None:
    body = api(world.viewer, "get", "/churn-reasons/report?period=quarter&cut=segment").json()
    assert body == {"period": "quarter", "cut": "segment", "count": 0, "lost_mrr": 0,
                    "cells": [], "totals": []}  # fmt: skip
    bad = api(world.viewer, "get", "/churn-reasons/report?period=week")
    assert bad.status_code == 400
