"""Playbook services: create/edit (admins, audited, checked), start (a run and one task per
step with exact due dates and owners; idempotent; by a member or a rule), progress, completion,
cancel, permissions of the personas, hostile input."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.customers.models import Account
from kizuna.apps.playbooks.models import Playbook, PlaybookRun
from kizuna.apps.playbooks.selectors import run_progress, runs_with_progress
from kizuna.apps.playbooks.services import (
    playbook_create,
    playbook_run_cancel,
    playbook_start,
    playbook_update,
)
from kizuna.apps.tasks.models import Task
from kizuna.apps.tasks.services import task_complete, task_dismiss, task_reopen
from tests.apps.playbooks.conftest import DUES, RENEWAL, STEPS, TODAY
from tests.factories import AccountFactory, World

pytestmark = pytest.mark.django_db


def tasks_of(run: PlaybookRun) -> list[Task]:
    return [step.task for step in run.steps.select_related("task", "task__owner")]


def test_start_opens_one_task_per_step_with_exact_due_dates_and_owner(
    world: World, playbook: Playbook, renewing: dt.date
) -> None:
    run, created = playbook_start(account=world.account, playbook=playbook, by=world.csm)
    assert created is True
    assert (run.state, run.started_on, run.anchor_date, run.started_by) == (
        "running",
        TODAY,
        RENEWAL,
        world.csm,
    )
    tasks = tasks_of(run)
    assert [(t.title, t.due_date, t.owner.username, t.priority) for t in tasks] == [
        ("キックオフ", DUES[1], "csm", "high"),
        ("初回フォロー", DUES[2], "csm", "medium"),
        ("更新準備", DUES[3], "csm", "medium"),
        ("更新確認", DUES[4], "csm", "medium"),
    ]
    assert {(t.origin, t.origin_id) for t in tasks} == {("playbook", run.pk)}
    assert [t.dedup_key for t in tasks] == [f"playbook:{run.pk}:step:{n}" for n in (1, 2, 3, 4)]
    assert [s.due_on for s in run.steps.all()] == [DUES[n] for n in (1, 2, 3, 4)]
    assert AuditEvent.objects.filter(entity="playbookrun", entity_id=run.pk).count() == 1


def test_starting_twice_while_running_returns_the_running_run(
    world: World, playbook: Playbook, renewing: dt.date
) -> None:
    first, _ = playbook_start(account=world.account, playbook=playbook, by=world.csm)
    again, created = playbook_start(account=world.account, playbook=playbook, by=world.manager)
    assert (again.pk, created) == (first.pk, False)
    assert PlaybookRun.objects.count() == 1
    assert Task.objects.count() == 4


def test_an_anchor_date_given_wins_over_the_lines(world: World, playbook: Playbook) -> None:
    run, _ = playbook_start(
        account=world.account, playbook=playbook, by=world.csm, anchor_date=dt.date(2027, 1, 3)
    )
    # 2027-01-03 − 120 days = Saturday 2026-09-05 → Friday 9/4; − 30 days = Friday 2026-12-04
    assert [t.due_date for t in tasks_of(run)][2:] == [dt.date(2026, 9, 4), dt.date(2026, 12, 4)]


def test_without_a_renewal_date_a_renewal_playbook_cannot_start(
    world: World, playbook: Playbook
) -> None:
    with pytest.raises(ValidationError) as caught:
        playbook_start(account=world.account, playbook=playbook, by=world.csm)
    assert caught.value.error_dict["anchor_date"][0].code == "no_renewal"
    assert PlaybookRun.objects.count() == Task.objects.count() == 0


def test_start_only_playbook_needs_no_renewal(world: World) -> None:
    quick = playbook_create(actor=world.admin, name="フォロー", steps=STEPS[:2])
    run, created = playbook_start(account=world.account, playbook=quick, by=world.csm)
    assert created and run.anchor_date is None
    assert [t.due_date for t in tasks_of(run)] == [DUES[1], DUES[2]]


def test_a_rule_starts_a_playbook_without_a_member(
    world: World, playbook: Playbook, renewing: dt.date
) -> None:
    run, created = playbook_start(account=world.account, playbook=playbook, rule_id=7)
    assert created and run.started_by is None and run.started_by_rule_id == 7
    assert {t.created_by for t in tasks_of(run)} == {None}


def test_the_tasks_go_to_the_team_manager_when_the_account_has_no_owner(
    world: World, playbook: Playbook
) -> None:
    ownerless = AccountFactory(owner=None, team=world.strategic)
    run, _ = playbook_start(
        account=ownerless, playbook=playbook, by=world.admin, anchor_date=RENEWAL
    )
    assert {t.owner.username for t in tasks_of(run)} == {"manager"}
    nobody = AccountFactory(owner=None, team=None)
    with pytest.raises(ValidationError) as caught:
        playbook_start(account=nobody, playbook=playbook, by=world.admin, anchor_date=RENEWAL)
    assert caught.value.error_dict["account"][0].code == "no_owner"


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("csm", True),
        ("manager", True),
        ("admin", True),
        ("teammate", False),
        ("outsider", False),
        ("viewer", False),
    ],
)
def test_who_may_start_and_cancel(
    world: World, playbook: Playbook, persona: str, allowed: bool
) -> None:
    member = getattr(world, persona)
    if not allowed:
        with pytest.raises(PermissionDenied):
            playbook_start(account=world.account, playbook=playbook, by=member, anchor_date=RENEWAL)
        run, _ = playbook_start(
            account=world.account, playbook=playbook, by=world.csm, anchor_date=RENEWAL
        )
        with pytest.raises(PermissionDenied):
            playbook_run_cancel(actor=member, run=run)
        return
    run, created = playbook_start(
        account=world.account, playbook=playbook, by=member, anchor_date=RENEWAL
    )
    assert created
    assert playbook_run_cancel(actor=member, run=run).state == "cancelled"


@pytest.mark.parametrize("persona", ["csm", "manager", "teammate", "outsider", "viewer"])
def test_only_admins_create_and_edit_playbooks(world: World, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        playbook_create(actor=getattr(world, persona), name="x", steps=STEPS)
    book = playbook_create(actor=world.admin, name="x", steps=STEPS)
    with pytest.raises(PermissionDenied):
        playbook_update(actor=getattr(world, persona), playbook=book, name="y", steps=STEPS)


def test_progress_completion_and_a_reopened_task(
    world: World, playbook: Playbook, renewing: dt.date
) -> None:
    run, _ = playbook_start(account=world.account, playbook=playbook, by=world.csm)
    tasks = tasks_of(run)
    task_complete(actor=world.csm, task=tasks[0], outcome="contacted")
    (row,) = runs_with_progress(PlaybookRun.objects.filter(pk=run.pk), today=dt.date(2026, 5, 7))
    assert (row.progress.closed, row.progress.total, row.progress.complete) == (1, 4, False)
    assert row.next_step is not None and row.next_step.title == "初回フォロー"
    assert [s.order for s in row.progress.overdue] == [2, 3]
    task_dismiss(actor=world.csm, task=tasks[1])
    task_complete(actor=world.csm, task=tasks[2], outcome="saved")
    run.refresh_from_db()
    assert run.state == "running"
    task_complete(actor=world.csm, task=tasks[3], outcome="no_risk")
    run.refresh_from_db()
    assert run.state == "completed" and run.ended_at is not None
    steps = list(run.steps.select_related("task"))
    assert run_progress(steps, today=TODAY).complete is True
    # a task reopened afterwards leaves the run completed, and progress shows it open again
    task_reopen(actor=world.csm, task=tasks[3])
    run.refresh_from_db()
    assert run.state == "completed"
    assert run_progress(list(run.steps.select_related("task")), today=TODAY).closed == 3


def test_a_completed_run_lets_the_playbook_start_again(
    world: World, playbook: Playbook, renewing: dt.date
) -> None:
    run, _ = playbook_start(account=world.account, playbook=playbook, by=world.csm)
    for task in tasks_of(run):
        task_dismiss(actor=world.csm, task=task)
    run.refresh_from_db()
    assert run.state == "completed"
    second, created = playbook_start(account=world.account, playbook=playbook, by=world.csm)
    assert created and second.pk != run.pk


def test_cancel_dismisses_the_open_tasks_and_keeps_the_closed(
    world: World, playbook: Playbook, renewing: dt.date
) -> None:
    run, _ = playbook_start(account=world.account, playbook=playbook, by=world.csm)
    tasks = tasks_of(run)
    task_complete(actor=world.csm, task=tasks[0], outcome="contacted")
    cancelled = playbook_run_cancel(actor=world.csm, run=run)
    assert cancelled.state == "cancelled" and cancelled.ended_at is not None
    assert [t.state for t in tasks_of(run)] == ["done", "dismissed", "dismissed", "dismissed"]
    with pytest.raises(ValidationError) as caught:
        playbook_run_cancel(actor=world.csm, run=run)
    assert caught.value.error_dict["state"][0].code == "invalid_state"
    again, created = playbook_start(account=world.account, playbook=playbook, by=world.csm)
    assert created and again.pk != run.pk


def test_an_inactive_or_empty_playbook_does_not_start(world: World, playbook: Playbook) -> None:
    playbook_update(
        actor=world.admin, playbook=playbook, name=playbook.name, active=False, steps=STEPS
    )
    playbook.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        playbook_start(account=world.account, playbook=playbook, by=world.csm, anchor_date=RENEWAL)
    assert caught.value.error_dict["playbook"][0].code == "inactive"
    empty = Playbook.objects.create(name="空")
    with pytest.raises(ValidationError) as caught:
        playbook_start(account=world.account, playbook=empty, by=world.csm)
    assert caught.value.error_dict["playbook"][0].code == "no_steps"


def test_an_edit_leaves_running_runs_as_they_were(
    world: World, playbook: Playbook, renewing: dt.date
) -> None:
    run, _ = playbook_start(account=world.account, playbook=playbook, by=world.csm)
    playbook_update(
        actor=world.admin,
        playbook=playbook,
        name="オンボーディング v2",
        description=playbook.description,
        steps=[{"order": 1, "title_ja": "新しいキックオフ", "offset_days": 1, "anchor": "start"}],
    )
    assert [s.title for s in run.steps.all()] == [
        "キックオフ",
        "初回フォロー",
        "更新準備",
        "更新確認",
    ]
    assert [s.title for s in playbook.steps.all()] == ["新しいキックオフ"]
    event = AuditEvent.objects.filter(entity="playbook", action="update").get()
    assert set(event.changes) == {"name", "steps"}


@pytest.mark.parametrize(
    "anchor_date",
    [dt.date(9999, 12, 31), dt.date(1, 1, 1), dt.date(2040, 1, 1)],
)
def test_hostile_renewal_dates_are_refused_without_writing(
    world: World, playbook: Playbook, anchor_date: dt.date
) -> None:
    with pytest.raises(ValidationError):
        playbook_start(
            account=world.account, playbook=playbook, by=world.csm, anchor_date=anchor_date
        )
    assert PlaybookRun.objects.count() == Task.objects.count() == 0


@pytest.mark.parametrize(
    "steps",
    [
        [],
        [{"order": 1, "title_ja": "x", "offset_days": 10**9, "anchor": "start"}],
        [{"order": 1, "title_ja": "x", "offset_days": -3661, "anchor": "renewal"}],
        [{"order": 1, "title_ja": "x", "offset_days": None, "anchor": "start"}],
        [{"order": True, "title_ja": "x", "offset_days": 0, "anchor": "start"}],
        [{"order": 0, "title_ja": "x", "offset_days": 0, "anchor": "start"}],
        [{"order": 1, "title_ja": "", "offset_days": 0, "anchor": "start"}],
        [{"order": 1, "title_ja": "a\x00b", "offset_days": 0, "anchor": "start"}],
        [{"order": 1, "title_ja": "x" * 201, "offset_days": 0, "anchor": "start"}],
        [{"order": 1, "title_ja": "x", "offset_days": 0, "anchor": "end"}],
        [{"order": 1, "title_ja": "x", "offset_days": 0, "anchor": "start", "priority": "urgent"}],
        [
            {"order": 1, "title_ja": "x", "offset_days": 0, "anchor": "start"},
            {"order": 1, "title_ja": "y", "offset_days": 3, "anchor": "start"},
        ],
        [{"order": n, "title_ja": "x", "offset_days": 0, "anchor": "start"} for n in range(1, 52)],
    ],
)
def test_hostile_steps_are_refused(world: World, steps: list[dict[str, Any]]) -> None:
    with pytest.raises(ValidationError) as caught:
        playbook_create(actor=world.admin, name="x", steps=steps)
    assert "steps" in caught.value.error_dict
    assert Playbook.objects.count() == 0


def test_hostile_names_are_refused(world: World) -> None:
    for name in ["", "   ", "a\x00b", "x" * 201]:
        with pytest.raises(ValidationError):
            playbook_create(actor=world.admin, name=name, steps=STEPS)
    assert Playbook.objects.count() == 0


def test_an_account_deleted_takes_its_runs_and_tasks(
    world: World, playbook: Playbook, renewing: dt.date
) -> None:
    playbook_start(account=world.account, playbook=playbook, by=world.csm)
    Account.objects.filter(pk=world.account.pk).delete()
    assert PlaybookRun.objects.count() == Task.objects.count() == 0
