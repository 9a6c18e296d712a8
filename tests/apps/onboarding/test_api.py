"""The onboarding API: reading, ticking with permissions, and machine-readable errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from kizuna.apps.onboarding.models import Onboarding, OnboardingCriterion
from kizuna.apps.onboarding.services import onboardings_evaluate, onboardings_start
from kizuna.apps.org.services import api_token_create
from tests.apps.onboarding.conftest import START
from tests.factories import World


def call(user: Any, method: str, url: str, body: Any = None) -> Any:
    _token, raw = api_token_create(user=user, name="test")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    data = json.dumps(body) if body is not None else None
    return getattr(client, method)(f"/api/v1{url}", data=data, content_type="application/json")


@pytest.fixture
def onboarding(world: World, line: Any) -> Onboarding:
    onboardings_start(as_of=START)
    onboardings_evaluate(as_of=START)
    return Onboarding.objects.get()


def test_it_lists_and_reads_onboardings(world: World, onboarding: Onboarding) -> None:
    listed = call(world.viewer, "get", "/onboardings?state=in_progress")
    assert listed.status_code == 200
    assert [(o["id"], o["product"], o["state"]) for o in listed.json()] == [
        (onboarding.pk, "expense", "in_progress")
    ]
    read = call(world.viewer, "get", f"/onboardings/{onboarding.pk}").json()
    assert [p["name"] for p in read["phases"]] == ["キックオフ", "初期設定", "初回利用"]
    assert read["transitions"][0]["reason"] == "handed_over"


def test_a_tick_through_the_api(world: World, onboarding: Onboarding) -> None:
    kickoff = OnboardingCriterion.objects.get(phase__order=1)
    url = f"/onboardings/{onboarding.pk}/criteria/{kickoff.pk}"
    assert call(world.outsider, "post", url, {}).status_code == 403
    response = call(world.csm, "post", url, {"met_on": "2026-09-03"})
    assert response.status_code == 201
    assert response.json()["phases"][0]["criteria"][0]["met_on"] == "2026-09-03"
    assert call(world.csm, "delete", url).status_code == 204


def test_bad_input_is_a_4xx_with_the_error_shape(world: World, onboarding: Onboarding) -> None:
    kickoff = OnboardingCriterion.objects.get(phase__order=1)
    url = f"/onboardings/{onboarding.pk}/criteria/{kickoff.pk}"
    before = call(world.csm, "post", url, {"met_on": "2026-08-01"})  # before the start
    assert before.status_code == 400 and "error" in before.json()
    assert call(world.csm, "post", url, {"met_on": "not a date"}).status_code in (400, 422)
    usage_rule = OnboardingCriterion.objects.get(phase__order=3)
    assert (
        call(
            world.csm, "post", f"/onboardings/{onboarding.pk}/criteria/{usage_rule.pk}", {}
        ).status_code
        == 400
    )
    assert (
        call(world.csm, "post", f"/onboardings/{onboarding.pk}/criteria/999999", {}).status_code
        == 404
    )
    assert call(world.csm, "get", "/onboardings/999999").status_code == 404


def test_completion_rate_by_product(world: World, onboarding: Onboarding) -> None:
    response = call(
        world.viewer,
        "get",
        "/onboarding/completion?by=product&first_month=2026-10-01&last_month=2026-10-01",
    )
    assert response.status_code == 200
    rows = response.json()
    assert [(r["value"], r["cohort_size"], r["completed_on_time"]) for r in rows] == [
        ("expense", 1, 0)
    ]
