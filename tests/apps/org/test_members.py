"""Members, teams, products and company settings change only through their services: checked
(only CS ops admins change roles, teams and active state; the last active admin stays) and
written to the audit trail, from the services and from the admin's forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from kizuna.apps.audit.models import AuditAction, AuditEvent, ChangeRow
from kizuna.apps.customers.models import Product
from kizuna.apps.customers.services import product_create, product_update
from kizuna.apps.org.models import Role, Team, User
from kizuna.apps.org.services import member_update, team_create, team_update
from kizuna.apps.tenant.models import TenantSettings
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.apps.tenant.services import tenant_settings_ensure, tenant_settings_update
from tests.factories import UserFactory, World


def _admin_client(user: User) -> Client:
    user.is_staff = user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


def _member_form(member: User, **fields: Any) -> dict[str, str]:
    data = {
        "display_name": member.display_name,
        "role": member.role,
        "team": str(member.team_id or ""),
        "language": member.language,
        "is_active": "on" if member.is_active else "",
        "first_name": member.first_name,
        "last_name": member.last_name,
        "email": member.email,
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value != ""}


# --- roles, per persona -------------------------------------------------------------------


def test_the_admin_makes_a_csm_a_manager_and_the_trail_says_who(world: World) -> None:
    # when the CS ops admin makes the CSM a manager of the other team
    member_update(
        actor=world.admin,
        member=world.csm,
        data={"role": Role.MANAGER, "team": world.other_team},
    )
    # then the CSM is a manager there, and the audit trail says who did it, from what to what
    world.csm.refresh_from_db()
    assert (world.csm.role, world.csm.team) == (Role.MANAGER, world.other_team)
    event = AuditEvent.objects.get(entity="user", entity_id=world.csm.pk)
    assert (event.actor, event.action, event.via) == (world.admin, AuditAction.UPDATE, "web")
    assert event.changes["role"] == [Role.CSM, Role.MANAGER]
    assert event.changes["team"][1] == f"{world.other_team} (#{world.other_team.pk})"


@pytest.mark.parametrize("persona", ["manager", "csm", "viewer"])
def test_only_a_cs_ops_admin_changes_a_role_team_or_active_state(
    world: World, persona: str
) -> None:
    actor = getattr(world, persona)
    for data in (
        {"role": Role.ADMIN},
        {"team": world.other_team},
        {"is_active": False},
    ):
        # when anyone else changes a teammate's (or their own) role, team or active state
        for member in (world.teammate, actor):
            with pytest.raises(PermissionDenied):
                member_update(actor=actor, member=member, data=data)
    # then nothing changed and nothing was recorded
    world.teammate.refresh_from_db()
    assert (world.teammate.role, world.teammate.team, world.teammate.is_active) == (
        Role.CSM,
        world.strategic,
        True,
    )
    assert not AuditEvent.objects.exists()


def test_a_member_changes_their_own_name_and_language_but_not_a_teammates(
    world: World,
) -> None:
    member_update(
        actor=world.csm, member=world.csm, data={"display_name": "佐藤", "language": "en"}
    )
    with pytest.raises(PermissionDenied):
        member_update(actor=world.csm, member=world.teammate, data={"display_name": "x"})
    world.csm.refresh_from_db()
    assert (world.csm.display_name, world.csm.language) == ("佐藤", "en")
    event = AuditEvent.objects.get()
    assert event.actor == world.csm and set(event.changes) == {"display_name", "language"}


def test_a_deactivated_admin_changes_nothing(world: World) -> None:
    other_admin = UserFactory(username="admin2", role=Role.ADMIN)
    member_update(actor=world.admin, member=other_admin, data={"is_active": False})
    other_admin.refresh_from_db()
    with pytest.raises(PermissionDenied):
        member_update(actor=other_admin, member=world.csm, data={"role": Role.VIEWER})


def test_posting_the_current_values_back_changes_and_records_nothing(world: World) -> None:
    member_update(
        actor=world.manager, member=world.csm, data={"role": Role.CSM, "team": world.strategic}
    )
    assert not AuditEvent.objects.exists()


def test_a_new_role_gives_or_takes_the_administration(world: World) -> None:
    member_update(actor=world.admin, member=world.manager, data={"role": Role.ADMIN})
    world.manager.refresh_from_db()
    assert world.manager.is_staff and world.manager.is_superuser
    member_update(actor=world.admin, member=world.manager, data={"role": Role.CSM})
    world.manager.refresh_from_db()
    assert not world.manager.is_staff and not world.manager.is_superuser


# --- the last active admin ----------------------------------------------------------------


@pytest.mark.parametrize("data", [{"role": Role.MANAGER}, {"is_active": False}])
def test_the_last_active_admin_cannot_be_demoted_or_deactivated(
    world: World, data: dict[str, Any]
) -> None:
    # given one active CS ops admin (and a deactivated one, who does not count)
    UserFactory(username="former", role=Role.ADMIN, is_active=False)
    # when they demote or deactivate themselves
    with pytest.raises(ValidationError) as raised:
        member_update(actor=world.admin, member=world.admin, data=data)
    # then they are refused with the reason, and nothing changed
    assert "最後の有効なCSオペレーション管理者" in str(raised.value)
    world.admin.refresh_from_db()
    assert (world.admin.role, world.admin.is_active) == (Role.ADMIN, True)
    assert not AuditEvent.objects.exists()


def test_an_admin_can_step_down_once_another_admin_is_active(world: World) -> None:
    member_update(actor=world.admin, member=world.manager, data={"role": Role.ADMIN})
    world.manager.refresh_from_db()
    member_update(actor=world.manager, member=world.admin, data={"role": Role.MANAGER})
    world.admin.refresh_from_db()
    assert world.admin.role == Role.MANAGER
    # and now the former manager is the last one
    with pytest.raises(ValidationError):
        member_update(actor=world.manager, member=world.manager, data={"is_active": False})


# --- a deactivated member's API tokens ----------------------------------------------------


def test_a_deactivated_members_api_token_stops_working(world: World) -> None:
    from kizuna.apps.org.services import api_token_create

    _token, raw = api_token_create(user=world.csm, name="夜間バッチ")
    headers = {"Authorization": f"Bearer {raw}"}
    assert Client().get("/api/v1/accounts", headers=headers).status_code == 200
    member_update(actor=world.admin, member=world.csm, data={"is_active": False})
    assert Client().get("/api/v1/accounts", headers=headers).status_code == 401
    # and works again when the member is reactivated
    member_update(actor=world.admin, member=world.csm, data={"is_active": True})
    assert Client().get("/api/v1/accounts", headers=headers).status_code == 200


# --- the admin's forms --------------------------------------------------------------------


def test_a_role_change_in_the_admin_is_audited_and_shown_on_the_members_page(
    world: World,
) -> None:
    # given the CS ops admin in the administration
    client = _admin_client(world.admin)
    url = reverse("admin:org_user_change", args=[world.csm.pk])
    # when they make the CSM a manager on the member's form
    response = client.post(url, _member_form(world.csm, role=Role.MANAGER))
    # then the change is saved and on the audit trail, via the admin
    assert response.status_code == 302
    world.csm.refresh_from_db()
    assert world.csm.role == Role.MANAGER
    event = AuditEvent.objects.get(entity="user", entity_id=world.csm.pk)
    assert (event.actor, event.via, event.changes["role"]) == (
        world.admin,
        "admin",
        [Role.CSM, Role.MANAGER],
    )
    # and the member's page shows it, in Japanese, at the company's time
    AuditEvent.objects.filter(pk=event.pk).update(
        at=dt.datetime(2026, 11, 27, 15, 30, tzinfo=dt.UTC)
    )
    page = client.get(url).content.decode()
    history = page.split('id="member-history"')[1].split("</fieldset>")[0]
    assert "変更履歴" in history
    assert "役割: CSM → マネージャー" in history
    assert "2026/11/28 0:30" in history, history
    assert str(world.admin) in history
    assert event.change_rows == [ChangeRow("役割", "CSM", "マネージャー")]


def test_the_last_admin_is_refused_on_the_admin_form_with_a_clear_reason(
    world: World,
) -> None:
    client = _admin_client(world.admin)
    url = reverse("admin:org_user_change", args=[world.admin.pk])
    response = client.post(url, _member_form(world.admin, role=Role.VIEWER))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "最後の有効なCSオペレーション管理者" in str(errors["role"])
    world.admin.refresh_from_db()
    assert world.admin.role == Role.ADMIN and not AuditEvent.objects.exists()


def test_members_teams_and_products_are_not_deleted_in_the_admin(world: World) -> None:
    client = _admin_client(world.admin)
    for url in (
        reverse("admin:org_user_delete", args=[world.csm.pk]),
        reverse("admin:org_team_delete", args=[world.strategic.pk]),
        reverse("admin:customers_product_delete", args=[world.product.pk]),
    ):
        assert client.post(url, {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=world.csm.pk).exists()
    assert Team.objects.filter(pk=world.strategic.pk).exists()
    assert Product.objects.filter(pk=world.product.pk).exists()


def test_a_new_member_in_the_admin_is_audited(world: World) -> None:
    client = _admin_client(world.admin)
    response = client.post(
        reverse("admin:org_user_add"),
        {
            "username": "newcsm",
            "usable_password": "true",
            "password1": "a-long-enough-pass-29",
            "password2": "a-long-enough-pass-29",
            "display_name": "新人",
            "role": Role.CSM,
            "team": str(world.strategic.pk),
            "language": "ja",
        },
    )
    assert response.status_code == 302
    member = User.objects.get(username="newcsm")
    assert (member.role, member.team, member.is_staff) == (Role.CSM, world.strategic, False)
    event = AuditEvent.objects.get(entity="user", entity_id=member.pk)
    assert (event.action, event.actor, event.via) == (AuditAction.CREATE, world.admin, "admin")
    assert "password" not in event.changes


def test_team_product_and_company_settings_changes_in_the_admin_are_audited(
    world: World,
) -> None:
    client = _admin_client(world.admin)
    tenant_settings_ensure()
    team = client.post(
        reverse("admin:org_team_change", args=[world.strategic.pk]),
        {"code": "strategic", "kind": world.strategic.kind, "name_ja": "戦略", "name_en": "S"},
    )
    product = client.post(
        reverse("admin:customers_product_change", args=[world.product.pk]),
        {"code": world.product.code, "name_ja": "新名称", "name_en": "New"},
    )
    settings = client.post(
        reverse("admin:tenant_tenantsettings_change", args=[1]),
        {
            "company_name": "株式会社キズナ",
            "currency": "JPY",
            "time_zone": "Asia/Tokyo",
            "fiscal_year_start_month": "4",
        },
    )
    assert (team.status_code, product.status_code, settings.status_code) == (302, 302, 302)
    entities = dict(AuditEvent.objects.filter(via="admin").values_list("entity", "changes"))
    assert entities["team"]["name_ja"][1] == "戦略"
    assert entities["product"]["is_active"] == [True, False]  # unticked: no longer sold
    assert entities["tenantsettings"]["company_name"][1] == "株式会社キズナ"


def test_a_bad_time_zone_in_the_admin_is_refused_on_the_form(world: World) -> None:
    client = _admin_client(world.admin)
    tenant_settings_ensure()
    response = client.post(
        reverse("admin:tenant_tenantsettings_change", args=[1]),
        {
            "company_name": "x",
            "currency": "JPY",
            "time_zone": "Mars/Olympus",
            "fiscal_year_start_month": "13",
        },
    )
    assert response.status_code == 200
    assert TenantSettings.objects.get().time_zone == "Asia/Tokyo"
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("persona", ["manager", "csm", "viewer"])
def test_only_a_cs_ops_admin_keeps_teams_products_and_company_settings(
    world: World, persona: str
) -> None:
    actor = getattr(world, persona)
    with pytest.raises(PermissionDenied):
        team_create(actor=actor, data={"code": "new", "kind": "enablement", "name_ja": "x"})
    with pytest.raises(PermissionDenied):
        team_update(actor=actor, team=world.strategic, data={"name_ja": "x"})
    with pytest.raises(PermissionDenied):
        product_create(actor=actor, data={"code": "p2", "name_ja": "x", "name_en": "x"})
    with pytest.raises(PermissionDenied):
        product_update(actor=actor, product=world.product, data={"is_active": False})
    with pytest.raises(PermissionDenied):
        tenant_settings_update(actor=actor, data={"time_zone": "UTC"})
    assert not AuditEvent.objects.exists()


def test_the_admin_keeps_teams_products_and_company_settings_audited(world: World) -> None:
    team = team_create(
        actor=world.admin,
        data={"code": "enable", "kind": "enablement", "name_ja": "イネーブル", "name_en": "E"},
    )
    product_update(actor=world.admin, product=world.product, data={"is_active": False})
    tenant_settings_update(actor=world.admin, data={"fiscal_year_start_month": 1})
    with pytest.raises(ValidationError):
        tenant_settings_update(actor=world.admin, data={"time_zone": "Nowhere/Atlantis"})
    assert Team.objects.filter(pk=team.pk).exists()
    assert tenant_settings_get().time_zone == "Asia/Tokyo"
    assert sorted(AuditEvent.objects.values_list("entity", flat=True)) == [
        "product",
        "team",
        "tenantsettings",
    ]
