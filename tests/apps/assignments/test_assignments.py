"""Assignment: auto-assignment within the norms, manual reassignment, hand-off; the load and
capacity pages."""

from __future__ import annotations

from fractions import Fraction

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from kizuna.apps.assignments.models import AssignmentChange
from kizuna.apps.assignments.services import (
    account_handoff,
    account_reassign,
    auto_assign_apply,
    auto_assign_preview,
)
from kizuna.apps.customers.models import Account
from kizuna.apps.org.models import Role
from tests.factories import AccountFactory, UserFactory, World


def test_it_assigns_unowned_high_touch_accounts_within_the_norm(world: World) -> None:
    # given 12 unowned high-touch accounts and two strategic CSMs (norm: at most 10 each);
    # the CSM already owns the world's account (made active here)
    Account.objects.filter(pk=world.account.pk).update(segment="high", mrr=1)
    world.teammate.team = world.strategic
    world.teammate.save()
    accounts = [AccountFactory(segment="high", mrr=10_000 * (i + 1)) for i in range(12)]
    # when auto-assignment is applied
    changed = auto_assign_apply(actor=world.admin)
    # then all 12 are placed, nobody exceeds 10, each change is recorded
    assert changed == 12
    owners = [a.owner_id for a in Account.objects.filter(pk__in=[a.pk for a in accounts])]
    counts = {
        world.csm.pk: owners.count(world.csm.pk) + 1,
        world.teammate.pk: owners.count(world.teammate.pk),
    }
    assert counts == {world.csm.pk: 7, world.teammate.pk: 6}
    assert AssignmentChange.objects.filter(source="auto").count() == 12
    assert set(
        Account.objects.filter(pk__in=[a.pk for a in accounts]).values_list("team", flat=True)
    ) == {world.strategic.pk}


def test_it_reports_a_shortage_instead_of_exceeding_the_norm(world: World) -> None:
    Account.objects.all().delete()
    for i in range(25):
        AccountFactory(segment="high", mrr=1000 + i)
    # the strategic team has two CSMs (csm, teammate): room for 20
    preview = auto_assign_preview()
    assert len(preview.plan.assignments) == 20
    assert [(s.segment, len(s.unplaced)) for s in preview.plan.shortages] == [("high", 5)]
    # 25 accounts for a norm of 10 → 3 CSMs needed, 2 today: hire 1
    assert [(p.accounts, p.needed, p.hiring_need) for p in preview.plan.teams] == [
        (25, 3, 1),  # strategic
        (0, 0, 0),  # adoption
    ]


def test_it_lets_only_admins_apply_auto_assignment(world: World) -> None:
    with pytest.raises(PermissionDenied):
        auto_assign_apply(actor=world.manager)
    client = Client()
    client.force_login(world.csm)
    assert client.post(reverse("assignments:auto_assign")).status_code == 403


def test_it_reassigns_by_hand_with_a_reason(world: World) -> None:
    with pytest.raises(ValidationError):
        account_reassign(
            actor=world.manager, account=world.account, owner=world.teammate, reason=" "
        )
    with pytest.raises(PermissionDenied):
        account_reassign(
            actor=world.csm, account=world.account, owner=world.teammate, reason="休職"
        )
    account_reassign(
        actor=world.manager, account=world.account, owner=world.teammate, reason="産休のため"
    )
    world.account.refresh_from_db()
    assert world.account.owner == world.teammate
    change = AssignmentChange.objects.get()
    assert (change.from_owner, change.to_owner, change.reason, change.by) == (
        world.csm,
        world.teammate,
        "産休のため",
        world.manager,
    )


def test_it_hands_off_a_low_touch_account_to_the_lightest_adoption_csm(world: World) -> None:
    # given the adoption team: the outsider carries an active low-touch account, "free" none
    adoption = world.other_team
    free = UserFactory(username="free", role=Role.CSM, team=adoption)
    Account.objects.filter(pk=world.other_account.pk).update(mrr=5, segment="low", phase="adoption")
    Account.objects.filter(pk=world.account.pk).update(segment="low", phase="onboarding")
    world.account.refresh_from_db()
    with pytest.raises(ValidationError):
        account_handoff(actor=world.csm, account=world.account, note="")
    account_handoff(
        actor=world.csm,
        account=world.account,
        note="稟議フロー設定済み。経理部の田中様がキーマン。",
    )
    world.account.refresh_from_db()
    assert (world.account.owner, world.account.team, world.account.phase) == (
        free,
        adoption,
        "adoption",
    )
    change = AssignmentChange.objects.get(source="handoff")
    assert change.reason.startswith("稟議フロー")
    with pytest.raises(ValidationError):
        account_handoff(actor=world.admin, account=world.account, note="again")


@pytest.mark.parametrize("persona", ["csm", "manager", "viewer", "admin"])
def test_it_shows_the_load_and_capacity_pages(world: World, persona: str) -> None:
    client = Client()
    client.force_login(getattr(world, persona))
    assert client.get(reverse("assignments:load")).status_code == 200
    response = client.get(reverse("assignments:capacity"))
    assert response.status_code == 200


def test_it_rejects_a_bad_capacity_scenario_in_japanese(world: World) -> None:
    client = Client()
    client.force_login(world.manager)
    response = client.get(
        reverse("assignments:capacity"),
        {
            "high_load": "0",
            "low_load": "30",
            "high_new": "1",
            "low_new": "2",
            "churn": "1.5",
            "onboarding_months": "3",
            "concurrent": "10",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "1 以上" in body or "1以上" in body


def test_it_measures_new_contracts_per_month_by_first_contract(world: World) -> None:
    import datetime as dt

    from kizuna.apps.assignments.selectors import measured_inputs
    from tests.factories import SubscriptionLineFactory

    # given three low-touch accounts whose first contracts fall in the last six complete months
    # (2026-05 … 2026-10) and one whose first contract is older
    for start in (
        dt.date(2026, 5, 1),
        dt.date(2026, 8, 1),
        dt.date(2026, 10, 1),
        dt.date(2025, 1, 1),
    ):
        account = AccountFactory(segment="low", mrr=1)
        SubscriptionLineFactory(account=account, product=world.product, start_date=start)
        SubscriptionLineFactory(
            account=account, product=world.product, start_date=dt.date(2026, 11, 1)
        )
    measured = measured_inputs(today=dt.date(2026, 11, 25))
    assert measured.new_per_month["low"] == Fraction(3, 6)
    assert measured.accounts["low"] == 4


def test_it_serves_load_and_reassignment_through_the_api(world: World) -> None:
    import json

    from kizuna.apps.org.services import api_token_create

    _token, raw = api_token_create(user=world.manager, name="t")
    auth = {"Authorization": f"Bearer {raw}"}
    client = Client()
    loads = client.get("/api/v1/assignments/load", headers=auth).json()
    assert {row["csm"] for row in loads} >= {"csm", "teammate"}
    url = f"/api/v1/accounts/{world.account.pk}/reassign"
    body = {"owner": "teammate", "reason": "担当替え"}
    response = client.post(url, json.dumps(body), content_type="application/json", headers=auth)
    assert response.status_code == 200, response.json()
    assert (response.json()["from_owner"], response.json()["to_owner"]) == ("csm", "teammate")
    missing = client.post(
        url, json.dumps({"owner": "nobody", "reason": "x"}), content_type="application/json",
        headers=auth,
    )  # fmt: skip
    assert missing.status_code == 404
    changes = client.get("/api/v1/assignment-changes", headers=auth).json()
    assert changes["count"] == 1


def test_it_previews_auto_assignment_on_request_only(world: World) -> None:
    Account.objects.all().delete()
    for i in range(25):
        AccountFactory(segment="high", mrr=1000 + i)
    client = Client()
    client.force_login(world.manager)
    plain = client.get(reverse("assignments:load")).content.decode()
    assert "自動アサインをプレビュー" in plain
    preview = client.get(reverse("assignments:load"), {"preview": "1"}).content.decode()
    assert "5 件は基準内で割り当てられません" in preview
    assert "自動アサインを適用" not in preview  # managers preview, admins apply


def test_the_hand_off_counts_load_as_the_load_page_does(world: World) -> None:
    # given the outsider (adoption) owns 3 tech-touch accounts, which are not adoption load,
    # and "busy" carries one low-touch account past onboarding
    busy = UserFactory(username="busy", role=Role.CSM, team=world.other_team)
    Account.objects.filter(pk=world.other_account.pk).update(mrr=5, segment="tech")
    for _ in range(2):
        AccountFactory(owner=world.outsider, team=world.other_team, segment="tech", mrr=5)
    AccountFactory(owner=busy, team=world.other_team, segment="low", phase="adoption", mrr=5)
    Account.objects.filter(pk=world.account.pk).update(segment="low", phase="onboarding")
    world.account.refresh_from_db()

    # when
    account_handoff(actor=world.csm, account=world.account, note="引き継ぎ")

    # then the outsider's load is 0, so the outsider takes it
    world.account.refresh_from_db()
    assert world.account.owner == world.outsider


def test_applying_auto_assignment_on_the_page_needs_the_confirmation(world: World) -> None:
    # given an unowned high-touch account the plan would assign
    account = AccountFactory(segment="high", mrr=10_000)
    client = Client()
    client.force_login(world.admin)
    # when CS ops applies without ticking the box
    response = client.post(reverse("assignments:auto_assign"))
    # then they are back on the preview and nothing changed
    assert response["Location"] == reverse("assignments:load") + "?preview=1"
    account.refresh_from_db()
    assert account.owner_id is None
    assert not AssignmentChange.objects.exists()
    # and the preview page asks for the confirmation
    body = client.get(reverse("assignments:load") + "?preview=1").content.decode()
    assert 'name="confirm" value="yes" required' in body
    # when they tick it, the plan is applied
    client.post(reverse("assignments:auto_assign"), {"confirm": "yes"})
    account.refresh_from_db()
    assert account.owner_id is not None
