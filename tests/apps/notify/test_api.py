"""The notification API: each member their own notifications and preferences; webhook
endpoints and deliveries for CS ops admins; hostile input answers 4xx in the one error shape."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from kizuna.apps.notify import services
from kizuna.apps.notify.models import Delivery, Notification, WebhookEndpoint
from kizuna.apps.org.models import User
from kizuna.apps.org.services import api_token_create
from tests.factories import World

NOT_ADMINS = ["csm", "teammate", "manager", "outsider", "viewer"]


def api(user: User, method: str, path: str, body: Any = None, **query: Any) -> Any:
    _token, raw = api_token_create(user=user, name="test")
    headers = {"Authorization": f"Bearer {raw}"}
    client = Client()
    if method == "get":
        return client.get("/api/v1" + path, query, headers=headers)
    return getattr(client, method)(
        "/api/v1" + path,
        json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers=headers,
    )


def test_a_member_lists_and_marks_only_their_own_notifications(world: World) -> None:
    mine = services.notify_member(
        member=world.csm, kind="k", title="ヘルス低下", priority="high", account=world.account
    )
    services.notify_member(member=world.csm, kind="k", title="二件目")
    theirs = services.notify_member(member=world.teammate, kind="k", title="別人")
    listed = api(world.csm, "get", "/notifications").json()
    assert listed["count"] == 2
    assert [(n["title"], n["priority"], n["account_id"]) for n in listed["items"]] == [
        ("二件目", "medium", None),
        ("ヘルス低下", "high", world.account.pk),
    ]
    # when the CSM marks theirs and the teammate's read
    answer = api(world.csm, "post", "/notifications/read", {"ids": [mine.pk, theirs.pk]})
    # then one changed: their own
    assert (answer.status_code, answer.json()) == (200, {"marked": 1})
    assert api(world.csm, "get", "/notifications", unread="true").json()["count"] == 1
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert api(world.csm, "post", "/notifications/read", {"all": True}).json() == {"marked": 1}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"ids": []},
        {"ids": [0]},
        {"ids": [2**63]},
        {"ids": None},
        {"ids": ["x"]},
        {"ids": list(range(1, 502))},
        {"all": "maybe"},
    ],
)
def test_marking_read_refuses_bad_input(world: World, body: dict[str, Any]) -> None:
    answer = api(world.csm, "post", "/notifications/read", body)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] in {"invalid", "bad_request"}


def test_preferences_are_the_members_own_and_validated(world: World) -> None:
    default = api(world.csm, "get", "/notifications/preferences").json()
    assert default == {
        "email": True,
        "slack": False,
        "slack_webhook_url": "",
        "teams": False,
        "teams_webhook_url": "",
        "mode": "immediate",
        "quiet_start": None,
        "quiet_end": None,
        "digest": False,
    }
    changed = api(
        world.csm,
        "put",
        "/notifications/preferences",
        {
            "teams": True,
            "teams_webhook_url": "https://x.webhook.office.com/a",
            "quiet_start": "22:00",
            "quiet_end": "07:00",
        },
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["teams"], changed.json()["quiet_start"], changed.json()["email"]) == (
        True,
        "22:00:00",
        True,
    )
    assert api(world.teammate, "get", "/notifications/preferences").json() == default


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"slack": True}, "slack_webhook_url"),
        ({"quiet_start": "22:00"}, "quiet_end"),
        ({"quiet_start": "09:00", "quiet_end": "09:00"}, "quiet_end"),
        ({"slack_webhook_url": "javascript:alert(1)"}, "slack_webhook_url"),
        ({"mode": "never"}, "mode"),
        ({"quiet_start": "24:00", "quiet_end": "07:00"}, "quiet_start"),
        ({"email": None}, "email"),
        ({"teams_webhook_url": "https://x/" + "a" * 600}, "teams_webhook_url"),
    ],
)
def test_bad_preferences_answer_400_on_the_field(
    world: World, body: dict[str, Any], field: str
) -> None:
    answer = api(world.csm, "put", "/notifications/preferences", body)
    assert answer.status_code == 400, answer.content
    assert field in json.dumps(answer.json()["error"])


@pytest.mark.parametrize("persona", NOT_ADMINS)
def test_only_admins_keep_endpoints_and_see_deliveries(world: World, persona: str) -> None:
    user = getattr(world, persona)
    calls = [
        ("get", "/webhook-endpoints", None),
        (
            "post",
            "/webhook-endpoints",
            {"url": "https://x.example/", "event_types": ["coverage.lost"]},
        ),
        ("post", "/webhook-endpoints/1/deactivate", None),
        ("get", "/deliveries", None),
        ("post", "/deliveries/1/replay", None),
    ]
    for method, path, body in calls:
        answer = api(user, method, path, body)
        assert (answer.status_code, answer.json()["error"]["code"]) == (403, "forbidden"), path
    assert not WebhookEndpoint.objects.exists()


def test_an_admin_creates_an_endpoint_with_its_secret_once_and_replays_a_delivery(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    created = api(
        world.admin,
        "post",
        "/webhook-endpoints",
        {"url": "https://crm.example/hook", "event_types": ["coverage.lost", "coverage.lost"]},
    )
    assert created.status_code == 201
    endpoint = created.json()
    assert endpoint["secret"].startswith("whsec_") and endpoint["event_types"] == ["coverage.lost"]
    listed = api(world.admin, "get", "/webhook-endpoints").json()["items"]
    assert [e["id"] for e in listed] == [endpoint["id"]] and "secret" not in listed[0]
    (delivery,) = services.emit_event(event_type="coverage.lost", data={"x": 1})
    failing = api(world.admin, "get", "/deliveries", failing="true").json()
    assert failing["count"] == 0
    pending = api(world.admin, "get", "/deliveries", state="pending").json()["items"]
    assert [(d["id"], d["channel"], d["attempts"]) for d in pending] == [
        (delivery.pk, "webhook", 0)
    ]
    replay = api(world.admin, "post", f"/deliveries/{delivery.pk}/replay")
    assert replay.status_code == 201
    assert (replay.json()["replay_of_id"], replay.json()["event_id"]) == (
        delivery.pk,
        delivery.event_id,
    )
    # a deactivated endpoint's delivery cannot be replayed: 409
    gone = api(world.admin, "post", f"/webhook-endpoints/{endpoint['id']}/deactivate")
    assert (gone.status_code, gone.json()["active"]) == (200, False)
    refused = api(world.admin, "post", f"/deliveries/{delivery.pk}/replay")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "conflict")
    assert Delivery.objects.count() == 2


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://x.example/", "event_types": ["coverage.lost"]},
        {"url": "https://x.example/", "event_types": []},
        {"url": "https://x.example/", "event_types": ["coverage.found"]},
        {"url": "https://x.example/" + "a" * 500, "event_types": ["coverage.lost"]},
        {"url": None, "event_types": ["coverage.lost"]},
        {"event_types": ["coverage.lost"]},
        {"url": "https://x.example/", "event_types": ["coverage.lost"], "description": "x" * 201},
    ],
)
def test_bad_endpoints_answer_400(world: World, body: dict[str, Any]) -> None:
    answer = api(world.admin, "post", "/webhook-endpoints", body)
    assert answer.status_code == 400, answer.content
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("post", "/deliveries/999999/replay", 404),
        ("post", f"/deliveries/{2**63}/replay", 400),
        ("post", "/deliveries/0/replay", 400),
        ("post", "/webhook-endpoints/999999/deactivate", 404),
        ("get", "/deliveries?state=bogus", 400),
        ("get", "/deliveries?page=0", 400),
    ],
)
def test_unknown_ids_and_filters(world: World, method: str, path: str, status: int) -> None:
    answer = api(world.admin, method, path)
    assert answer.status_code == status, answer.content
