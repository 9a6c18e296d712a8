"""The summary endpoint of the REST API, and the account page's own MRR movements."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from kizuna.apps.org.services import api_token_create
from kizuna.apps.revenue.services import revenue_snapshots_refresh
from tests.apps.revenue.conftest import AS_OF
from tests.factories import World

SUMMARY = "/api/v1/revenue/summary"


def test_the_summary_endpoint_needs_a_token(world: World) -> None:
    response = Client().get(SUMMARY)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_the_summary_endpoint_returns_the_snapshot_rows_of_a_cut(
    world: World, book: dict[str, Any]
) -> None:
    # given the snapshots and a viewer's token
    revenue_snapshots_refresh(as_of=AS_OF)
    _token, raw = api_token_create(user=world.viewer, name="bi")
    # when they ask for segment "low" from February to March
    response = Client().get(
        SUMMARY,
        {"dimension": "segment", "value": "low", "from": "2024-02-10", "to": "2024-03-31"},
        headers={"Authorization": f"Bearer {raw}"},
    )
    # then the two months come back with their figures
    assert response.status_code == 200
    body = response.json()
    assert [
        (r["month"], r["total_mrr"], r["churn_mrr"], r["logo_churn_rate"], r["ltv"]) for r in body
    ] == [
        ("2024-02-01", 90, 0, 0.0, None),
        ("2024-03-01", 60, 50, 0.5, 240),
    ]  # LTV = 60 / mean(0, 0.5)


def test_a_bad_dimension_is_a_400(world: World) -> None:
    _token, raw = api_token_create(user=world.viewer, name="bi")
    response = Client().get(
        SUMMARY, {"dimension": "colour"}, headers={"Authorization": f"Bearer {raw}"}
    )
    assert response.status_code == 400


def test_the_account_page_lists_the_accounts_own_movements(
    world: World, book: dict[str, Any]
) -> None:
    # given account c: new in February at 40, +20 from March
    client = Client()
    client.force_login(world.viewer)
    # when its page is opened
    body = client.get(
        reverse("customers:account_detail", args=[book["accounts"]["c"].pk])
    ).content.decode()
    # then its movements are listed, latest first
    section = body[body.index('id="mrr-movements"') :]
    assert section.index("2024年3月") < section.index("2024年2月")
    assert "拡大" in section and "新規" in section
    assert "+¥20" in section
    assert "+¥40" in section
