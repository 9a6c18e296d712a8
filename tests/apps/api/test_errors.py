"""Bad input is a 4xx in the one error shape, in the member's language; what nobody foresaw is a
logged 500 in the same shape; the OpenAPI document says all of it."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.db import DataError
from django.test import Client

from kizuna.api import api
from kizuna.apps.customers.models import Account, Contact, SubscriptionLine
from kizuna.apps.touchpoints.models import Touchpoint
from tests.apps.api.test_api import Api
from tests.factories import ContactFactory, SubscriptionLineFactory, TouchpointFactory, World


def assert_invalid(response: Any, field: str) -> dict[str, Any]:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"], error
    return error


# --- null where the model holds none -------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    ["name", "kana", "industry", "channel", "partner_name", "phase", "segment", "potential_acv"],
)
def test_it_refuses_null_on_an_account_field_that_holds_none(world: World, field: str) -> None:
    # when an admin sends null for a column that cannot be empty
    response = Api(world.admin).send("patch", f"/accounts/{world.account.pk}", {field: None})
    # then it is a 400 naming the field, and the account is unchanged
    assert_invalid(response, field)
    world.account.refresh_from_db()
    assert world.account.kana == "ヤマダセイサクショ"


def test_it_still_clears_the_nullable_account_fields(world: World) -> None:
    response = Api(world.admin).send(
        "patch", f"/accounts/{world.account.pk}", {"employee_count": None}
    )
    assert response.status_code == 200
    assert Account.objects.get(pk=world.account.pk).employee_count is None


@pytest.mark.parametrize("field", ["email", "title", "phone", "name", "role"])
def test_it_refuses_null_on_a_contact(world: World, field: str) -> None:
    contact = ContactFactory(account=world.account, email="hanako@example.jp")
    api = Api(world.csm)
    assert_invalid(api.send("patch", f"/contacts/{contact.pk}", {field: None}), field)
    created = api.send(
        "post", f"/accounts/{world.account.pk}/contacts", {"name": "田中", field: None}
    )
    assert_invalid(created, field)
    assert Contact.objects.get().email == "hanako@example.jp"


@pytest.mark.parametrize("field", ["summary", "kind", "occurred_at", "csm", "contact_ids"])
def test_it_refuses_null_on_a_touchpoint(world: World, field: str) -> None:
    touchpoint = TouchpointFactory(account=world.account, csm=world.csm, summary="定例")
    api = Api(world.csm)
    assert_invalid(api.send("patch", f"/touchpoints/{touchpoint.pk}", {field: None}), field)
    body = {"kind": "call", "occurred_at": "2026-11-20T10:00:00+09:00", field: None}
    assert_invalid(api.send("post", f"/accounts/{world.account.pk}/touchpoints", body), field)
    assert Touchpoint.objects.get().summary == "定例"


@pytest.mark.parametrize(
    "field", ["product", "currency", "billing_period", "billing_amount", "start_date"]
)
def test_it_refuses_null_on_a_subscription_line(world: World, field: str) -> None:
    line = SubscriptionLineFactory(account=world.account, product=world.product)
    response = Api(world.csm).send("patch", f"/subscription-lines/{line.pk}", {field: None})
    assert_invalid(response, field)
    assert SubscriptionLine.objects.get().billing_amount == 100_000


def test_it_refuses_a_contact_id_no_database_can_hold(world: World) -> None:
    body = {"kind": "call", "occurred_at": "2026-11-20T10:00:00+09:00", "contact_ids": [10**30]}
    response = Api(world.csm).send("post", f"/accounts/{world.account.pk}/touchpoints", body)
    assert_invalid(response, "contact_ids.0")
    assert not Touchpoint.objects.exists()


# --- bounded pages, offsets and dates -------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/accounts", {"page": 10**12}, "page"),
        ("/accounts", {"page": 10**30}, "page"),
        ("/accounts", {"page_size": 10**6}, "page_size"),
        ("/segment-rules", {"page": 10**19}, "page"),
        ("/onboardings", {"offset": 10**19}, "offset"),
        ("/health/scores", {"offset": 10**19}, "offset"),
        ("/revenue/summary", {"from": "0001-01-01"}, "from"),
        ("/coverage", {"as_of": "9999-12-31"}, "as_of"),
    ],
)
def test_it_answers_out_of_range_queries_with_400(
    world: World, path: str, params: dict[str, Any], field: str
) -> None:
    assert_invalid(Api(world.viewer).get(path, **params), field)


def test_a_far_page_within_bounds_is_empty_not_an_error(world: World) -> None:
    response = Api(world.viewer).get("/accounts", page=1_000_000)
    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 2}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"first_month": "2026-09-01", "last_month": "2026-06-01"}, "first_month"),
        ({"first_month": "2099-01-01"}, "first_month"),  # after the default last month
        ({"first_month": "0001-01-01", "last_month": "2026-06-01"}, "first_month"),
        ({"last_month": "9999-12-01"}, "last_month"),
    ],
)
def test_it_refuses_an_onboarding_completion_period_that_runs_backwards(
    world: World, params: dict[str, str], field: str
) -> None:
    assert_invalid(Api(world.viewer).get("/onboarding/completion", **params), field)


# --- the codes of 409 and 413 ---------------------------------------------------------------


def test_a_too_large_usage_batch_is_413_too_large(
    world: World, settings: Any, tmp_path: Any
) -> None:
    settings.USAGE_DIR = tmp_path
    event = {"account_key": "a", "user_id": "u", "event": "e", "occurred_at": "2026-11-20T10:00Z"}
    response = Api(world.admin).send("post", "/usage/events", [event] * 10_001)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


# --- the last resort ------------------------------------------------------------------------


def test_an_unforeseen_error_is_logged_and_answered_500_in_the_error_shape(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr("kizuna.apps.customers.api.account_list", broken)
    with caplog.at_level(logging.ERROR, logger="kizuna.api"):
        response = Api(world.viewer).get("/accounts")
    # then the client gets JSON, not an HTML page, and no internals
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "server_error"
    assert "fire" not in error["message"]
    # and the server log has the error with its traceback
    [record] = [r for r in caplog.records if r.name == "kizuna.api"]
    assert "GET /api/v1/accounts" in record.getMessage()
    assert record.exc_info is not None and "the disk is on fire" in str(record.exc_info[1])


def test_a_value_the_database_refuses_is_a_400_not_a_500(
    world: World, settings: Any, tmp_path: Any
) -> None:
    # given a usage event with a NUL character, which PostgreSQL cannot keep in JSON or text
    settings.USAGE_DIR = tmp_path
    event = {"account_key": "\u0000", "user_id": "u", "event": "e", "occurred_at": "2026-11-20"}
    response = Api(world.admin).send("post", "/usage/events", [event, {"\u0000": "\u0000"}])
    # then it is stored as a rejected row (SQLite) or refused with a 400 (PostgreSQL)
    assert response.status_code in (201, 400), response.content
    assert "error" in response.json() or response.json()["rejected"] == 2


def test_a_database_data_error_is_answered_invalid(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(**kwargs: Any) -> Any:
        raise DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")

    monkeypatch.setattr("kizuna.apps.customers.api.account_list", refused)
    response = Api(world.viewer).get("/accounts")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize(
    ("path", "json_answer"), [("/api/v1/accounts", True), ("/accounts/", False)]
)
def test_an_error_outside_the_api_views_is_logged_too(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    path: str,
    json_answer: bool,
) -> None:
    # given a middleware that fails before any view runs
    def broken() -> Any:
        raise RuntimeError("no settings row")

    monkeypatch.setattr("kizuna.apps.tenant.middleware.tenant_settings_get", broken)
    client = Client(raise_request_exception=False)
    client.force_login(world.viewer)
    with caplog.at_level(logging.ERROR, logger="kizuna.api"):
        response = client.get(path)
    # then the error is logged with its traceback; an API path answers the JSON shape
    assert response.status_code == 500
    [record] = [r for r in caplog.records if r.name == "kizuna.api"]
    assert record.exc_info is not None and "no settings row" in str(record.exc_info[1])
    if json_answer:
        assert response.json()["error"]["code"] == "server_error"
    else:
        assert response["Content-Type"].startswith("text/html")


# --- messages in the member's language ------------------------------------------------------


def test_validation_messages_are_japanese_by_default(world: World) -> None:
    response = Api(world.admin).send("post", "/accounts", {"kana": "x" * 201})
    error = response.json()["error"]
    assert error["message"] == "リクエストに不正な項目があります。"
    assert error["fields"]["name"] == ["この項目は必須です。"]
    assert error["fields"]["kana"] == ["200文字以内で入力してください。"]
    assert response["Content-Language"] == "ja"


def test_validation_messages_follow_the_members_language(world: World) -> None:
    world.admin.language = "en"
    world.admin.save()
    response = Api(world.admin).send(
        "post", "/accounts", {"industry": "mining", "potential_acv": -1}
    )
    fields = response.json()["error"]["fields"]
    assert fields["name"] == ["A value is required."]
    assert fields["potential_acv"] == ["Enter a value of at least 0."]
    assert fields["industry"][0].startswith("Choose one of: manufacturing, it, retail")
    assert response["Content-Language"] == "en"


def test_no_english_of_the_framework_reaches_a_japanese_member(world: World) -> None:
    api = Api(world.admin)
    answers = [
        api.send("post", "/accounts", {}),
        api.send("post", "/accounts", '{"name": '),
        api.get("/accounts", page="abc"),
        api.get("/onboarding/completion", first_month="June"),
        api.send("post", f"/accounts/{world.account.pk}/touchpoints", {"kind": 1}),
    ]
    for response in answers:
        text = json.dumps(response.json(), ensure_ascii=False)
        assert response.status_code == 400
        for english in ("Field required", "Input should", "Cannot parse", "valid integer"):
            assert english not in text, text


# --- the OpenAPI document -------------------------------------------------------------------


def document() -> dict[str, Any]:
    return dict(api.get_openapi_schema())


def operations() -> dict[str, dict[str, Any]]:
    return {
        op["operationId"]: op for methods in document()["paths"].values() for op in methods.values()
    }


def test_operation_ids_are_names_a_person_would_write() -> None:
    names = set(operations())
    assert {
        "list_accounts",
        "get_account",
        "update_account",
        "create_touchpoint",
        "list_subscription_lines",
        "get_onboarding_completion",
        "send_usage_events",
    } <= names
    assert not [name for name in names if name.startswith("kizuna")]


def test_every_operation_documents_its_errors_with_the_error_schema() -> None:
    for name, op in operations().items():
        responses = op["responses"]
        assert "401" in responses or 401 in responses, name
        for status, answer in responses.items():
            if 400 <= int(status) < 500:
                schema = answer["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (name, status)
    usage = operations()["send_usage_events"]["responses"]
    assert {403, 409, 413} <= {int(status) for status in usage}


def test_the_usage_event_is_a_typed_schema() -> None:
    body = operations()["send_usage_events"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["items"] == {"$ref": "#/components/schemas/UsageEventIn"}
    event = document()["components"]["schemas"]["UsageEventIn"]
    assert event["required"] == ["account_key", "user_id", "event", "occurred_at"]
    assert event["properties"]["occurred_at"]["format"] == "date-time"


def test_a_field_that_holds_no_null_is_documented_without_null() -> None:
    patch = document()["components"]["schemas"]["ContactPatch"]["properties"]["email"]
    assert patch == {"maxLength": 254, "title": "Email", "type": "string"}
