"""Task services: creating (idempotent on the dedup key, also when two creates race), due
dates in business days, snooze and wake, done with an outcome, dismiss, reopen, reassign,
comments; each recorded in the history and the audit trail, with exact values."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.jobs.registry import job_named
from kizuna.apps.tasks import services
from kizuna.apps.tasks.models import Task, TaskComment, TaskEvent
from kizuna.apps.tasks.services import (
    due_in_business_days,
    task_comment,
    task_complete,
    task_create,
    task_dismiss,
    task_reassign,
    task_reopen,
    task_snooze,
    tasks_wake,
)
from kizuna.apps.tasks.tasks import wake_snoozed
from kizuna.apps.tenant.models import SETTINGS_PK, TenantSettings
from tests.apps.tasks.conftest import TODAY
from tests.factories import World


def make(world: World, **kwargs: Any) -> Task:
    values: dict[str, Any] = {
        "actor": world.csm,
        "account": world.account,
        "owner": world.csm,
        "title": "解約リスクの確認",
        "due_date": due_in_business_days(1),
    }
    values.update(kwargs)
    return task_create(**values)[0]


def history(task: Task) -> list[tuple[str, str | None, str]]:
    return [
        (e.kind, e.actor.username if e.actor else None, e.detail)
        for e in TaskEvent.objects.filter(task=task).select_related("actor")
    ]


def test_due_dates_count_business_days_across_golden_week(world: World) -> None:
    # given today is Tuesday 2026-04-28: 4/29 and 5/2-5/6 are closed
    assert due_in_business_days(0) == dt.date(2026, 4, 28)
    assert due_in_business_days(1) == dt.date(2026, 4, 30)
    assert due_in_business_days(3) == dt.date(2026, 5, 7)
    with pytest.raises(ValidationError) as error:
        due_in_business_days(10**9)
    assert list(error.value.message_dict) == ["due_date"]


def test_create_records_the_task_its_history_and_the_audit(world: World) -> None:
    task, created = task_create(
        actor=world.csm,
        account=world.account,
        owner=world.csm,
        title="利用低下のフォロー",
        reason="ログインが30日で60%減",
        evidence_url="/accounts/1/#usage",
        evidence_label="利用状況",
        priority="high",
        due_date=dt.date(2026, 5, 7),
    )
    assert created is True
    task.refresh_from_db()
    assert (task.state, task.priority, task.origin, task.outcome) == ("open", "high", "manual", "")
    assert task.created_by == world.csm and task.first_action_at is None
    assert history(task) == [("created", "csm", "manual")]
    audit = AuditEvent.objects.get(entity="task", entity_id=task.pk)
    assert audit.action == "create" and audit.account_id == world.account.pk
    assert audit.changes["due_date"] == [None, "2026-05-07"]


def test_the_same_dedup_key_gives_the_same_task(world: World) -> None:
    first = make(world, actor=None, origin="rule", origin_id=12, dedup_key="rule:12:account:1")
    again, created = task_create(
        actor=None,
        account=world.account,
        owner=world.csm,
        title="other title",
        due_date=TODAY,
        origin="rule",
        origin_id=12,
        dedup_key="rule:12:account:1",
    )
    assert (again.pk, created) == (first.pk, False)
    assert Task.objects.count() == 1
    # a closed task frees its key
    task_complete(actor=world.csm, task=first, outcome="contacted")
    third, created = task_create(
        actor=None,
        account=world.account,
        owner=world.csm,
        title="again",
        due_date=TODAY,
        dedup_key="rule:12:account:1",
    )
    assert created is True and third.pk != first.pk
    # an empty key never deduplicates
    make(world, dedup_key="")
    make(world, dedup_key="")
    assert Task.objects.filter(dedup_key="").count() == 2


def test_a_concurrent_duplicate_loses_at_the_constraint(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given another process created the key's task after our check found none
    winner = make(world, actor=None, dedup_key="rule:7:account:9")
    monkeypatch.setattr(services, "_active_with_key", _none_once(services._active_with_key))
    # when we create it too
    task, created = task_create(
        actor=None,
        account=world.account,
        owner=world.csm,
        title="dup",
        due_date=TODAY,
        dedup_key="rule:7:account:9",
    )
    # then the database refused ours and we got the winner's, and our transaction goes on
    assert (task.pk, created) == (winner.pk, False)
    assert Task.objects.filter(dedup_key="rule:7:account:9").count() == 1
    assert Task.objects.count() == 1


def _none_once(real: Any) -> Any:
    calls = {"n": 0}

    def lookup(key: str) -> Task | None:
        calls["n"] += 1
        return None if calls["n"] == 1 else real(key)

    return lookup


def test_the_database_refuses_two_active_tasks_with_one_key(world: World) -> None:
    make(world, dedup_key="k")
    with pytest.raises(IntegrityError):
        Task.objects.create(
            account=world.account,
            owner=world.csm,
            title="x",
            due_date=TODAY,
            dedup_key="k",
            state="snoozed",
        )


def test_snooze_then_wake(world: World) -> None:
    task = make(world)
    task_snooze(actor=world.csm, task=task, until=dt.date(2026, 5, 7))
    task.refresh_from_db()
    assert (task.state, task.snoozed_until) == ("snoozed", dt.date(2026, 5, 7))
    assert task.first_action_at is not None
    assert tasks_wake(today=dt.date(2026, 5, 6)) == 0
    assert tasks_wake(today=dt.date(2026, 5, 7)) == 1
    assert tasks_wake(today=dt.date(2026, 5, 7)) == 0
    task.refresh_from_db()
    assert (task.state, task.snoozed_until) == ("open", None)
    assert [k for k, _, _ in history(task)] == ["created", "snoozed", "woke"]
    assert history(task)[1] == ("snoozed", "csm", "2026-05-07")
    assert history(task)[2] == ("woke", None, "")


@pytest.mark.parametrize(
    "until", [TODAY, TODAY - dt.timedelta(days=1), dt.date(9999, 12, 31), dt.date(1, 1, 1)]
)
def test_snooze_refuses_today_the_past_and_far_futures(world: World, until: dt.date) -> None:
    task = make(world)
    with pytest.raises(ValidationError) as error:
        task_snooze(actor=world.csm, task=task, until=until)
    assert list(error.value.message_dict) == ["snoozed_until"]
    task.refresh_from_db()
    assert task.state == "open"


def test_complete_with_an_outcome_and_a_note(world: World) -> None:
    task = make(world)
    task_complete(actor=world.csm, task=task, outcome="saved", note="更新の意向あり")
    task.refresh_from_db()
    assert (task.state, task.outcome, task.closed_by) == ("done", "saved", world.csm)
    assert task.closed_at is not None and task.first_action_at is not None
    assert [k for k, _, _ in history(task)] == ["created", "done", "commented"]
    assert TaskComment.objects.get(task=task).body.endswith(": 更新の意向あり")
    # closing twice is refused
    with pytest.raises(ValidationError) as error:
        task_dismiss(actor=world.csm, task=task)
    assert list(error.value.message_dict) == ["state"]


@pytest.mark.parametrize("outcome", ["", "won", "DONE", "no risk", "\x00"])
def test_complete_refuses_an_unknown_outcome(world: World, outcome: str) -> None:
    task = make(world)
    with pytest.raises(ValidationError) as error:
        task_complete(actor=world.csm, task=task, outcome=outcome)
    assert list(error.value.message_dict) == ["outcome"]


def test_dismiss_then_reopen(world: World) -> None:
    task = make(world, dedup_key="rule:1:account:1")
    task_dismiss(actor=world.csm, task=task)
    task.refresh_from_db()
    assert (task.state, task.outcome) == ("dismissed", "")
    task_reopen(actor=world.csm, task=task)
    task.refresh_from_db()
    assert (task.state, task.closed_at, task.closed_by) == ("open", None, None)
    # a closed task cannot be reopened while another holds its key
    task_dismiss(actor=world.csm, task=task)
    make(world, dedup_key="rule:1:account:1")
    with pytest.raises(ValidationError) as error:
        task_reopen(actor=world.csm, task=task)
    assert list(error.value.message_dict) == ["state"]


def test_reassign_to_an_active_member(world: World) -> None:
    task = make(world)
    task_reassign(actor=world.manager, task=task, owner=world.teammate)
    task.refresh_from_db()
    assert task.owner == world.teammate
    assert history(task)[-1][0:2] == ("reassigned", "manager")
    for refused in (world.viewer, world.teammate):
        with pytest.raises(ValidationError):
            task_reassign(actor=world.manager, task=task, owner=refused)
    world.csm.is_active = False
    world.csm.save()
    with pytest.raises(ValidationError):
        task_reassign(actor=world.manager, task=task, owner=world.csm)


def test_comments(world: World) -> None:
    task = make(world)
    comment = task_comment(actor=world.teammate, task=task, body="  代わりに電話しました  ")
    assert comment.body == "代わりに電話しました"
    task.refresh_from_db()
    assert task.first_action_at is not None
    for body in ("", "   ", "x" * 4001):
        with pytest.raises(ValidationError):
            task_comment(actor=world.csm, task=task, body=body)
    with pytest.raises(PermissionDenied):
        task_comment(actor=world.viewer, task=task, body="見ました")
    assert TaskComment.objects.filter(task=task).count() == 1


def test_create_refuses_a_viewer_owner_and_a_bad_due_date(world: World) -> None:
    with pytest.raises(ValidationError):
        make(world, owner=world.viewer)
    for due in (dt.date(1, 1, 1), dt.date(9999, 12, 31)):
        with pytest.raises(ValidationError) as error:
            make(world, due_date=due)
        assert list(error.value.message_dict) == ["due_date"]
    with pytest.raises(PermissionDenied):
        make(world, actor=world.teammate)
    assert Task.objects.count() == 0


def test_the_wake_up_job_is_scheduled_daily_and_reports(world: World) -> None:
    job = job_named("tasks.wake_snoozed")
    assert job is not None and job.every == "day"
    task = make(world)
    task_snooze(actor=world.csm, task=task, until=dt.date(2026, 5, 7))
    assert wake_snoozed.call("2026-05-07") == "1 snoozed task(s) woken"
    task.refresh_from_db()
    assert task.state == "open"


def test_a_company_without_the_year_end_closure_counts_12_29_to_12_31(world: World) -> None:
    # given Friday 2025-12-26
    friday = dt.date(2025, 12, 26)
    assert due_in_business_days(1, today=friday) == dt.date(2026, 1, 5)
    # when the company works through the year end
    TenantSettings.objects.filter(pk=SETTINGS_PK).update(year_end_closure=False)
    # then Monday 12/29 is the next business day, and 1/1 (a national holiday) stays closed
    assert due_in_business_days(1, today=friday) == dt.date(2025, 12, 29)
    assert due_in_business_days(4, today=friday) == dt.date(2026, 1, 2)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("/accounts/1/#usage", True),
        ("https://crm.example.jp/a/1", True),
        ("", True),
        ("javascript:alert(1)", False),
        ("//evil.example", False),
        ("data:text/html,x", False),
        (" /accounts/1/", False),
    ],
)
def test_the_evidence_link_is_a_page_or_a_web_address(
    world: World, url: str, allowed: bool
) -> None:
    if allowed:
        assert make(world, evidence_url=url).evidence_url == url
    else:
        with pytest.raises(ValidationError) as error:
            make(world, evidence_url=url)
        assert list(error.value.message_dict) == ["evidence_url"]
