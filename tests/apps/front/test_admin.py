"""Django's admin site never bypasses a service: data that has one is read-only there (with a
link to its page), or changed through the service (touchpoints: the date rule, the
author-or-manager rule and the audit trail)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib import admin
from django.db import models
from django.test import Client, RequestFactory
from django.urls import reverse

from kizuna.apps.audit.models import AuditAction, AuditEvent
from kizuna.apps.customers.models import Account, Product, SubscriptionLine
from kizuna.apps.org.models import Team, User
from kizuna.apps.revenue.models import RevenueSnapshotState
from kizuna.apps.tenant.models import TenantSettings
from kizuna.apps.touchpoints.admin import TouchpointAdmin
from kizuna.apps.touchpoints.models import Touchpoint
from kizuna.apps.usage.models import (
    AccountKeyMapping,
    FeatureDefinition,
    UsageDropRule,
    UsageSource,
)
from tests.factories import ContactFactory, SubscriptionLineFactory, TouchpointFactory, World

UTC = dt.UTC
# Models without a service: the admin is where they are kept (reviewed when a service arrives)
NO_SERVICE: set[type[models.Model]] = {
    RevenueSnapshotState,
    FeatureDefinition,
    AccountKeyMapping,
    UsageSource,
    UsageDropRule,
}
# Models whose admin changes them through their service
THROUGH_SERVICE: set[type[models.Model]] = {Touchpoint, User, Team, Product, TenantSettings}


@pytest.fixture(autouse=True)
def today_is_november_28th(monkeypatch: pytest.MonkeyPatch) -> None:
    now = dt.datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo
    monkeypatch.setattr("kizuna.apps.tenant.selectors.timezone.now", lambda: now)


def _admin_client(user: User) -> Client:
    user.is_staff = user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def touchpoint(world: World) -> Touchpoint:
    return TouchpointFactory(
        account=world.account,
        csm=world.csm,
        created_by=world.csm,
        kind="meeting",
        occurred_at=dt.datetime(2026, 11, 2, 1, 0, tzinfo=UTC),
        summary="定例",
    )


def _change(touchpoint: Touchpoint, **fields: str) -> dict[str, str]:
    data = {
        "csm": str(touchpoint.csm_id),
        "kind": touchpoint.kind,
        "occurred_at_0": "2026-11-02",
        "occurred_at_1": "10:00:00",
        "summary": touchpoint.summary,
        "contacts": "",
    }
    return {**data, **fields}


def _url(touchpoint: Touchpoint, view: str = "change") -> str:
    return reverse(f"admin:touchpoints_touchpoint_{view}", args=[touchpoint.pk])


@pytest.mark.parametrize(
    ("day", "time"),
    [("2099-01-01", "10:00:00"), ("2026-11-29", "00:30:00"), ("1999-12-31", "23:00:00")],
)
def test_the_admin_cannot_save_a_touchpoint_on_a_refused_day(
    world: World, touchpoint: Touchpoint, day: str, time: str
) -> None:
    # given the CS ops admin on the touchpoint's admin change form
    client = _admin_client(world.admin)
    # when they post a date in 2099, tomorrow (company time) or 1999
    response = client.post(
        _url(touchpoint), _change(touchpoint, occurred_at_0=day, occurred_at_1=time)
    )
    # then the form answers with the date rule's reason, and nothing is saved or audited
    assert response.status_code == 200
    assert "occurred_at" in response.context["adminform"].form.errors
    touchpoint.refresh_from_db()
    assert touchpoint.occurred_at == dt.datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    assert not AuditEvent.objects.exists()


def test_a_correction_in_the_admin_goes_through_the_service_and_is_audited(
    world: World, touchpoint: Touchpoint
) -> None:
    # given the CS ops admin, and a contact of the account
    client = _admin_client(world.admin)
    contact = ContactFactory(account=world.account)
    # when they correct the kind, the time and the contacts in the admin
    response = client.post(
        _url(touchpoint),
        _change(touchpoint, kind="call", occurred_at_1="15:00:00", contacts=str(contact.pk)),
    )
    # then the touchpoint is corrected, the change is on the audit trail (who, what, via the
    # admin), and the account is marked for rescoring, as after any correction
    assert response.status_code == 302
    touchpoint.refresh_from_db()
    assert (touchpoint.kind, touchpoint.occurred_at) == (
        "call",
        dt.datetime(2026, 11, 2, 6, 0, tzinfo=UTC),
    )
    assert list(touchpoint.contacts.all()) == [contact]
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.account_id, event.via) == (
        AuditAction.UPDATE,
        world.admin,
        world.account.pk,
        "admin",
    )
    assert event.changes["kind"] == ["meeting", "call"]
    assert Account.objects.get(pk=world.account.pk).health_stale_since is not None


def test_a_contact_of_another_account_is_refused(world: World, touchpoint: Touchpoint) -> None:
    client = _admin_client(world.admin)
    foreign = ContactFactory(account=world.other_account)
    response = client.post(_url(touchpoint), _change(touchpoint, contacts=str(foreign.pk)))
    assert response.status_code == 200
    assert "contacts" in response.context["adminform"].form.errors
    assert not touchpoint.contacts.exists() and not AuditEvent.objects.exists()


def test_a_deletion_in_the_admin_is_audited(world: World, touchpoint: Touchpoint) -> None:
    client = _admin_client(world.admin)
    # when the admin confirms the deletion, and another touchpoint goes through the list's action
    response = client.post(_url(touchpoint, "delete"), {"post": "yes"})
    other = TouchpointFactory(account=world.account, csm=world.csm, summary="電話")
    listed = client.post(
        reverse("admin:touchpoints_touchpoint_changelist"),
        {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"},
    )
    # then both are gone and the audit trail keeps what each said
    assert (response.status_code, listed.status_code) == (302, 302)
    assert not Touchpoint.objects.exists()
    deleted = AuditEvent.objects.filter(action=AuditAction.DELETE, via="admin")
    assert sorted(e.changes["summary"][0] for e in deleted) == ["定例", "電話"]


def test_a_staff_member_who_may_not_edit_the_touchpoint_cannot_change_it(
    world: World, touchpoint: Touchpoint
) -> None:
    # given a teammate who was (wrongly) given the admin site: not the author, not a manager
    client = _admin_client(world.teammate)
    # when they post a correction and a deletion
    change = client.post(_url(touchpoint), _change(touchpoint, summary="改ざん"))
    delete = client.post(_url(touchpoint, "delete"), {"post": "yes"})
    # then both are refused and nothing changed
    assert (change.status_code, delete.status_code) == (403, 403)
    touchpoint.refresh_from_db()
    assert touchpoint.summary == "定例" and not AuditEvent.objects.exists()


def test_the_admin_cannot_add_a_touchpoint(world: World) -> None:
    client = _admin_client(world.admin)
    response = client.post(
        reverse("admin:touchpoints_touchpoint_add"),
        {
            "csm": str(world.csm.pk),
            "kind": "meeting",
            "occurred_at_0": "2099-01-01",
            "occurred_at_1": "10:00:00",
            "summary": "x",
        },
    )
    assert response.status_code == 403
    assert not Touchpoint.objects.exists()


def test_accounts_and_lines_are_read_only_in_the_admin_and_link_to_their_page(
    world: World,
) -> None:
    # given the admin and an account with a line
    client = _admin_client(world.admin)
    line = SubscriptionLineFactory(account=world.account, product=world.product)
    # when they post changes to the account (its owner) and to the line (its amount)
    account_url = reverse("admin:customers_account_change", args=[world.account.pk])
    posted = client.post(account_url, {"name": "改名", "owner": str(world.teammate.pk)})
    line_url = reverse("admin:customers_subscriptionline_change", args=[line.pk])
    line_posted = client.post(line_url, {"billing_amount": "1"})
    # then both are refused and nothing changed
    assert (posted.status_code, line_posted.status_code) == (403, 403)
    account = Account.objects.get(pk=world.account.pk)
    assert (account.name, account.owner) == ("株式会社山田製作所", world.csm)
    assert SubscriptionLine.objects.get(pk=line.pk).billing_amount == 100_000
    # and the pages say where the data is changed, with a link to the account's page
    page = client.get(account_url).content.decode()
    assert 'id="managed-elsewhere"' in page
    assert f'href="{reverse("customers:account_detail", args=[world.account.pk])}"' in page
    assert "この画面では閲覧のみです" in page
    listing = client.get(reverse("admin:customers_account_changelist")).content.decode()
    assert f'href="{reverse("customers:account_list")}"' in listing


def test_the_audit_trail_cannot_be_deleted_in_the_admin(
    world: World, touchpoint: Touchpoint
) -> None:
    client = _admin_client(world.admin)
    client.post(_url(touchpoint), _change(touchpoint, summary="訂正"))
    event = AuditEvent.objects.get()
    url = reverse("admin:audit_auditevent_delete", args=[event.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_every_admin_of_data_with_a_service_is_read_only_or_goes_through_it(world: World) -> None:
    """A new ModelAdmin fails here until it is read-only, routes through its service, or its
    model is listed in NO_SERVICE."""
    request = RequestFactory().get("/admin/")
    request.user = world.admin
    world.admin.is_staff = world.admin.is_superuser = True
    editable = []
    for model, model_admin in admin.site._registry.items():
        if model in NO_SERVICE or model.__module__.startswith("django."):
            continue
        if model in THROUGH_SERVICE:
            continue
        obj: Any = model()
        admins: list[Any] = [model_admin, *model_admin.get_inline_instances(request, obj)]
        for each in admins:
            add = (
                each.has_add_permission(request, obj)
                if isinstance(each, admin.options.InlineModelAdmin)
                else each.has_add_permission(request)
            )
            if (
                add
                or each.has_change_permission(request, obj)
                or each.has_delete_permission(request, obj)
            ):
                editable.append(f"{model.__name__}: {type(each).__name__}")
    assert editable == []
    # and the admins of those models write through their services (or cannot delete)
    assert TouchpointAdmin.save_model is not admin.ModelAdmin.save_model
    assert TouchpointAdmin.delete_model is not admin.ModelAdmin.delete_model
    assert TouchpointAdmin.delete_queryset is not admin.ModelAdmin.delete_queryset
    for model in THROUGH_SERVICE - {Touchpoint}:
        model_admin = admin.site._registry[model]
        assert type(model_admin).save_model is not admin.ModelAdmin.save_model, model
        assert not model_admin.has_delete_permission(request, model()), model
