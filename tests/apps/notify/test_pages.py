"""The notification pages and their permissions, with the personas of tests/conftest.py: a
member sees and marks only their own notifications and keeps only their own preferences; CS
ops admins alone see the deliveries, replay one (confirmed) and keep webhook endpoints."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kizuna.apps.notify import services
from kizuna.apps.notify.models import (
    Delivery,
    Notification,
    NotificationPreference,
    WebhookEndpoint,
)
from kizuna.apps.org.models import User
from kizuna.apps.org.services import api_token_create
from tests.factories import World

EVERYONE = ["csm", "teammate", "manager", "outsider", "viewer", "admin"]
NOT_ADMINS = ["csm", "teammate", "manager", "outsider", "viewer"]


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_bell_counts_the_members_own_unread_notifications(world: World) -> None:
    # given two unread and one read notification for the CSM, one for the teammate
    for title in ("一", "二", "三"):
        services.notify_member(member=world.csm, kind="k", title=title)
    services.notify_member(member=world.teammate, kind="k", title="別人")
    Notification.objects.filter(title="三").update(read_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    # when the CSM opens any page
    body = client_for(world.csm).get(reverse("notify:list")).content.decode()
    # then the bell says two, and the list shows the CSM's three only
    assert "未読の通知 2 件" in body
    assert ("一" in body, "三" in body, "別人" in body) == (True, True, False)
    assert body.count('class="notification unread"') == 2


def test_a_member_marks_their_own_notifications_read_never_anothers(world: World) -> None:
    mine = services.notify_member(member=world.csm, kind="k", title="mine")
    other = services.notify_member(member=world.teammate, kind="k", title="theirs")
    client = client_for(world.csm)
    # when the CSM posts their own id and the teammate's
    response = client.post(reverse("notify:read"), {"id": [str(mine.pk), str(other.pk), "x"]})
    # then only theirs is read
    assert response.status_code == 302
    mine.refresh_from_db()
    other.refresh_from_db()
    assert (mine.read_at is not None, other.read_at) == (True, None)
    # and "all" reads everything of theirs only
    services.notify_member(member=world.csm, kind="k", title="again")
    client.post(reverse("notify:read"), {"all": "1"})
    assert Notification.objects.filter(member=world.csm, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(member=world.teammate, read_at__isnull=True).count() == 1


def test_the_pages_need_a_signed_in_member(db: Any) -> None:
    for name in ("list", "preferences", "deliveries", "webhooks"):
        response = Client().get(reverse(f"notify:{name}"))
        assert response.status_code == 302 and "/login" in response["Location"]


def test_preferences_save_and_quiet_hours_across_midnight_are_accepted(world: World) -> None:
    client = client_for(world.csm)
    response = client.post(
        reverse("notify:preferences"),
        {
            "email": "on",
            "slack": "on",
            "slack_webhook_url": "https://hooks.slack.com/services/T/B/X",
            "mode": "immediate",
            "quiet_start": "22:00",
            "quiet_end": "07:00",
        },
    )
    assert response.status_code == 302
    saved = NotificationPreference.objects.get(member=world.csm)
    assert (saved.email, saved.slack, saved.teams, saved.quiet_start, saved.quiet_end) == (
        True,
        True,
        False,
        dt.time(22),
        dt.time(7),
    )


@pytest.mark.parametrize(
    ("language", "data", "errors"),
    [
        (
            "ja",
            {"mode": "immediate", "slack": "on", "quiet_start": "22:00"},
            [
                "Slack の Incoming Webhook URL を入力してください。",
                "通知停止時間帯は開始と終了の両方を入力するか、両方とも空にしてください。",
            ],
        ),
        (
            "en",
            {"mode": "immediate", "quiet_start": "09:00", "quiet_end": "09:00"},
            ["The quiet hours must end at another time."],
        ),
        (
            "en",
            {"mode": "sometimes", "teams": "on", "teams_webhook_url": "not a url"},
            [
                "Enter a valid URL.",
                "Select a valid choice. sometimes is not one of the available choices.",
            ],
        ),
        (
            "ja",
            {"mode": "immediate", "quiet_start": "25:00", "quiet_end": "07:00"},
            ["時間を正しく入力してください。"],
        ),
    ],
)
def test_preferences_refuse_bad_input_in_the_members_language(
    world: World, language: str, data: dict[str, str], errors: list[str]
) -> None:
    world.csm.language = language
    world.csm.save()
    response = client_for(world.csm).post(reverse("notify:preferences"), data)
    body = response.content.decode()
    assert response.status_code == 400
    shown = re.findall(r'<div class="field-error" role="alert">([^<]*)</div>', body)
    assert shown == errors
    assert not NotificationPreference.objects.exists()


@pytest.mark.parametrize("persona", NOT_ADMINS)
def test_only_admins_see_deliveries_and_webhook_endpoints(world: World, persona: str) -> None:
    client = client_for(getattr(world, persona))
    assert client.get(reverse("notify:deliveries")).status_code == 403
    assert client.get(reverse("notify:webhooks")).status_code == 403
    assert client.post(reverse("notify:webhooks"), {"url": "https://x.example/"}).status_code == 403
    assert client.post(reverse("notify:replay", args=[1]), {"confirm": "yes"}).status_code == 403
    assert client.post(reverse("notify:webhook_deactivate", args=[1])).status_code == 403
    assert (
        'href="/notifications/deliveries/' not in client.get(reverse("usage:ops")).content.decode()
    )


def test_an_admin_adds_an_endpoint_sees_its_secret_once_and_deactivates_it_confirmed(
    world: World,
) -> None:
    client = client_for(world.admin)
    # when the admin adds an endpoint
    response = client.post(
        reverse("notify:webhooks"),
        {
            "url": "https://crm.example/hooks",
            "description": "CRM",
            "event_types": ["coverage.lost", "task.created"],
        },
    )
    endpoint = WebhookEndpoint.objects.get()
    # then its generated secret is on that page, and never again
    assert response.status_code == 200
    assert endpoint.secret.startswith("whsec_") and endpoint.secret in response.content.decode()
    assert endpoint.event_types == ["task.created", "coverage.lost"]  # catalogue order
    assert endpoint.secret not in client.get(reverse("notify:webhooks")).content.decode()
    # when it is deactivated without the confirmation box, then nothing changes
    url = reverse("notify:webhook_deactivate", args=[endpoint.pk])
    client.post(url)
    endpoint.refresh_from_db()
    assert endpoint.active is True
    # with it, the endpoint is deactivated
    client.post(url, {"confirm": "yes"})
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.deactivated_at is not None) == (False, True)


def test_an_admin_filters_failing_deliveries_and_replays_one_confirmed(
    world: World, commit: Callable[..., Any], down_url: str
) -> None:
    services.webhook_endpoint_create(url=down_url, event_types=["coverage.lost"], by=world.admin)
    (failing,) = commit(services.emit_event, event_type="coverage.lost", data={})
    Delivery.objects.filter(pk=failing.pk).update(
        state="dead", attempts=6, last_error="HTTP 503 busy"
    )
    services.notify_member(member=world.csm, kind="k", title="t")
    client = client_for(world.admin)
    # when the admin opens the failing deliveries
    body = client.get(reverse("notify:deliveries"), {"failing": "1"}).content.decode()
    # then only the dead webhook shows, with its error
    assert body.count('<tr class="delivery ') == 1 and "HTTP 503 busy" in body
    assert body.count('<tr class="delivery ') == 1
    everything = client.get(reverse("notify:deliveries"), {"state": "bogus", "page": "x"})
    assert everything.content.decode().count('<tr class="delivery ') == 2
    # when it is replayed without, then with the confirmation
    client.post(reverse("notify:replay", args=[failing.pk]))
    assert Delivery.objects.count() == 2
    client.post(reverse("notify:replay", args=[failing.pk]), {"confirm": "yes"})
    replay = Delivery.objects.get(replay_of=failing)
    assert (replay.state, replay.event_id, replay.attempts) == ("pending", failing.event_id, 0)
    # and the ops page links the deliveries for the admin
    assert reverse("notify:deliveries") in client.get(reverse("usage:ops")).content.decode()


@pytest.mark.parametrize(
    ("link", "shown"),
    [
        ("/accounts/7/", "/accounts/7/"),
        ("https://crm.example/a", "https://crm.example/a"),
        ("javascript:alert(1)", ""),
        ("//evil.example/", ""),
        ("", ""),
    ],
)
def test_only_site_paths_and_http_links_are_shown(world: World, link: str, shown: str) -> None:
    services.notify_member(member=world.csm, kind="k", title="件名", link=link)
    assert Notification.objects.get().safe_link == shown
    body = client_for(world.csm).get(reverse("notify:list")).content.decode()
    assert ('<a href="javascript' in body, "evil.example" in body) == (False, False)


def test_a_members_slack_and_teams_urls_are_never_shown_whole(
    world: World, commit: Callable[..., Any]
) -> None:
    secret_path = "/services/T000/B000/XXXXXXXXXXXXXXXX"
    NotificationPreference.objects.create(
        member=world.csm,
        email=False,
        slack=True,
        slack_webhook_url="https://hooks.slack.com" + secret_path,
        teams=True,
        teams_webhook_url="https://example.webhook.office.com/webhookb2/abc" + secret_path,
    )
    commit(services.notify_member, member=world.csm, kind="k", title="t")
    page = client_for(world.admin).get(reverse("notify:deliveries")).content.decode()
    assert "https://hooks.slack.com/…" in page
    assert "https://example.webhook.office.com/…" in page
    assert secret_path not in page
    _token, raw = api_token_create(user=world.admin, name="t")
    listed = Client().get("/api/v1/deliveries", headers={"Authorization": f"Bearer {raw}"})
    assert secret_path not in listed.content.decode()
    assert sorted(d["target"] for d in listed.json()["items"]) == [
        "csm",
        "https://example.webhook.office.com/…",
        "https://hooks.slack.com/…",
    ]
