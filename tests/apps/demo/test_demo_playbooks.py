"""The demo's playbooks and their runs (``playbooks.demo``): three playbooks titled in Japanese
and English, runs at various stages whose dates hold together, shown on the pages."""

from __future__ import annotations

import datetime as dt

from django.db.models import F
from django.test import Client

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.org.models import User
from kizuna.apps.playbooks.demo import PLAYBOOKS
from kizuna.apps.playbooks.models import Playbook, PlaybookRun, RunState
from kizuna.apps.playbooks.selectors import runs_with_progress
from kizuna.apps.tasks.models import Task, TaskOrigin
from kizuna.apps.tenant.selectors import tenant_settings_get, tenant_today
from kizuna.core.playbooks import Step, due_dates, step_title


def test_three_playbooks_each_step_titled_in_both_languages(demo: None) -> None:
    playbooks = Playbook.objects.order_by("pk")
    assert [p.name for p in playbooks] == [
        "オンボーディング・キックオフ",
        "更新120日前",
        "リスク顧客リカバリー",
    ]
    assert [[(s.order, s.offset_days, s.anchor) for s in p.steps.all()] for p in playbooks] == [
        [(1, 0, "start"), (2, 7, "start"), (3, 30, "start")],
        [(1, -120, "renewal"), (2, -100, "renewal"), (3, -60, "renewal"), (4, -30, "renewal")],
        [(1, 0, "start"), (2, 5, "start"), (3, 30, "start"), (4, 60, "start")],
    ]
    steps = [s for p in playbooks for s in p.steps.all()]
    assert all(s.title_ja and s.title_en for s in steps)
    assert {s.title_en for s in steps} >= {
        "Hold the kick-off meeting",
        "Hold the executive meeting",
    }
    assert all(p.active and p.created_by.username == "admin" for p in playbooks)
    assert AuditEvent.objects.filter(entity="playbook", via="demo").count() == len(PLAYBOOKS)


def test_runs_at_every_stage_with_dates_that_hold_together(demo: None) -> None:
    today = tenant_today()
    rows = runs_with_progress(PlaybookRun.objects.all(), today=today)
    by_playbook = {p.name: 0 for p in Playbook.objects.all()}
    for row in rows:
        by_playbook[row.run.playbook.name] += 1
    # every playbook runs somewhere
    assert all(count > 0 for count in by_playbook.values()), by_playbook
    # some runs completed, some running with steps done, some with an overdue step, some new
    states = [(r.run.state, r.progress.closed, len(r.progress.overdue)) for r in rows]
    assert any(state == RunState.COMPLETED for state, _c, _o in states)
    assert any(state == RunState.RUNNING and closed > 0 for state, closed, _o in states)
    assert any(state == RunState.RUNNING and overdue == 1 for state, _c, overdue in states)
    assert any(state == RunState.RUNNING and closed == 0 for state, closed, _o in states)
    for row in rows:
        run = row.run
        assert run.started_on <= today
        assert run.started_by is None and run.started_by_rule_id is None
        # each step is due where the playbook puts it, counted from the run's start
        specs = {s.order: s for s in run.playbook.steps.all()}
        expected = due_dates(
            [Step(o, s.offset_days, s.anchor) for o, s in specs.items()],  # type: ignore[arg-type]
            started_on=run.started_on,
            anchor_date=run.anchor_date,
            year_end_closure=tenant_settings_get().year_end_closure,
        )
        assert {s.order: s.due_on for s in row.steps} == expected
        assert {s.order: s.task.due_date for s in row.steps} == expected
        for step in row.steps:
            task = step.task
            assert task.title == step_title(step.title_ja, step.title_en, task.owner.language)
            assert task.created_at.date() <= run.started_on + dt.timedelta(days=1)
            # a step still to come is open; a closed one was closed on or after its due day
            if task.due_date >= today:
                assert task.state == "open"
            if task.state == "done":
                assert task.closed_at is not None and task.closed_at >= task.created_at
                assert task.outcome == "contacted" and task.closed_by == task.owner
        if run.state == RunState.COMPLETED:
            assert run.ended_at is not None and row.progress.complete
    # a renewal run counts from the account's renewal
    renewals = [r.run for r in rows if r.run.playbook.name == "更新120日前"]
    assert renewals and all(r.anchor_date and r.anchor_date > today for r in renewals)
    tasks = Task.objects.filter(origin=TaskOrigin.PLAYBOOK)
    assert tasks.filter(closed_at__lt=F("created_at")).count() == 0


def test_the_pages_show_the_progress(demo: None) -> None:
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    listing = client.get("/playbooks/").content.decode()
    assert all(spec.name in listing for spec in PLAYBOOKS)
    run = PlaybookRun.objects.filter(state=RunState.RUNNING).order_by("pk").first()
    assert run is not None
    page = client.get(f"/playbooks/{run.playbook_id}/").content.decode()
    assert run.account.name in page
    account = client.get(f"/accounts/{run.account_id}/").content.decode()
    assert 'id="account-playbooks"' in account and run.playbook.name in account
