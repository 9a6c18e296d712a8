"""Correcting and deleting a touchpoint: its author, a manager of the account's team and admins
may; the account's owner alone, teammates, outsiders and viewers may not. Audited, from the
account page and the API."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.org.access import can_edit_touchpoint
from kizuna.apps.org.models import User
from kizuna.apps.org.services import api_token_create
from kizuna.apps.touchpoints.models import Touchpoint
from kizuna.apps.touchpoints.services import touchpoint_create
from tests.factories import ContactFactory, TouchpointFactory, World

JST = dt.timezone(dt.timedelta(hours=9))
ALLOWED = ["author", "manager", "admin"]
REFUSED = ["teammate", "outsider", "viewer"]
PERSONAS = [(name, True) for name in ALLOWED] + [(name, False) for name in REFUSED]


@pytest.fixture
def touchpoint(world: World) -> Touchpoint:
    """A call the account's CSM logged on their own account (they are its author)."""
    contact = ContactFactory(account=world.account, name="山田 花子")
    return touchpoint_create(
        actor=world.csm,
        account=world.account,
        data={
            "kind": "call",
            "occurred_at": dt.datetime(2026, 11, 20, 10, 0, tzinfo=JST),
            "summary": "請求書の送付先変更の相談",
        },
        contacts=[contact],
    )


def persona(world: World, name: str) -> User:
    user: User = world.csm if name == "author" else getattr(world, name)
    return user


def api(user: User, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    _token, raw = api_token_create(user=user, name="test")
    call = getattr(Client(), method)
    return call(
        "/api/v1" + path,
        json.dumps(body or {}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(("name", "allowed"), PERSONAS)
def test_the_named_check_decides_who_edits_a_touchpoint(
    world: World, touchpoint: Touchpoint, name: str, allowed: bool
) -> None:
    assert can_edit_touchpoint(persona(world, name), touchpoint) is allowed


def test_owning_the_account_is_not_authorship(world: World) -> None:
    # given a touchpoint the manager logged on the CSM's account
    logged = touchpoint_create(
        actor=world.manager,
        account=world.account,
        data={"kind": "meeting", "occurred_at": dt.datetime(2026, 11, 21, 10, 0, tzinfo=JST)},
    )
    # then the owner CSM may not change it; the manager (its author) may
    assert logged.created_by == world.manager
    assert not can_edit_touchpoint(world.csm, logged)
    assert can_edit_touchpoint(world.manager, logged)


def test_an_author_keeps_their_touchpoint_after_a_reassignment(
    world: World, touchpoint: Touchpoint
) -> None:
    world.account.owner = world.teammate
    world.account.save()
    touchpoint.refresh_from_db()
    assert can_edit_touchpoint(world.csm, touchpoint)
    assert not can_edit_touchpoint(world.teammate, touchpoint)


def test_a_deactivated_author_may_not(world: World, touchpoint: Touchpoint) -> None:
    world.csm.is_active = False
    world.csm.save()
    assert not can_edit_touchpoint(world.csm, touchpoint)


@pytest.mark.parametrize(("name", "allowed"), PERSONAS)
def test_the_api_patch_follows_the_permission(
    world: World, touchpoint: Touchpoint, name: str, allowed: bool
) -> None:
    # when a persona corrects the summary through the API
    response = api(
        persona(world, name), "patch", f"/touchpoints/{touchpoint.pk}", {"summary": "訂正済み"}
    )
    # then the allowed ones change it (audited, via the API); the others get 403, nothing changes
    touchpoint.refresh_from_db()
    updates = AuditEvent.objects.filter(entity="touchpoint", action="update")
    if allowed:
        assert response.status_code == 200, response.content
        assert touchpoint.summary == "訂正済み"
        event = updates.get()
        assert (event.account_id, event.via, event.actor) == (
            world.account.pk,
            "api",
            persona(world, name),
        )
        assert event.changes == {"summary": ["請求書の送付先変更の相談", "訂正済み"]}
    else:
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
        assert touchpoint.summary == "請求書の送付先変更の相談"
        assert not updates.exists()


@pytest.mark.parametrize(("name", "allowed"), PERSONAS)
def test_the_api_delete_follows_the_permission(
    world: World, touchpoint: Touchpoint, name: str, allowed: bool
) -> None:
    response = api(persona(world, name), "delete", f"/touchpoints/{touchpoint.pk}")
    deletions = AuditEvent.objects.filter(entity="touchpoint", action="delete")
    if allowed:
        assert response.status_code == 204
        assert not Touchpoint.objects.exists()
        event = deletions.get()
        assert (event.account_id, event.entity_id, event.via) == (
            world.account.pk,
            touchpoint.pk,
            "api",
        )
        assert event.changes["summary"] == ["請求書の送付先変更の相談", None]
        assert event.changes["contacts"] == ["山田 花子", None]
    else:
        assert response.status_code == 403
        assert Touchpoint.objects.filter(pk=touchpoint.pk).exists()
        assert not deletions.exists()


def test_the_api_answers_404_for_a_missing_touchpoint(world: World) -> None:
    assert api(world.admin, "delete", "/touchpoints/999999").status_code == 404
    assert api(world.admin, "patch", "/touchpoints/999999", {"summary": "x"}).status_code == 404


@pytest.mark.parametrize(("name", "allowed"), PERSONAS)
def test_the_edit_page_follows_the_permission(
    world: World, touchpoint: Touchpoint, name: str, allowed: bool
) -> None:
    # given a persona on the edit page of the touchpoint
    client = client_for(persona(world, name))
    url = reverse("touchpoints:touchpoint_edit", args=[touchpoint.pk])
    page = client.get(url)
    # when they save a corrected summary and date
    response = client.post(
        url,
        {
            "kind": "meeting",
            "occurred_at": "2026-11-19T15:00",
            "csm": world.csm.pk,
            "contacts": [c.pk for c in touchpoint.contacts.all()],
            "summary": "対面で実施",
        },
    )
    touchpoint.refresh_from_db()
    if allowed:
        # then the form was filled with the touchpoint and the change is saved and audited
        assert "請求書の送付先変更の相談" in page.content.decode()
        assert 'value="2026-11-20T10:00"' in page.content.decode()
        assert response.status_code == 302
        assert response["Location"].endswith(f"/accounts/{world.account.pk}/#touchpoints")
        assert (touchpoint.kind, touchpoint.summary) == ("meeting", "対面で実施")
        assert touchpoint.occurred_at == dt.datetime(2026, 11, 19, 15, 0, tzinfo=JST)
        event = AuditEvent.objects.get(entity="touchpoint", action="update")
        assert set(event.changes) == {"kind", "occurred_at", "summary"}
    else:
        assert (page.status_code, response.status_code) == (403, 403)
        assert touchpoint.summary == "請求書の送付先変更の相談"


def test_the_edit_form_refuses_a_future_date(world: World, touchpoint: Touchpoint) -> None:
    url = reverse("touchpoints:touchpoint_edit", args=[touchpoint.pk])
    response = client_for(world.csm).post(
        url, {"kind": "call", "occurred_at": "2999-01-01T10:00", "csm": world.csm.pk}
    )
    assert response.status_code == 400
    assert "より後の日付です" in response.content.decode()
    touchpoint.refresh_from_db()
    assert touchpoint.occurred_at == dt.datetime(2026, 11, 20, 10, 0, tzinfo=JST)


@pytest.mark.parametrize(("name", "allowed"), PERSONAS)
def test_deleting_asks_for_confirmation_then_deletes(
    world: World, touchpoint: Touchpoint, name: str, allowed: bool
) -> None:
    client = client_for(persona(world, name))
    url = reverse("touchpoints:touchpoint_delete", args=[touchpoint.pk])
    # when a persona opens the delete link
    confirmation = client.get(url)
    if not allowed:
        assert (confirmation.status_code, client.post(url).status_code) == (403, 403)
        assert Touchpoint.objects.filter(pk=touchpoint.pk).exists()
        return
    # then a confirmation page describes it, and nothing is deleted yet
    assert confirmation.status_code == 200
    assert "請求書の送付先変更の相談" in confirmation.content.decode()
    assert Touchpoint.objects.filter(pk=touchpoint.pk).exists()
    # when they confirm
    response = client.post(url)
    # then it is gone and the account's change history shows the deletion
    assert response.status_code == 302
    assert not Touchpoint.objects.filter(pk=touchpoint.pk).exists()
    page = client.get(reverse("customers:account_detail", args=[world.account.pk]))
    history = page.content.decode().split("変更履歴")[1]
    assert "接点 削除" in history
    assert "内容: 請求書の送付先変更の相談 → —" in history


@pytest.mark.parametrize(("name", "allowed"), PERSONAS)
def test_the_account_page_offers_edit_and_delete_to_those_who_may(
    world: World, touchpoint: Touchpoint, name: str, allowed: bool
) -> None:
    page = client_for(persona(world, name)).get(
        reverse("customers:account_detail", args=[world.account.pk])
    )
    body = page.content.decode()
    edit = reverse("touchpoints:touchpoint_edit", args=[touchpoint.pk])
    delete = reverse("touchpoints:touchpoint_delete", args=[touchpoint.pk])
    assert (edit in body, delete in body) == (allowed, allowed)


def test_a_touchpoint_records_its_author(world: World, touchpoint: Touchpoint) -> None:
    assert touchpoint.created_by == world.csm
    assert touchpoint.csm == world.csm


def test_the_links_cost_no_query_per_touchpoint(world: World, touchpoint: Touchpoint) -> None:
    # given the manager on an account page with one touchpoint
    client = client_for(world.manager)
    url = reverse("customers:account_detail", args=[world.account.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    # when five more are logged
    for day in range(1, 6):
        touchpoint_create(
            actor=world.teammate,
            account=world.account,
            data={"kind": "call", "occurred_at": dt.datetime(2026, 11, day, 9, 0, tzinfo=JST)},
        )
    with CaptureQueriesContext(connection) as six:
        body = client.get(url).content.decode()
    # then each has its links, for the same number of queries
    assert body.count("/delete/") == 6
    assert len(six) == len(one)


def test_without_a_recorded_author_the_touchpoints_csm_is_its_author(world: World) -> None:
    # given a touchpoint stored without its author (the demo's, or logged before authors were)
    legacy = TouchpointFactory(account=world.account, csm=world.teammate, created_by=None)
    # then its CSM may correct it, the account's owner may not
    assert can_edit_touchpoint(world.teammate, legacy)
    assert not can_edit_touchpoint(world.csm, legacy)
