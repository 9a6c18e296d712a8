"""The demo's rules and their history of firings and tasks (``rules.demo``)."""

from __future__ import annotations

import datetime as dt

from django.db.models import F
from django.test import Client
from django.urls import reverse

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.demo.services import demo_load_if_empty
from kizuna.apps.rules.demo import HISTORY_DAYS, RULES
from kizuna.apps.rules.models import EvaluationRun, Firing, Rule
from kizuna.apps.tasks.models import Task, TaskEvent, TaskEventKind, TaskOrigin
from kizuna.apps.tenant.selectors import tenant_today


def test_its_rules_are_enabled_each_with_a_version_and_an_audit(demo: None) -> None:
    rules = Rule.objects.order_by("pk")
    assert [r.name for r in rules] == [spec.name for spec in RULES]
    assert all(r.enabled and r.created_by.username == "admin" for r in rules)
    assert all(r.versions.count() == 1 for r in rules)
    audited = AuditEvent.objects.filter(entity="rule", via="demo")
    assert audited.count() == 2 * len(RULES)  # created, then enabled


def test_the_evaluation_ran_every_seventh_day_of_the_half_year(demo: None) -> None:
    today = tenant_today()
    days = set(EvaluationRun.objects.values_list("day", flat=True))
    assert {today - dt.timedelta(days=n) for n in range(HISTORY_DAYS, -1, -7)} <= days
    firing = Firing.objects.exclude(task=None).order_by("day").first()
    assert firing is not None and firing.acted_at is not None
    assert firing.acted_at.date() <= firing.day + dt.timedelta(days=1)
    assert Firing.objects.filter(acted_at=None).count() == 0


def test_its_tasks_have_every_state_and_outcome_at_plausible_times(demo: None) -> None:
    tasks = Task.objects.filter(origin=TaskOrigin.RULE)
    assert {"open", "done", "dismissed"} <= set(tasks.values_list("state", flat=True))
    assert {"contacted", "saved", "no_risk", "churned_anyway"} <= set(
        tasks.values_list("outcome", flat=True)
    )
    closed = tasks.exclude(state="open")
    assert closed.filter(closed_at=None).count() == 0
    assert closed.filter(closed_at__lt=F("created_at")).count() == 0
    assert closed.filter(first_action_at__gt=F("closed_at")).count() == 0
    assert closed.filter(closed_by=F("owner")).count() == closed.count()
    # each closed task's history ends with its closing, at its closing time
    for task in closed[:20]:
        last = TaskEvent.objects.filter(task=task).exclude(kind=TaskEventKind.COMMENTED).last()
        assert last is not None and last.at == task.closed_at
        assert last.kind == ("done" if task.state == "done" else "dismissed")
    # every task was created on the morning its rule fired
    for firing in Firing.objects.exclude(task=None).select_related("task")[:20]:
        assert firing.task.created_at >= firing.acted_at - dt.timedelta(minutes=1)
    now = dt.datetime.combine(tenant_today(), dt.time(0, 0), tzinfo=dt.UTC)
    assert closed.filter(closed_at__gt=now + dt.timedelta(days=1)).count() == 0


def test_the_csm_login_has_open_rule_tasks_with_reasons_on_today(demo: None) -> None:
    open_tasks = Task.objects.filter(state="open", origin=TaskOrigin.RULE)
    assert open_tasks.filter(owner__username="csm").exists()
    assert open_tasks.filter(reason="").count() == 0
    client = Client()
    client.post(reverse("front:login"), {"username": "csm", "password": "kizuna-demo"})
    response = client.get("/today/")
    assert response.status_code == 200
    task = open_tasks.filter(owner__username="csm").first()
    assert task is not None and task.title in response.content.decode()


def test_loading_the_demo_again_adds_no_rule_or_task(demo: None) -> None:
    counts = (Rule.objects.count(), Firing.objects.count(), Task.objects.count())
    demo_load_if_empty(accounts=80, seed=7, password="kizuna-demo")
    assert (Rule.objects.count(), Firing.objects.count(), Task.objects.count()) == counts


def test_the_same_seed_gives_the_same_history(db: object) -> None:
    """The rules' history replayed twice on the same data is the same (the demo's later
    steps, the surveys' follow-up calls among them, add data the replay reads: both replays
    here run after them)."""
    from kizuna.apps.org.models import User
    from kizuna.apps.rules.demo import rules_demo_load

    demo_load_if_empty(accounts=80, seed=7, password="kizuna-demo")

    def replayed() -> list[tuple[object, ...]]:
        Task.objects.filter(origin="rule").delete()  # the playbooks' tasks stay
        Firing.objects.all().delete()
        EvaluationRun.objects.all().delete()
        Rule.objects.all().delete()
        rules_demo_load(
            as_of=tenant_today(),
            admin=User.objects.get(username="admin"),
            login=User.objects.get(username="csm"),
        )
        return list(
            Task.objects.filter(origin="rule")
            .order_by("pk")
            .values_list("account__name", "state", "outcome", "due_date")
        )

    first = replayed()
    assert first and replayed() == first


def test_every_firing_had_someone_to_act(demo: None) -> None:
    # the pooled tech-touch accounts have no owner: their tasks go to the enablement team's
    # manager, so no rule's page shows firings that opened no task
    assert Firing.objects.exists()
    assert Firing.objects.filter(task=None).count() == 0
    owners = Task.objects.filter(origin=TaskOrigin.RULE, account__owner=None)
    assert set(owners.values_list("owner__username", flat=True)) <= {"kikuchi.e"}
