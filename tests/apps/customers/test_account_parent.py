"""An account's parent company (親会社): set by a manager of the account's team or an admin
(``org.access.can_set_parent``), on the edit form or ``PATCH /api/v1/accounts/{id}``; never the
account itself, an account below it, or an account that does not exist; cleared when the
parent is deleted."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.customers.models import Account
from kizuna.apps.customers.services import account_create, account_update
from kizuna.apps.org.access import can_set_parent
from kizuna.apps.org.services import api_token_create
from tests.apps.customers.test_account_placement import FORM, client_for, patch
from tests.factories import AccountFactory, UserFactory, World


def parent_of(account: Account) -> int | None:
    account.refresh_from_db()
    return account.parent_id


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
def test_can_set_parent_per_persona(world: World, persona: str, allowed: bool) -> None:
    assert can_set_parent(getattr(world, persona), world.account) is allowed


def test_a_manager_of_another_team_cannot_set_the_parent(world: World) -> None:
    other_manager = UserFactory(username="m2", role="manager", team=world.other_team)
    assert can_set_parent(other_manager, world.account) is False


def test_the_manager_sets_the_parent_on_the_edit_form_and_it_is_audited(world: World) -> None:
    # given the manager of the account's team, and another team's account as the parent
    client = client_for(world.manager)
    url = reverse("customers:account_edit", args=[world.account.pk])
    # when the form shows and is posted with the parent's account number
    assert 'name="parent"' in client.get(url).content.decode()
    response = client.post(url, {**FORM, "parent": str(world.other_account.pk)})
    # then the parent is set and the change recorded
    assert response.status_code == 302
    assert parent_of(world.account) == world.other_account.pk
    event = AuditEvent.objects.get(account_id=world.account.pk)
    assert event.changes["parent"] == [None, f"合同会社北斗 (#{world.other_account.pk})"]
    # and the form names the current parent
    assert "合同会社北斗" in client.get(url).content.decode()


def test_the_edit_form_does_not_offer_the_parent_to_the_accounts_csm(world: World) -> None:
    client = client_for(world.csm)
    url = reverse("customers:account_edit", args=[world.account.pk])
    assert 'name="parent"' not in client.get(url).content.decode()
    # a parent posted anyway is not a field of the form: ignored, nothing set
    response = client.post(url, {**FORM, "parent": str(world.other_account.pk)})
    assert response.status_code == 302
    assert parent_of(world.account) is None


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("999999", "この番号の顧客はありません。"),
        (str(2**63 - 1), "この番号の顧客はありません。"),
        (str(2**63), "この番号の顧客はありません。"),
        ("1" * 40, "この番号の顧客はありません。"),
        ("-3", "この番号の顧客はありません。"),
        ("0", "この番号の顧客はありません。"),
        ("1e3", "この番号の顧客はありません。"),
    ],
)
def test_the_form_refuses_a_parent_that_is_no_account(
    world: World, given: str, message: str
) -> None:
    client = client_for(world.admin)
    url = reverse("customers:account_edit", args=[world.account.pk])
    response = client.post(url, {**FORM, "parent": given})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert parent_of(world.account) is None


def test_the_form_refuses_the_account_itself(world: World) -> None:
    client = client_for(world.admin)
    url = reverse("customers:account_edit", args=[world.account.pk])
    response = client.post(url, {**FORM, "parent": str(world.account.pk)})
    assert response.status_code == 400
    assert "顧客を自身の親会社にすることはできません。" in response.content.decode()
    assert parent_of(world.account) is None


def test_the_form_refuses_a_cycle_at_any_depth(world: World) -> None:
    # given account ← child ← grandchild
    child = AccountFactory(name="子会社", parent=world.account)
    grandchild = AccountFactory(name="孫会社", parent=child)
    client = client_for(world.admin)
    url = reverse("customers:account_edit", args=[world.account.pk])
    # when the account is given its grandchild, then its child, as its parent
    for below in (grandchild, child):
        response = client.post(url, {**FORM, "parent": str(below.pk)})
        # then each is refused, saying why, and nothing changes
        assert response.status_code == 400
        assert "グループが循環します" in response.content.decode()
    assert parent_of(world.account) is None
    assert not AuditEvent.objects.filter(account_id=world.account.pk).exists()


def test_the_service_refuses_a_cycle_in_english_too(world: World) -> None:
    child = AccountFactory(parent=world.account)
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        account_update(actor=world.admin, account=world.account, data={"parent": child})
    assert raised.value.message_dict == {
        "parent": [
            "This account is below the account being edited in its group: it cannot be its "
            "parent company (the group would go round in a circle)."
        ]
    }


def test_the_service_refuses_the_csm_a_new_parent(world: World) -> None:
    with pytest.raises(ValidationError) as raised:
        account_update(actor=world.csm, account=world.account, data={"parent": world.other_account})
    assert list(raised.value.message_dict) == ["parent"]
    assert parent_of(world.account) is None
    # the current parent sent back unchanged is no change: accepted from the CSM
    account_update(actor=world.csm, account=world.account, data={"parent": None, "kana": "ヤ"})
    assert parent_of(world.account) is None


def test_a_new_account_may_be_created_under_a_parent(world: World) -> None:
    created = account_create(
        actor=world.admin, data={"name": "新子会社", "parent": world.other_account}
    )
    assert parent_of(created) == world.other_account.pk
    with pytest.raises(ValidationError):
        account_create(actor=world.admin, data={"name": "幽霊", "parent": Account(pk=10**12)})
    assert not Account.objects.filter(name="幽霊").exists()


def test_deleting_the_parent_leaves_its_children_without_one(world: World) -> None:
    # given a three-level group
    child = AccountFactory(name="子会社", parent=world.account)
    grandchild = AccountFactory(name="孫会社", parent=child)
    # when the middle account is deleted
    child.delete()
    # then its child has no parent, and the top is untouched
    assert parent_of(grandchild) is None
    assert parent_of(world.account) is None


# --- the API --------------------------------------------------------------------------------


def api_error_fields(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 400, response.content
    fields: dict[str, list[str]] = response.json()["error"]["fields"]
    return fields


@pytest.mark.parametrize("persona", ["manager", "admin"])
def test_the_api_sets_and_clears_the_parent(world: World, persona: str) -> None:
    response = patch(world, persona, {"parent_id": world.other_account.pk})
    assert response.status_code == 200
    assert response.json()["parent_id"] == world.other_account.pk
    assert parent_of(world.account) == world.other_account.pk
    response = patch(world, persona, {"parent_id": None})
    assert response.status_code == 200
    assert response.json()["parent_id"] is None
    assert parent_of(world.account) is None


def test_the_api_refuses_the_csm_a_parent(world: World) -> None:
    fields = api_error_fields(patch(world, "csm", {"parent_id": world.other_account.pk}))
    assert list(fields) == ["parent_id"]
    assert "マネージャー" in fields["parent_id"][0]
    assert parent_of(world.account) is None


def test_the_api_refuses_itself_a_cycle_and_an_unknown_id(world: World) -> None:
    child = AccountFactory(parent=world.account)
    assert api_error_fields(patch(world, "admin", {"parent_id": world.account.pk})) == {
        "parent_id": ["顧客を自身の親会社にすることはできません。"]
    }
    assert list(api_error_fields(patch(world, "admin", {"parent_id": child.pk}))) == ["parent_id"]
    assert api_error_fields(patch(world, "admin", {"parent_id": 2**63 - 1})) == {
        "parent_id": ["この番号の顧客はありません。"]
    }
    # beyond a bigint, zero and a text: refused by the schema
    for hostile in (2**63, 2**80, 0, -1, "abc"):
        assert list(api_error_fields(patch(world, "admin", {"parent_id": hostile}))) == [
            "parent_id"
        ]
    assert parent_of(world.account) is None


def test_the_api_lists_a_group(world: World) -> None:
    child = AccountFactory(name="子会社", kana="コガイシャ", parent=world.account)
    AccountFactory(name="孫会社", kana="マゴガイシャ", parent=child)
    _token, raw = api_token_create(user=world.viewer, name="test")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    # any member of the group lists the whole group
    response = client.get("/api/v1/accounts", {"group": str(child.pk)})
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(a["name"], a["parent_id"]) for a in items] == [
        ("子会社", world.account.pk),
        ("孫会社", child.pk),
        ("株式会社山田製作所", None),
    ]
    assert client.get("/api/v1/accounts", {"group": "0"}).status_code == 400
    assert client.get("/api/v1/accounts", {"group": str(2**63 - 1)}).json()["items"] == []
