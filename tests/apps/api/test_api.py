"""REST API v1: tokens, the permission matrix, and bad input answered with 4xx, never 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.customers.models import Account, SubscriptionLine
from kizuna.apps.org.services import api_token_create
from kizuna.apps.touchpoints.models import Touchpoint
from tests.factories import ContactFactory, World

API = "/api/v1"


class Api:
    def __init__(self, user: Any) -> None:
        self.client = Client()
        self.headers = {}
        if user is not None:
            _token, raw = api_token_create(user=user, name="test")
            self.headers = {"Authorization": f"Bearer {raw}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(API + path, params, headers=self.headers)

    def send(self, method: str, path: str, body: Any) -> Any:
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        call = getattr(self.client, method)
        return call(API + path, data, content_type="application/json", headers=self.headers)


def line_body(**changes: Any) -> dict[str, Any]:
    return {"product": "expense", "billing_amount": 120000, "start_date": "2026-04-01", **changes}


def test_it_requires_a_token(world: World) -> None:
    response = Api(None).get("/accounts")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_it_rejects_a_revoked_token(world: World) -> None:
    token, raw = api_token_create(user=world.csm, name="old")
    token.revoked_at = token.created_at
    token.save()
    response = Client().get(API + "/accounts", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 401


def test_it_lists_accounts_filtered_by_kana(world: World) -> None:
    response = Api(world.viewer).get("/accounts", q="ヤマダ")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["items"][0]["name"] == "株式会社山田製作所"
    assert body["items"][0]["owner"] == "csm"
    assert body["items"][0]["team"] == "strategic"


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("csm", 200),
        ("manager", 200),
        ("admin", 200),
        ("teammate", 403),
        ("outsider", 403),
        ("viewer", 403),
    ],
)
def test_it_applies_the_permission_matrix_to_updates(
    world: World, persona: str, status: int
) -> None:
    response = Api(getattr(world, persona)).send(
        "patch", f"/accounts/{world.account.pk}", {"potential_acv": 500000}
    )
    assert response.status_code == status
    world.account.refresh_from_db()
    assert world.account.potential_acv == (500000 if status == 200 else 0)


def test_it_answers_404_for_a_missing_account(world: World) -> None:
    response = Api(world.admin).get("/accounts/424242")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_creates_a_line_and_derives_account_mrr(world: World) -> None:
    # when the owner adds an annual line of ¥1,200,000
    response = Api(world.csm).send(
        "post",
        f"/accounts/{world.account.pk}/subscription-lines",
        line_body(billing_period="annual", billing_amount=1200000),
    )
    # then the line's MRR is ¥100,000 and the account's MRR follows
    assert response.status_code == 201, response.json()
    assert response.json()["mrr"] == 100000
    world.account.refresh_from_db()
    assert world.account.mrr == 100000
    assert world.account.acv == 1200000
    assert AuditEvent.objects.filter(entity="subscriptionline", via="api").count() == 1


def test_a_multi_year_line_keeps_its_term(world: World) -> None:
    body = line_body(billing_period="annual", billing_amount=1200000, term_months=36)
    response = Api(world.csm).send("post", f"/accounts/{world.account.pk}/subscription-lines", body)
    assert response.status_code == 201, response.json()
    assert response.json()["term_months"] == 36
    assert SubscriptionLine.objects.get().term_months == 36


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (line_body(billing_amount=-1), "billing_amount"),
        (line_body(end_date="2026-03-01"), "end_date"),
        (line_body(end_date="2026-04-01"), "end_date"),
        (line_body(product="no-such-product"), "product"),
        (line_body(currency="USD"), "currency"),
        (line_body(billing_period="weekly"), "billing_period"),
        (line_body(start_date="2026-02-30"), "start_date"),
        (line_body(billing_amount="lots"), "billing_amount"),
        (line_body(external_id="x" * 65), "external_id"),
        (line_body(term_months=0), "term_months"),
        (line_body(term_months=121), "term_months"),
        (line_body(term_months=10**20), "term_months"),
    ],
)
def test_it_rejects_a_bad_line_naming_the_field_and_saves_nothing(
    world: World, body: dict[str, Any], field: str
) -> None:
    response = Api(world.csm).send("post", f"/accounts/{world.account.pk}/subscription-lines", body)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"], error
    assert not SubscriptionLine.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    "raw",
    ['{"name": ', "not json at all", b"\xff\xfe", "[]", '"a string"', "null"],
)
def test_it_answers_malformed_json_with_400(world: World, raw: str | bytes) -> None:
    response = Api(world.admin).send("post", "/accounts", raw)
    assert response.status_code == 400
    assert "error" in response.json()
    assert Account.objects.count() == 2


def test_it_rejects_oversized_strings(world: World) -> None:
    response = Api(world.admin).send("post", "/accounts", {"name": "株" * 201})
    assert response.status_code == 400
    assert "name" in response.json()["error"]["fields"]
    assert Account.objects.count() == 2


def test_it_requires_a_partner_name_for_partner_accounts(world: World) -> None:
    response = Api(world.admin).send(
        "post", "/accounts", {"name": "株式会社新規", "channel": "partner"}
    )
    assert response.status_code == 400
    assert "partner_name" in response.json()["error"]["fields"]


def test_it_keeps_managers_to_their_own_team(world: World) -> None:
    api = Api(world.manager)
    elsewhere = api.send("post", "/accounts", {"name": "株式会社他所", "team": "adoption"})
    assert elsewhere.status_code == 400
    assert "team" in elsewhere.json()["error"]["fields"]
    own = api.send("post", "/accounts", {"name": "株式会社自分", "kana": "ジブン"})
    assert own.status_code == 201
    assert own.json()["team"] == "strategic"


def test_it_refuses_account_creation_to_csms(world: World) -> None:
    response = Api(world.csm).send("post", "/accounts", {"name": "株式会社勝手"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_it_logs_a_touchpoint_with_contacts(world: World) -> None:
    contact = ContactFactory(account=world.account)
    response = Api(world.csm).send(
        "post",
        f"/accounts/{world.account.pk}/touchpoints",
        {
            "kind": "meeting",
            "occurred_at": "2026-11-20T10:00:00+09:00",
            "summary": "活用状況レビュー",
            "contact_ids": [contact.pk],
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["csm"] == "csm"
    assert body["contact_ids"] == [contact.pk]
    touchpoint = Touchpoint.objects.get()
    assert touchpoint.occurred_at.isoformat() == "2026-11-20T01:00:00+00:00"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "telepathy", "occurred_at": "2026-11-20T10:00:00+09:00"}, "kind"),
        ({"kind": "call", "occurred_at": "2026-11-20T10:00:00"}, "occurred_at"),
        ({"kind": "call"}, "occurred_at"),
        (
            {"kind": "call", "occurred_at": "2026-11-20T10:00:00+09:00", "contact_ids": [999]},
            "contact_ids",
        ),
        ({"kind": "call", "occurred_at": "2026-11-20T10:00:00+09:00", "csm": "nobody"}, "csm"),
    ],
)
def test_it_rejects_a_bad_touchpoint(world: World, body: dict[str, Any], field: str) -> None:
    response = Api(world.csm).send("post", f"/accounts/{world.account.pk}/touchpoints", body)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Touchpoint.objects.exists()


def test_it_updates_a_contact_through_its_own_endpoint(world: World) -> None:
    contact = ContactFactory(account=world.account, name="田中 一郎")
    api = Api(world.csm)
    response = api.send("patch", f"/contacts/{contact.pk}", {"role": "decision_maker"})
    assert response.status_code == 200
    assert response.json()["role"] == "decision_maker"
    assert (
        Api(world.outsider).send("patch", f"/contacts/{contact.pk}", {"role": "user"}).status_code
        == 403
    )
