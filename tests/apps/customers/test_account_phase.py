"""An account's lifecycle phase moves by itself (the daily jobs, the hand-off). Editing the
account (web form or ``PATCH /api/v1/accounts/{id}``) changes it only for a manager of the
account's team or a CS ops admin (``org.access.can_change_phase``), and never takes a low-touch
account out of onboarding: that is the hand-off, with its note and the adoption team."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from kizuna.apps.assignments.models import AssignmentChange
from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.customers.models import Phase, Segment
from kizuna.apps.org.access import can_change_phase
from tests.apps.customers.test_account_placement import FORM, client_for, patch
from tests.factories import UserFactory, World


def phase_of(world: World) -> str:
    world.account.refresh_from_db()
    return world.account.phase


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("csm", False),
        ("teammate", False),
        ("outsider", False),
        ("viewer", False),
        ("manager", True),
        ("admin", True),
    ],
)
def test_can_change_phase_per_persona(world: World, persona: str, allowed: bool) -> None:
    assert can_change_phase(getattr(world, persona), world.account) is allowed


def test_a_manager_of_another_team_cannot_change_the_phase(world: World) -> None:
    other_manager = UserFactory(username="m2", role="manager", team=world.other_team)
    assert can_change_phase(other_manager, world.account) is False


def test_it_refuses_a_csm_a_new_phase_through_the_api(world: World) -> None:
    # given the CSM's tech-touch account in onboarding
    # when its CSM moves it to adoption, with another field
    response = patch(world, "csm", {"phase": "adoption", "potential_acv": 500000})
    # then a 400 in the API's shape names the phase and who changes it
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["phase"]
    assert "マネージャー" in error["fields"]["phase"][0]
    # and nothing changed or was recorded
    world.account.refresh_from_db()
    assert (world.account.phase, world.account.potential_acv) == (Phase.ONBOARDING, 0)
    assert not AuditEvent.objects.filter(account_id=world.account.pk).exists()


@pytest.mark.parametrize("persona", ["manager", "admin"])
def test_a_manager_or_admin_corrects_the_phase_through_the_api(world: World, persona: str) -> None:
    # when the team's manager or an admin moves the tech-touch account to renewal
    response = patch(world, persona, {"phase": "renewal"})
    # then it is saved and audited
    assert response.status_code == 200
    assert response.json()["phase"] == "renewal"
    assert phase_of(world) == Phase.RENEWAL
    event = AuditEvent.objects.get(account_id=world.account.pk)
    assert event.changes["phase"] == ["onboarding", "renewal"]


@pytest.mark.parametrize("persona", ["csm", "manager", "admin"])
def test_it_accepts_the_current_phase_sent_back_unchanged(world: World, persona: str) -> None:
    response = patch(world, persona, {"phase": "onboarding", "potential_acv": 700000})
    assert response.status_code == 200
    world.account.refresh_from_db()
    assert (world.account.phase, world.account.potential_acv) == (Phase.ONBOARDING, 700000)


@pytest.mark.parametrize("persona", ["csm", "manager", "admin"])
@pytest.mark.parametrize("phase", ["adoption", "renewal", "churned"])
def test_nobody_takes_a_low_touch_account_out_of_onboarding_by_editing(
    world: World, persona: str, phase: str
) -> None:
    # given a low-touch account in onboarding (it leaves by the hand-off, with a note)
    world.account.segment = Segment.LOW
    world.account.save()
    # when anyone who may edit it sends another phase
    response = patch(world, persona, {"phase": phase})
    # then it is refused, naming the hand-off, and no hand-off happened either
    assert response.status_code == 400
    assert "引き継ぎ" in response.json()["error"]["fields"]["phase"][0]
    assert phase_of(world) == Phase.ONBOARDING
    assert world.account.owner_id == world.csm.pk
    assert not AssignmentChange.objects.exists()


def test_the_edit_form_offers_the_phase_only_to_managers_and_admins(world: World) -> None:
    url = reverse("customers:account_edit", args=[world.account.pk])
    offered = {
        persona: "phase" in client_for(getattr(world, persona)).get(url).context["form"].fields
        for persona in ("csm", "manager", "admin")
    }
    assert offered == {"csm": False, "manager": True, "admin": True}


def test_the_edit_form_never_offers_the_phase_of_a_low_touch_account_in_onboarding(
    world: World,
) -> None:
    world.account.segment = Segment.LOW
    world.account.save()
    url = reverse("customers:account_edit", args=[world.account.pk])
    response = client_for(world.admin).get(url)
    assert "phase" not in response.context["form"].fields


def test_a_forged_form_post_by_a_csm_keeps_the_phase(world: World) -> None:
    # when the CSM posts the edit form with another phase added by hand
    response = client_for(world.csm).post(
        reverse("customers:account_edit", args=[world.account.pk]),
        {**FORM, "phase": "adoption", "potential_acv": "900000"},
    )
    # then the account's own fields are saved and the phase is not
    assert response.status_code == 302
    world.account.refresh_from_db()
    assert (world.account.phase, world.account.potential_acv) == (Phase.ONBOARDING, 900_000)
    assert "phase" not in AuditEvent.objects.get(account_id=world.account.pk).changes


def test_a_manager_corrects_the_phase_with_the_form(world: World) -> None:
    response = client_for(world.manager).post(
        reverse("customers:account_edit", args=[world.account.pk]), {**FORM, "phase": "renewal"}
    )
    assert response.status_code == 302
    assert phase_of(world) == Phase.RENEWAL


def test_the_hand_off_still_moves_a_low_touch_account(world: World, client: Any) -> None:
    # given a low-touch account in onboarding and an adoption CSM
    world.account.segment = Segment.LOW
    world.account.save()
    adopter = UserFactory(username="adopter", role="csm", team=world.other_team)
    # when its CSM hands it off with a note (the way the refusal names)
    response = client_for(world.csm).post(
        reverse("assignments:handoff", args=[world.account.pk]), {"note": "初期設定は完了"}
    )
    # then the phase is adoption and the adoption team's CSM owns it, with the note recorded
    assert response.status_code == 302
    assert phase_of(world) == Phase.ADOPTION
    assert world.account.owner_id in {adopter.pk, world.outsider.pk}
    assert AssignmentChange.objects.get().reason == "初期設定は完了"
