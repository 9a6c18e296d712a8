"""The rules API: everyone reads, admins write (403 in the one error shape otherwise), bad
input is a 400 naming the field, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.org.services import api_token_create
from kizuna.apps.rules import services
from kizuna.apps.rules.models import Rule, RuleVersion
from tests.factories import World

pytestmark = pytest.mark.django_db

BIG = 2**63 - 1


class Api:
    def __init__(self, user: Any) -> None:
        _token, raw = api_token_create(user=user, name="test")
        self.headers = {"Authorization": f"Bearer {raw}"}
        self.client = Client()

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1{path}", headers=self.headers)

    def send(self, method: str, path: str, body: Any = None) -> Any:
        call = getattr(self.client, method)
        content = body if isinstance(body, str) else json.dumps(body)
        return call(
            f"/api/v1{path}", content, content_type="application/json", headers=self.headers
        )


def body(**overrides: Any) -> dict[str, Any]:
    return {"name": "更新60日前", "trigger": "renewal_due", "threshold": 60, **overrides}


@pytest.fixture
def rule(world: World) -> Rule:
    return services.rule_create(
        actor=world.admin, name="更新60日前", data={"trigger": "renewal_due", "threshold": 60}
    )


@pytest.mark.parametrize("persona", ["csm", "teammate", "manager", "outsider", "viewer", "admin"])
def test_every_member_reads_rules(world: World, rule: Rule, persona: str) -> None:
    api = Api(getattr(world, persona))
    listing = api.get("/rules")
    assert listing.status_code == 200
    [row] = listing.json()
    assert (row["id"], row["name"], row["enabled"]) == (rule.pk, "更新60日前", False)
    assert row["current"]["version"] == 1
    assert row["current"]["threshold"] == 60
    assert row["current"]["created_by"] == "admin"
    detail = api.get(f"/rules/{rule.pk}")
    assert detail.status_code == 200
    assert [v["version"] for v in detail.json()["versions"]] == [1]
    preview = api.get(f"/rules/{rule.pk}/preview")
    assert preview.status_code == 200
    assert len(preview.json()["weeks"]) == 12


@pytest.mark.parametrize("persona", ["csm", "teammate", "manager", "outsider", "viewer"])
def test_only_admins_write(world: World, rule: Rule, persona: str) -> None:
    api = Api(getattr(world, persona))
    for method, path, payload in (
        ("post", "/rules", body()),
        ("put", f"/rules/{rule.pk}", body(threshold=30)),
        ("post", f"/rules/{rule.pk}/enable", None),
        ("post", f"/rules/{rule.pk}/disable", None),
    ):
        response = api.send(method, path, payload)
        assert response.status_code == 403, (method, path)
        assert response.json()["error"]["code"] == "forbidden"
    assert Rule.objects.count() == 1
    assert RuleVersion.objects.count() == 1
    assert not Rule.objects.get().enabled


def test_admins_create_edit_enable_and_disable(world: World) -> None:
    api = Api(world.admin)
    created = api.send("post", "/rules", body(segments=["high"], products=["expense"]))
    assert created.status_code == 201
    rule_id = created.json()["id"]
    assert created.json()["current"]["segments"] == ["high"]
    edited = api.send(
        "put", f"/rules/{rule_id}", body(threshold=30, note="短縮", name="更新30日前")
    )
    assert edited.status_code == 200
    assert (edited.json()["name"], edited.json()["current"]["version"]) == ("更新30日前", 2)
    same = api.send("put", f"/rules/{rule_id}", body(threshold=30, name="更新30日前"))
    assert same.json()["current"]["version"] == 2
    assert api.send("post", f"/rules/{rule_id}/enable").json()["enabled"] is True
    assert api.send("post", f"/rules/{rule_id}/disable").json()["enabled"] is False
    versions = api.get(f"/rules/{rule_id}").json()["versions"]
    assert [(v["version"], v["threshold"], v["note"]) for v in versions] == [
        (2, 30, "短縮"),
        (1, 60, ""),
    ]
    vias = set(
        AuditEvent.objects.filter(entity__in=["rule", "ruleversion"]).values_list("via", flat=True)
    )
    assert vias == {"api"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (body(threshold=BIG + 1), "threshold"),
        (body(threshold=10**40), "threshold"),
        (body(threshold=-1), "threshold"),
        (body(threshold=3651), "threshold"),
        (body(trigger="health_red", threshold=1), "threshold"),
        (body(trigger="health_fell", threshold=5), "threshold"),
        (body(trigger="no_such_kind"), "trigger"),
        (body(trigger=None), "trigger"),
        (body(name=None), "name"),
        (body(name=""), "name"),
        (body(name="x" * 201), "name"),
        (body(segments=None), "segments"),
        (body(segments=["enterprise"]), "segments.0"),
        (body(products=["no-such"]), "products"),
        (body(teams=["no-such"]), "teams"),
        (body(grades=[0]), "grades.0"),
        (body(grades=[6]), "grades.0"),
        (body(mrr_min=5, mrr_max=4), "mrr_max"),
        (body(mrr_max=BIG + 1), "mrr_max"),
        (body(actions=[]), "actions"),
        (body(actions=None), "actions"),
        (body(actions=["fax"]), "actions.0"),
        (body(priority=0), "priority"),
        (body(priority=None), "priority"),
        (body(cooldown_days=10**30), "cooldown_days"),
        (body(due_in_business_days=-1), "due_in_business_days"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    world: World, payload: dict[str, Any], field: str
) -> None:
    response = Api(world.admin).send("post", "/rules", payload)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"], error
    assert not Rule.objects.exists()


@pytest.mark.parametrize(
    "raw", ["", "null", "[]", "{", '{"name": "a\\u0000b", "trigger": "usage_drop"}']
)
def test_garbage_bodies_are_4xx(world: World, raw: str) -> None:
    response = Api(world.admin).send("post", "/rules", raw)
    assert 400 <= response.status_code < 500
    assert "error" in response.json()
    assert not Rule.objects.exists()


def test_unknown_and_huge_ids_are_404_or_400(world: World) -> None:
    api = Api(world.admin)
    assert api.get("/rules/999999").status_code == 404
    assert api.get("/rules/999999/preview").status_code == 404
    assert api.send("post", "/rules/999999/enable").status_code == 404
    assert api.get(f"/rules/{BIG + 1}").status_code == 400
    assert api.get("/rules/0").status_code == 400
    assert api.send("put", "/rules/999999", body()).status_code == 404


def test_a_draft_previews_without_saving(world: World) -> None:
    api = Api(world.viewer)
    response = api.send("post", "/rules/preview", {"trigger": "health_red"})
    assert response.status_code == 200
    assert response.json()["matching_today"] == []
    assert [w["tasks"] for w in response.json()["weeks"]] == [0] * 12
    bad = api.send("post", "/rules/preview", {"trigger": "health_red", "teams": ["nope"]})
    assert bad.status_code == 400
    assert not Rule.objects.exists()


def test_without_a_token_it_is_401() -> None:
    assert Client().get("/api/v1/rules").status_code == 401


@pytest.mark.parametrize(
    "payload",
    [
        body(products=["a\x00b"]),
        body(teams=["\x00"]),
        body(note="a\x00b"),
        body(name="a\x00b"),
    ],
)
def test_nul_characters_are_a_400_on_every_database(world: World, payload: dict[str, Any]) -> None:
    response = Api(world.admin).send("post", "/rules", payload)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"
    assert not Rule.objects.exists()
