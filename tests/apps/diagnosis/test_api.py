"""The diagnosis API: the latest run and the changes (managers, admins, viewers; CSMs 403),
the thresholds (admins edit; 4xx in the one error shape, never 500)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from kizuna.apps.diagnosis.models import DiagnosisRuleSetting
from kizuna.apps.diagnosis.services import diagnosis_run
from kizuna.apps.org.models import User
from kizuna.apps.org.services import api_token_create
from kizuna.core.diagnosis.rules import RULES
from tests.factories import World

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 30)


def api(user: User, method: str, path: str, body: Any = None) -> Any:
    _token, raw = api_token_create(user=user, name="test")
    kwargs: dict[str, Any] = {"headers": {"Authorization": f"Bearer {raw}"}}
    call = getattr(Client(), method)
    if body is not None:
        return call("/api/v1" + path, json.dumps(body), content_type="application/json", **kwargs)
    return call("/api/v1" + path, **kwargs)


def test_no_diagnosis_yet_is_a_404(world: World) -> None:
    response = api(world.viewer, "get", "/diagnosis")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("persona", "status"), [("csm", 403), ("viewer", 200), ("manager", 200), ("admin", 200)]
)
def test_who_reads_the_diagnosis(world: World, persona: str, status: int) -> None:
    diagnosis_run(day=DAY)
    assert api(getattr(world, persona), "get", "/diagnosis").status_code == status
    assert api(getattr(world, persona), "get", "/diagnosis/settings").status_code == status


def test_the_latest_diagnosis(world: World) -> None:
    diagnosis_run(day=DAY)
    body = api(world.viewer, "get", "/diagnosis").json()
    assert (body["day"], body["phase"], body["level"]) == ("2026-11-30", "startup", "reactive")
    assert body["next_phase"] == "pmf_search"
    assert len(body["findings"]) == len(RULES)
    ops = next(f for f in body["findings"] if f["key"] == "ops_team")
    assert ops["holds"] is True
    assert ops["evidence"][0]["key"] == "ops_members"
    assert ops["evidence"][0]["values"] == {"count": 1}
    assert (
        ops["thresholds"]
        == [{"name": "min_members", "label": "Members, at least", "value": 1.0, "default": 1.0}]
        or ops["thresholds"][0]["value"] == 1.0
    )
    assert body["errors"] == []


def test_changes_since(world: World) -> None:
    assert api(world.viewer, "get", "/diagnosis/changes?since=2026-10-31").status_code == 404
    diagnosis_run(day=dt.date(2026, 10, 31))
    diagnosis_run(day=DAY)
    body = api(world.viewer, "get", "/diagnosis/changes?since=2026-10-31").json()
    assert (body["since_day"], body["latest_day"], body["changes"]) == (
        "2026-10-31",
        "2026-11-30",
        [],
    )
    bad = api(world.viewer, "get", "/diagnosis/changes?since=2026-13-01")
    assert bad.status_code == 400


def test_only_admins_put_thresholds(world: World) -> None:
    body = {"thresholds": {"max_share": 0.1}}
    for persona in ("csm", "viewer", "manager"):
        response = api(
            getattr(world, persona), "put", "/diagnosis/settings/managers_own_book", body
        )
        assert response.status_code == 403
    response = api(world.admin, "put", "/diagnosis/settings/managers_own_book", body)
    assert response.status_code == 200, response.json()
    assert response.json()["thresholds"][0]["value"] == 0.1
    assert DiagnosisRuleSetting.objects.get(rule_key="managers_own_book").thresholds == {
        "max_share": 0.1
    }


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/diagnosis/settings/nope", {"thresholds": {"x": 1}}, 404),
        ("/diagnosis/settings/managers_own_book", {"thresholds": {"max_share": 2}}, 400),
        ("/diagnosis/settings/managers_own_book", {"thresholds": {"other": 0.1}}, 400),
        ("/diagnosis/settings/managers_own_book", {"thresholds": {"max_share": "x"}}, 400),
        ("/diagnosis/settings/managers_own_book", {"thresholds": {"max_share": 1e308}}, 400),
        ("/diagnosis/settings/managers_own_book", {"thresholds": []}, 400),
        ("/diagnosis/settings/managers_own_book", {}, 400),
    ],
)
def test_bad_thresholds_are_4xx(world: World, path: str, body: Any, status: int) -> None:
    response = api(world.admin, "put", path, body)
    assert response.status_code == status
    assert "error" in response.json()
    assert not DiagnosisRuleSetting.objects.exists()
