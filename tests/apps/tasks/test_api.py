"""The tasks API: list with filters, get, create, change state and outcome, snooze, reassign,
comments; hostile input answers 4xx in the one error shape (unknown outcome, snooze dates in
the past or in 9999, huge ids), never 500."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kizuna.apps.org.models import User
from kizuna.apps.org.services import api_token_create
from kizuna.apps.tasks.models import Task
from kizuna.apps.tasks.services import task_create
from tests.apps.tasks.conftest import TODAY
from tests.factories import World


def api(user: User, method: str, path: str, body: Any = None, language: str = "ja") -> Any:
    user.language = language
    user.save(update_fields=["language"])
    _token, raw = api_token_create(user=user, name="test")
    call = getattr(Client(), method)
    data = json.dumps(body) if body is not None else None
    kwargs: dict[str, Any] = {"headers": {"Authorization": f"Bearer {raw}"}}
    if data is not None:
        kwargs["content_type"] = "application/json"
        return call("/api/v1" + path, data, **kwargs)
    return call("/api/v1" + path, **kwargs)


def new_task(world: World, *, due: dt.date = TODAY, owner: User | None = None) -> Task:
    return task_create(
        actor=None, account=world.account, owner=owner or world.csm, title="確認", due_date=due
    )[0]


def test_list_and_filters(world: World) -> None:
    late = new_task(world, due=TODAY - dt.timedelta(days=1))
    later = new_task(world, due=TODAY + dt.timedelta(days=5), owner=world.teammate)
    response = api(world.viewer, "get", "/tasks")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(i["id"], i["overdue"], i["owner"]) for i in items] == [
        (late.pk, True, "csm"),
        (later.pk, False, "teammate"),
    ]
    assert [i["id"] for i in api(world.csm, "get", "/tasks?overdue=true").json()["items"]] == [
        late.pk
    ]
    assert [i["id"] for i in api(world.csm, "get", "/tasks?owner=teammate").json()["items"]] == [
        later.pk
    ]
    assert api(world.csm, "get", "/tasks?state=done").json()["items"] == []
    assert (
        api(world.csm, "get", f"/tasks?account_id={world.other_account.pk}").json()["items"] == []
    )


@pytest.mark.parametrize(
    "query", ["state=closed", f"account_id={10**30}", "account_id=0", "overdue=maybe"]
)
def test_bad_filters_are_400(world: World, query: str) -> None:
    response = api(world.csm, "get", f"/tasks?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_done_with_an_outcome(world: World) -> None:
    task = new_task(world)
    response = api(world.csm, "patch", f"/tasks/{task.pk}", {"state": "done", "outcome": "no_risk"})
    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["outcome"], body["overdue"]) == ("done", "no_risk", False)
    assert body["closed_at"] is not None and body["first_action_at"] is not None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"state": "done", "outcome": "won"}, "outcome"),
        ({"state": "done"}, "outcome"),
        ({"outcome": "saved"}, "state"),
        ({"state": "snoozed", "snoozed_until": "2026-04-28"}, "snoozed_until"),
        ({"state": "snoozed", "snoozed_until": "2026-01-01"}, "snoozed_until"),
        ({"state": "snoozed", "snoozed_until": "9999-12-31"}, "snoozed_until"),
        ({"state": "snoozed", "snoozed_until": "0001-01-01"}, "snoozed_until"),
        ({"state": "snoozed"}, "snoozed_until"),
        ({"state": "snoozed", "snoozed_until": None}, "snoozed_until"),
        ({"state": "open"}, "state"),
        ({"state": "gone"}, "state"),
        ({"owner": "nobody"}, "owner"),
        ({}, "body"),
    ],
)
def test_bad_changes_are_400_and_change_nothing(
    world: World, body: dict[str, Any], field: str
) -> None:
    task = new_task(world)
    response = api(world.manager, "patch", f"/tasks/{task.pk}", body)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    task.refresh_from_db()
    assert (task.state, task.outcome, task.owner_id) == ("open", "", world.csm.pk)


def test_errors_speak_the_members_language(world: World) -> None:
    task = new_task(world)
    body = {"state": "snoozed", "snoozed_until": "2026-04-01"}
    ja = api(world.csm, "patch", f"/tasks/{task.pk}", body).json()["error"]["fields"]
    en = api(world.csm, "patch", f"/tasks/{task.pk}", body, language="en").json()["error"]
    assert ja["snoozed_until"] == ["スヌーズは明日以降、1年以内の日付を指定してください。"]
    assert en["fields"]["snoozed_until"] == [
        "Snooze until a day after today, at most a year ahead."
    ]


def test_snooze_reopen_and_reassign(world: World) -> None:
    task = new_task(world)
    body = {"state": "snoozed", "snoozed_until": "2026-05-07"}
    response = api(world.csm, "patch", f"/tasks/{task.pk}", body)
    assert (response.status_code, response.json()["snoozed_until"]) == (200, "2026-05-07")
    assert api(world.csm, "patch", f"/tasks/{task.pk}", {"state": "dismissed"}).status_code == 200
    assert api(world.csm, "patch", f"/tasks/{task.pk}", {"state": "open"}).json()["state"] == "open"
    assert api(world.csm, "patch", f"/tasks/{task.pk}", {"owner": "teammate"}).status_code == 403
    response = api(world.manager, "patch", f"/tasks/{task.pk}", {"owner": "teammate"})
    assert (response.status_code, response.json()["owner"]) == (200, "teammate")


def test_a_failed_state_change_undoes_the_reassignment(world: World) -> None:
    task = new_task(world)
    body = {"owner": "teammate", "state": "snoozed", "snoozed_until": "2026-04-01"}
    assert api(world.manager, "patch", f"/tasks/{task.pk}", body).status_code == 400
    task.refresh_from_db()
    assert task.owner == world.csm


@pytest.mark.parametrize("persona", ["teammate", "outsider", "viewer"])
def test_who_may_not_close_gets_403(world: World, persona: str) -> None:
    task = new_task(world)
    response = api(
        getattr(world, persona), "patch", f"/tasks/{task.pk}", {"state": "done", "outcome": "saved"}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("task_id", ["0", "-1", str(10**30), "abc"])
def test_bad_ids_are_400_and_missing_ones_404(world: World, task_id: str) -> None:
    assert api(world.csm, "get", f"/tasks/{task_id}").status_code in (400, 404)
    assert api(world.csm, "get", f"/tasks/{task_id}").status_code != 500
    assert api(world.csm, "get", "/tasks/987654321").status_code == 404
    assert api(world.csm, "patch", f"/tasks/{task_id}", {"state": "dismissed"}).status_code in (
        400,
        404,
    )


def test_comments(world: World) -> None:
    task = new_task(world)
    response = api(world.teammate, "post", f"/tasks/{task.pk}/comments", {"body": "代わりに連絡"})
    assert response.status_code == 201 and response.json()["author"] == "teammate"
    assert api(world.viewer, "post", f"/tasks/{task.pk}/comments", {"body": "x"}).status_code == 403
    assert api(world.csm, "post", f"/tasks/{task.pk}/comments", {"body": ""}).status_code == 400
    assert api(world.csm, "post", f"/tasks/{task.pk}/comments", {"body": "  "}).status_code == 400
    listed = api(world.viewer, "get", f"/tasks/{task.pk}/comments").json()
    assert [c["body"] for c in listed] == ["代わりに連絡"]


def test_create(world: World) -> None:
    path = f"/accounts/{world.account.pk}/tasks"
    response = api(world.csm, "post", path, {"title": "QBR", "due_in_business_days": 3})
    assert response.status_code == 201
    assert (response.json()["due_date"], response.json()["owner"]) == ("2026-05-07", "csm")
    assert (
        api(world.teammate, "post", path, {"title": "x", "due_in_business_days": 1}).status_code
        == 403
    )
    for bad in (
        {"title": "x"},
        {"title": "x", "due_in_business_days": 10**9},
        {"title": "x", "due_date": "9999-12-31"},
        {"title": "", "due_in_business_days": 1},
        {"title": "x", "due_in_business_days": 1, "owner": "viewer"},
    ):
        assert api(world.csm, "post", path, bad).status_code == 400, bad
    assert api(world.csm, "post", f"/accounts/{10**30}/tasks", {"title": "x"}).status_code == 400
    assert Task.objects.count() == 1


def test_a_nul_character_is_400_not_500(world: World) -> None:
    task = new_task(world)
    path = f"/accounts/{world.account.pk}/tasks"
    response = api(world.csm, "post", path, {"title": "a\x00b", "due_in_business_days": 1})
    assert response.status_code == 400
    response = api(world.csm, "post", f"/tasks/{task.pk}/comments", {"body": "a\x00b"})
    assert response.status_code == 400
    assert Task.objects.count() == 1


def test_the_list_costs_the_same_queries_for_3_or_30_tasks(world: World) -> None:
    def count() -> int:
        user = world.viewer
        _token, raw = api_token_create(user=user, name="q")
        with CaptureQueriesContext(connection) as queries:
            response = Client().get("/api/v1/tasks", headers={"Authorization": f"Bearer {raw}"})
        assert response.status_code == 200
        return len(queries)

    for _ in range(3):
        new_task(world)
    few = count()
    for _ in range(27):
        new_task(world, owner=world.teammate)
    assert count() == few
