"""The task pages in Japanese and English: the inbox, the team view, a task's page and its
actions (done and dismiss ask for confirmation), adding a task from an account, 今日's "my
tasks" and the account page's panel; the personas who may not act get 403."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from kizuna.apps.org.models import User
from kizuna.apps.tasks.models import Task, TaskComment
from kizuna.apps.tasks.services import task_create
from tests.apps.tasks.conftest import TODAY
from tests.factories import World


def client_for(user: User, language: str = "ja") -> Client:
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def new_task(world: World, *, due: dt.date = TODAY, title: str = "更新前の確認") -> Task:
    return task_create(
        actor=None,
        account=world.account,
        owner=world.csm,
        title=title,
        due_date=due,
        reason="利用が30日で半減",
        evidence_url="/health/",
        evidence_label="ヘルススコア",
    )[0]


@pytest.mark.parametrize(("language", "text"), [("ja", "自分のタスク"), ("en", "My tasks")])
def test_it_shows_the_inbox_with_the_overdue_marked(world: World, language: str, text: str) -> None:
    overdue = new_task(world, due=TODAY - dt.timedelta(days=3), title="期限切れの件")
    new_task(world, due=TODAY + dt.timedelta(days=9), title="来週の件")
    response = client_for(world.csm, language).get(reverse("tasks:inbox"))
    assert response.status_code == 200
    body = response.content.decode()
    assert text in body
    assert body.index("期限切れの件") < body.index("来週の件")
    assert f'href="/tasks/{overdue.pk}/"' in body
    assert body.count('class="overdue"') == 1


def test_the_inbox_filters_by_state_and_refuses_a_csm_asking_for_another(world: World) -> None:
    task = new_task(world)
    client = client_for(world.csm)
    assert "更新前の確認" not in client.get(reverse("tasks:inbox") + "?state=done").content.decode()
    assert client.get(reverse("tasks:inbox") + "?state=bogus").status_code == 200
    assert client.get(reverse("tasks:inbox") + "?csm=teammate").status_code == 403
    manager = client_for(world.manager)
    body = manager.get(reverse("tasks:inbox") + "?csm=csm").content.decode()
    assert task.title in body


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("manager", 200),
        ("admin", 200),
        ("csm", 403),
        ("viewer", 403),
        ("outsider", 403),
    ],
)
def test_the_team_view(world: World, persona: str, status: int) -> None:
    new_task(world, due=TODAY - dt.timedelta(days=1), title="遅れている件")
    response = client_for(getattr(world, persona)).get(reverse("tasks:team"))
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert "遅れている件" in body and 'id="team-load"' in body


@pytest.mark.parametrize(("language", "text"), [("ja", "根拠"), ("en", "Evidence")])
def test_the_task_page(world: World, language: str, text: str) -> None:
    task = new_task(world)
    body = client_for(world.csm, language).get(reverse("tasks:detail", args=[task.pk])).content
    page = body.decode()
    assert text in page and 'id="evidence" href="/health/"' in page
    assert 'id="task-actions"' in page and 'id="task-reassign"' not in page


def test_a_viewer_sees_no_actions_and_huge_ids_are_404(world: World) -> None:
    task = new_task(world)
    client = client_for(world.viewer)
    page = client.get(reverse("tasks:detail", args=[task.pk])).content.decode()
    assert 'id="task-actions"' not in page
    assert client.get(f"/tasks/{10**30}/").status_code == 404
    assert client.get("/tasks/99999999/").status_code == 404


def test_done_needs_the_confirmation_box(world: World) -> None:
    task = new_task(world)
    client = client_for(world.csm)
    url = reverse("tasks:complete", args=[task.pk])
    response = client.post(url, {"done_outcome": "saved", "outcome": "saved"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.state == "open"
    response = client.post(url, {"outcome": "saved", "note": "更新します", "confirm": "yes"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.state, task.outcome) == ("done", "saved")
    assert TaskComment.objects.get(task=task).body == "解約を回避: 更新します"


@pytest.mark.parametrize(
    ("language", "message"),
    [("ja", "正しく選択してください"), ("en", "Select a valid choice")],
)
def test_an_unknown_outcome_is_shown_in_the_members_language(
    world: World, language: str, message: str
) -> None:
    task = new_task(world)
    response = client_for(world.csm, language).post(
        reverse("tasks:complete", args=[task.pk]), {"outcome": "won", "confirm": "yes"}
    )
    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.parametrize(
    ("language", "message"),
    [("ja", "明日以降"), ("en", "a day after today")],
)
def test_a_snooze_in_the_past_is_refused_in_the_members_language(
    world: World, language: str, message: str
) -> None:
    task = new_task(world)
    client = client_for(world.csm, language)
    url = reverse("tasks:snooze", args=[task.pk])
    for until in ("2026-04-01", "9999-12-31"):
        response = client.post(url, {"until": until})
        assert response.status_code == 400
        assert message in response.content.decode()
    assert client.post(url, {"until": "10000-01-01"}).status_code == 400
    assert client.post(url, {"until": "2026-05-07"}).status_code == 302
    task.refresh_from_db()
    assert (task.state, task.snoozed_until) == ("snoozed", dt.date(2026, 5, 7))


def test_dismiss_reopen_comment_and_reassign(world: World) -> None:
    task = new_task(world)
    csm, manager = client_for(world.csm), client_for(world.manager)
    assert csm.post(reverse("tasks:dismiss", args=[task.pk]), {"confirm": "yes"}).status_code == 302
    task.refresh_from_db()
    assert task.state == "dismissed"
    assert csm.post(reverse("tasks:reopen", args=[task.pk])).status_code == 302
    assert (
        csm.post(reverse("tasks:comment", args=[task.pk]), {"body": "電話済み"}).status_code == 302
    )
    assert csm.post(reverse("tasks:comment", args=[task.pk]), {"body": ""}).status_code == 400
    url = reverse("tasks:reassign", args=[task.pk])
    assert csm.post(url, {"owner": world.teammate.pk}).status_code == 403
    assert manager.post(url, {"owner": world.viewer.pk}).status_code == 400
    assert manager.post(url, {"owner": str(10**30)}).status_code == 400
    assert manager.post(url, {"owner": world.teammate.pk}).status_code == 302
    task.refresh_from_db()
    assert (task.state, task.owner) == ("open", world.teammate)


@pytest.mark.parametrize("persona", ["teammate", "outsider", "viewer"])
def test_who_may_not_close_gets_403(world: World, persona: str) -> None:
    task = new_task(world)
    client = client_for(getattr(world, persona))
    for name, data in (
        ("complete", {"outcome": "saved", "confirm": "yes"}),
        ("dismiss", {"confirm": "yes"}),
        ("snooze", {"until": "2026-05-07"}),
    ):
        assert client.post(reverse(f"tasks:{name}", args=[task.pk]), data).status_code == 403
    task.refresh_from_db()
    assert task.state == "open"


def test_adding_a_task_from_the_account_page(world: World) -> None:
    client = client_for(world.csm)
    url = reverse("tasks:create", args=[world.account.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"title": "QBRの準備", "priority": "high", "due_in": "3"})
    assert response.status_code == 302
    task = Task.objects.get(title="QBRの準備")
    assert (task.owner, task.due_date, task.origin) == (world.csm, dt.date(2026, 5, 7), "manual")
    assert (
        client.post(url, {"title": "x", "priority": "high", "due_in": "99999"}).status_code == 400
    )
    assert client.post(url, {"title": "x", "priority": "high"}).status_code == 400
    bad_date = {"title": "x", "priority": "low", "due_date": "9999-12-31"}
    assert client.post(url, bad_date).status_code == 400
    assert client_for(world.teammate).get(url).status_code == 403
    assert client_for(world.viewer).post(url, {"title": "x", "due_in": "1"}).status_code == 403
    assert Task.objects.count() == 1
    page = client.get(reverse("customers:account_detail", args=[world.account.pk])).content
    assert "QBRの準備" in page.decode() and 'id="account-tasks"' in page.decode()


def test_today_lists_my_tasks_overdue_first(world: World) -> None:
    new_task(world, due=TODAY + dt.timedelta(days=2), title="あさっての件")
    new_task(world, due=TODAY - dt.timedelta(days=2), title="おとといの件")
    new_task(world, due=TODAY, title="今日の件")
    response = client_for(world.csm).get(reverse("coverage:worklist"))
    body = response.content.decode()
    assert response.status_code == 200 and 'id="my-tasks"' in body
    assert body.index("おとといの件") < body.index("今日の件") < body.index("あさっての件")
