"""The permission matrix of account pages, one persona at a time."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import World

EDIT = "customers:account_edit"
POST_DATA = {
    "name": "株式会社山田製作所",
    "kana": "ヤマダセイサクショ",
    "industry": "manufacturing",
    "employee_count": "300",
    "channel": "direct",
    "partner_name": "",
    "phase": "adoption",
    "segment": "high",
    "potential_acv": "1200000",
    "external_crm_id": "",
}


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


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
def test_it_allows_only_owner_manager_and_admin_to_open_the_edit_form(
    world: World, persona: str, status: int
) -> None:
    # given a persona
    client = client_for(getattr(world, persona))
    # when they open the edit form of the CSM's account
    response = client.get(reverse(EDIT, args=[world.account.pk]))
    # then only the owner, the team's manager and the admin get it
    assert response.status_code == status


@pytest.mark.parametrize("persona", ["csm", "teammate", "manager", "outsider", "viewer", "admin"])
def test_it_lets_every_member_read_the_account_page(world: World, persona: str) -> None:
    response = client_for(getattr(world, persona)).get(
        reverse("customers:account_detail", args=[world.account.pk])
    )
    assert response.status_code == 200
    assert "株式会社山田製作所" in response.content.decode()


def test_it_hides_edit_buttons_from_those_who_cannot_edit(world: World) -> None:
    url = reverse("customers:account_detail", args=[world.account.pk])
    edit_url = reverse(EDIT, args=[world.account.pk])
    assert edit_url in client_for(world.csm).get(url).content.decode()
    assert edit_url not in client_for(world.viewer).get(url).content.decode()


def test_it_gives_404_for_a_missing_account(world: World) -> None:
    response = client_for(world.admin).get(reverse("customers:account_detail", args=[999999]))
    assert response.status_code == 404


def test_it_sends_anonymous_visitors_to_the_login_page(world: World) -> None:
    response = Client().get(reverse("customers:account_detail", args=[world.account.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("front:login"))


def test_it_saves_an_edit_by_the_owner_and_audits_it(world: World) -> None:
    # when the owner changes the potential ACV
    response = client_for(world.csm).post(
        reverse(EDIT, args=[world.account.pk]),
        {**POST_DATA, "owner": world.csm.pk, "team": world.strategic.pk},
    )
    # then it is saved and the audit trail says who changed what
    assert response.status_code == 302
    world.account.refresh_from_db()
    assert world.account.potential_acv == 1_200_000
    event = world.account.audit_events.get()
    assert event.actor == world.csm
    assert event.changes["potential_acv"] == [0, 1_200_000]


def test_it_refuses_an_edit_by_an_outsider_and_changes_nothing(world: World) -> None:
    response = client_for(world.outsider).post(
        reverse(EDIT, args=[world.account.pk]), {**POST_DATA, "potential_acv": "999"}
    )
    assert response.status_code == 403
    world.account.refresh_from_db()
    assert world.account.potential_acv == 0
    assert not world.account.audit_events.exists()


def test_it_lets_only_admins_and_managers_create_accounts(world: World) -> None:
    url = reverse("customers:account_create")
    assert client_for(world.admin).get(url).status_code == 200
    assert client_for(world.manager).get(url).status_code == 200
    assert client_for(world.csm).get(url).status_code == 403
    assert client_for(world.viewer).get(url).status_code == 403
