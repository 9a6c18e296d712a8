"""An account's owner, team and touch model change only by reassignment and segment exceptions,
never by editing the account (web form or ``PATCH /api/v1/accounts/{id}``), whoever edits it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kizuna.apps.assignments.models import AssignmentChange
from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.org.services import api_token_create
from kizuna.apps.segments.models import SegmentException
from tests.factories import World

EDITORS = ["csm", "manager", "admin"]
FORM = {
    "name": "株式会社山田製作所",
    "kana": "ヤマダセイサクショ",
    "industry": "manufacturing",
    "employee_count": "300",
    "channel": "direct",
    "partner_name": "",
    "phase": "onboarding",
    "potential_acv": "0",
    "external_crm_id": "",
}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def patch(world: World, persona: str, body: dict[str, Any]) -> Any:
    _token, raw = api_token_create(user=getattr(world, persona), name="test")
    return Client().patch(
        f"/api/v1/accounts/{world.account.pk}",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )


def placement(world: World) -> tuple[int | None, int | None, str]:
    world.account.refresh_from_db()
    return world.account.owner_id, world.account.team_id, world.account.segment


def nothing_recorded(world: World) -> bool:
    return not (
        AssignmentChange.objects.exists()
        or SegmentException.objects.exists()
        or AuditEvent.objects.filter(account_id=world.account.pk).exists()
    )


@pytest.mark.parametrize("persona", EDITORS)
@pytest.mark.parametrize(
    ("field", "value"),
    [("owner", "teammate"), ("team", "adoption"), ("segment", "high"), ("owner", None)],
)
def test_it_refuses_placement_changes_through_the_api_for_every_editor(
    world: World, persona: str, field: str, value: str | None
) -> None:
    # given the account owned by the CSM, in the strategic team, tech touch
    before = placement(world)
    # when a persona who may edit the account sends a new owner, team or touch model
    response = patch(world, persona, {field: value, "potential_acv": 500000})
    # then it is a 400 in the API's error shape naming the field and the way to do it
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    assert "顧客の編集では変更できません" in error["fields"][field][0]
    # and nothing changed, nothing was recorded (not even the potential ACV sent with it)
    assert placement(world) == before
    assert world.account.potential_acv == 0
    assert nothing_recorded(world)


def test_it_refuses_a_viewer_any_update_through_the_api(world: World) -> None:
    before = placement(world)
    response = patch(world, "viewer", {"owner": "viewer", "segment": "high"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert placement(world) == before
    assert nothing_recorded(world)


@pytest.mark.parametrize("persona", EDITORS)
def test_it_accepts_the_current_placement_sent_back_unchanged(world: World, persona: str) -> None:
    # given a client that sends back the account as it read it
    body = {"owner": "csm", "team": "strategic", "segment": "tech", "potential_acv": 700000}
    # when it patches the potential ACV
    response = patch(world, persona, body)
    # then the edit is saved and the placement is as it was
    assert response.status_code == 200
    assert (response.json()["owner"], response.json()["team"]) == ("csm", "strategic")
    assert placement(world) == (world.csm.pk, world.strategic.pk, "tech")
    assert world.account.potential_acv == 700000
    assert not AssignmentChange.objects.exists()


@pytest.mark.parametrize("persona", EDITORS)
def test_the_edit_form_does_not_offer_owner_team_or_touch_model(world: World, persona: str) -> None:
    response = client_for(getattr(world, persona)).get(
        reverse("customers:account_edit", args=[world.account.pk])
    )
    assert response.status_code == 200
    assert not {"owner", "team", "segment"} & set(response.context["form"].fields)


@pytest.mark.parametrize("persona", EDITORS)
def test_a_forged_form_post_changes_no_placement(world: World, persona: str) -> None:
    # given the account owned by the CSM, in the strategic team, tech touch
    before = placement(world)
    # when a persona who may edit the account posts the form with another owner, team, segment
    forged = {
        **FORM,
        "potential_acv": "900000",
        "owner": world.outsider.pk,
        "team": world.other_team.pk,
        "segment": "high",
    }
    response = client_for(getattr(world, persona)).post(
        reverse("customers:account_edit", args=[world.account.pk]), forged
    )
    # then the account's own fields are saved, its placement is not, and no change is recorded
    assert response.status_code == 302
    assert placement(world) == before
    assert world.account.potential_acv == 900_000
    assert not AssignmentChange.objects.exists()
    event = AuditEvent.objects.get(account_id=world.account.pk)
    assert not {"owner", "team", "segment"} & set(event.changes)


def test_a_viewer_cannot_post_the_edit_form(world: World) -> None:
    before = placement(world)
    response = client_for(world.viewer).post(
        reverse("customers:account_edit", args=[world.account.pk]),
        {**FORM, "owner": world.viewer.pk, "segment": "high"},
    )
    assert response.status_code == 403
    assert placement(world) == before
    assert nothing_recorded(world)


def test_a_manager_still_reassigns_through_the_reassignment(world: World) -> None:
    # when the team's manager reassigns with a reason (the way the refusal names)
    response = client_for(world.manager).post(
        reverse("assignments:reassign", args=[world.account.pk]),
        {"owner": world.teammate.pk, "reason": "産休の引き継ぎ"},
    )
    # then the owner changes and the change is recorded with its reason
    assert response.status_code == 302
    assert placement(world)[0] == world.teammate.pk
    assert AssignmentChange.objects.get().reason == "産休の引き継ぎ"
