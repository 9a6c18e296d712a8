"""The demo's rules and their history: five enabled rules (created and enabled by the demo
admin through ``rules.services``, so they have versions and an audit trail), then the real
evaluation run on every seventh day of the past half year (``rules_evaluate`` and
``firings_act``, reading the demo's own signals), and the tasks they opened worked through by
their owners (``tasks.services``): most done with an outcome, some dismissed as not useful,
some of the accounts lost anyway, the recent ones still open on 今日.

Every firing has someone to act: an account's owner, or for the pooled tech-touch accounts
(no named owner) the enablement team's manager (``org.access.rule_task_owner``). The renewal
rule leaves tech touch out: those renewals run on their own (notices, self-serve), and a
human task for each would flood the pool's manager.

The evaluation and the tasks' services stamp "now"; each day's rows are then moved back to
that day in bulk (the firings, the run, the tasks, their events, comments and audit), so the
history reads as it would have happened. Seeded: the same demo gives the same history.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, QuerySet

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.customers.models import Segment
from kizuna.apps.org.models import User
from kizuna.apps.rules.evaluation import firings_act, rules_evaluate
from kizuna.apps.rules.models import (
    EvaluationRun,
    Firing,
    Priority,
    RuleAction,
    RuleVersion,
    TriggerKind,
)
from kizuna.apps.rules.services import rule_create, rule_enable
from kizuna.apps.tasks.models import Task, TaskComment, TaskEvent, TaskOutcome
from kizuna.apps.tasks.services import (
    due_in_business_days,
    task_comment,
    task_complete,
    task_dismiss,
)
from kizuna.apps.tenant.selectors import tenant_settings_get

#: how far back the history goes, and how often the daily evaluation is replayed in it
HISTORY_DAYS = 182
STEP_DAYS = 7
#: a demo of more accounts than this replays a shorter history, every other week (the load
#: stays quick; there are firings enough)
BIG_DEMO = 500
BIG_HISTORY_DAYS = 126
BIG_STEP_DAYS = 14
#: the time of day the evaluation "ran" (company time)
RUN_AT = dt.time(6, 0)
#: how recent a task of the demo's CSM login must be to stay open
KEEP_OPEN = dt.timedelta(days=28)


@dataclass(frozen=True)
class DemoRule:
    name: str
    trigger: str
    threshold: int | None
    segments: tuple[str, ...]
    priority: int
    #: how its tasks ended: weights of dismissed, contacted, saved, no risk, churned anyway
    fates: tuple[int, int, int, int, int]


RULES = (
    DemoRule("ヘルスが赤になった顧客", TriggerKind.HEALTH_RED, None, (), Priority.HIGH,
             (10, 25, 30, 10, 25)),
    DemoRule("利用量が急減した顧客", TriggerKind.USAGE_DROP, None, (), Priority.MEDIUM,
             (30, 25, 20, 15, 10)),
    DemoRule("オンボーディング停滞", TriggerKind.ONBOARDING_STALLED, None, (), Priority.HIGH,
             (10, 35, 30, 10, 15)),
    DemoRule("30日以内にカバー外になるハイタッチ顧客", TriggerKind.COVERAGE_DUE, 30,
             (Segment.HIGH,), Priority.MEDIUM, (15, 50, 10, 20, 5)),
    DemoRule("90日以内に更新を迎える担当顧客", TriggerKind.RENEWAL_DUE, 90,
             (Segment.HIGH, Segment.LOW), Priority.MEDIUM, (5, 50, 20, 15, 10)),
    DemoRule("NPS批判者へのフォロー", TriggerKind.NPS_DETRACTOR, None, (), Priority.HIGH,
             (5, 60, 15, 15, 5)),
)  # fmt: skip

_FATES = ("dismissed", TaskOutcome.CONTACTED, TaskOutcome.SAVED, TaskOutcome.NO_RISK,
          TaskOutcome.CHURNED_ANYWAY)  # fmt: skip
_NOTES = {
    "dismissed": ("既に把握済みの案件でした", "一時的な要因で問題なし", ""),
    TaskOutcome.CONTACTED: ("担当者に電話で状況を確認しました", "メールでフォロー済み", ""),
    TaskOutcome.SAVED: ("定例ミーティングを再開し、利用が戻りました", "活用支援の提案が通りました"),
    TaskOutcome.NO_RISK: ("繁忙期で一時的に利用が落ちていただけでした", ""),
    TaskOutcome.CHURNED_ANYWAY: ("予算削減で解約が決定済みでした", ""),
}
_FIRST_LOOK = ("先方に連絡済み、返信待ち", "来週の定例で確認予定", "利用状況を確認中")


def rules_demo_load(
    *, as_of: dt.date, admin: User, login: User | None = None, accounts: int = 0, seed: int = 0
) -> int:
    """The demo's rules, enabled, and their history up to ``as_of``; how many tasks they
    opened. ``login`` (the CSM the demo's login page names) keeps its tasks of the last four
    weeks open, so that its 今日 has work from the first login. A demo of more than
    ``BIG_DEMO`` ``accounts`` replays a shorter history, every other week."""
    rules = []
    for spec in RULES:
        rule = rule_create(
            actor=admin,
            name=spec.name,
            data={
                "trigger": spec.trigger,
                "threshold": spec.threshold,
                "segments": list(spec.segments),
                "actions": [RuleAction.TASK.value],
                "priority": int(spec.priority),
                "cooldown_days": 28,
                "due_in_business_days": 3,
            },
            via="demo",
        )
        rule_enable(actor=admin, rule=rule, via="demo")
        rules.append(rule)
    fates = {rule.pk: spec.fates for rule, spec in zip(rules, RULES, strict=True)}
    zone = zoneinfo.ZoneInfo(tenant_settings_get().time_zone)
    rng = random.Random(seed * 7919 + 11)
    opened = 0
    history, step = (
        (BIG_HISTORY_DAYS, BIG_STEP_DAYS) if accounts > BIG_DEMO else (HISTORY_DAYS, STEP_DAYS)
    )
    days = [as_of - dt.timedelta(days=n) for n in range(history, -1, -step)]
    for day in days:
        mark = _Mark.now()
        rules_evaluate(day=day)
        firings_act()
        new_ids = _backdate(day, zone, mark)
        opened += len(new_ids)
        _work_through(new_ids, day, as_of, zone, fates, rng, login)
    return opened


@dataclass(frozen=True)
class _Mark:
    """The last task, task event, comment and audit event so far: what comes after is new."""

    task: int
    event: int
    comment: int
    audit: int

    @classmethod
    def now(cls) -> _Mark:
        def last(rows: QuerySet[Any]) -> int:
            return rows.aggregate(last=Max("pk"))["last"] or 0

        return cls(
            last(Task.objects.all()),
            last(TaskEvent.objects.all()),
            last(TaskComment.objects.all()),
            last(AuditEvent.objects.all()),
        )


def _at(day: dt.date, zone: zoneinfo.ZoneInfo, time: dt.time = RUN_AT) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=zone)


def _backdate(day: dt.date, zone: zoneinfo.ZoneInfo, mark: _Mark) -> list[int]:
    """Move the day's run, firings and the tasks they opened to the morning of ``day``; the
    new tasks."""
    ran = _at(day, zone)
    created = ran + dt.timedelta(minutes=1)
    EvaluationRun.objects.filter(day=day).update(
        started_at=ran, finished_at=ran + dt.timedelta(seconds=40)
    )
    Firing.objects.filter(day=day).update(created_at=ran, acted_at=created)
    new_ids = list(
        Task.objects.filter(pk__gt=mark.task).order_by("pk").values_list("pk", flat=True)
    )
    for due_days, ids in _by_due_days(new_ids).items():
        Task.objects.filter(pk__in=ids).update(
            created_at=created, due_date=due_in_business_days(due_days, today=day)
        )
    TaskEvent.objects.filter(pk__gt=mark.event).update(at=created)
    AuditEvent.objects.filter(pk__gt=mark.audit).update(at=created)
    return new_ids


def _by_due_days(task_ids: list[int]) -> dict[int, list[int]]:
    """The tasks by the business days their rule's version gave them."""
    due = {
        (v.rule_id, v.version): v.due_in_business_days
        for v in RuleVersion.objects.only("rule_id", "version", "due_in_business_days")
    }
    by: dict[int, list[int]] = {}
    rows = Firing.objects.filter(task_id__in=task_ids).values_list(
        "task_id", "rule_id", "rule_version"
    )
    for task_id, rule_id, version in sorted(set(rows)):
        ids = by.setdefault(due.get((rule_id, version), 3), [])
        if task_id not in ids:
            ids.append(task_id)
    return by


def _work_through(
    task_ids: list[int],
    day: dt.date,
    as_of: dt.date,
    zone: zoneinfo.ZoneInfo,
    fates: dict[int, tuple[int, int, int, int, int]],
    rng: random.Random,
    login: User | None,
) -> None:
    """Each of the day's new tasks, worked by its owner: first looked at a few days later,
    closed a few days after that (unless that is still to come: then it stays open)."""
    created = _at(day, zone) + dt.timedelta(minutes=1)
    now = _at(as_of, zone, dt.time(0, 0))
    tasks = Task.objects.filter(pk__in=task_ids).select_related("owner", "account")
    for task in tasks.order_by("pk"):
        weights = fates.get(task.origin_id or 0, (20, 40, 20, 15, 5))
        fate = rng.choices(_FATES, weights=weights)[0]
        if task.account.phase == "churned" and rng.random() < 0.8:
            fate = TaskOutcome.CHURNED_ANYWAY
        looked = created + dt.timedelta(hours=rng.randint(2, 96), minutes=rng.randint(0, 59))
        closed = looked + dt.timedelta(hours=rng.randint(0, 336))
        if login is not None and task.owner_id == login.pk and now - created < KEEP_OPEN:
            closed = now
        if looked < now <= closed and rng.random() < 0.6:
            mark = _Mark.now()
            task_comment(actor=task.owner, task=task, body=rng.choice(_FIRST_LOOK), via="demo")
            _stamp(task.pk, mark, looked, first=looked)
        if closed >= now:
            continue
        mark = _Mark.now()
        note = rng.choice(_NOTES[fate])
        if fate == "dismissed":
            task_dismiss(actor=task.owner, task=task, note=note, via="demo")
        else:
            task_complete(actor=task.owner, task=task, outcome=fate, note=note, via="demo")
        _stamp(task.pk, mark, closed, first=looked if closed > looked else closed, closed=True)


def _stamp(
    task_id: int, mark: _Mark, at: dt.datetime, *, first: dt.datetime, closed: bool = False
) -> None:
    """Move what was just done to a task (after ``mark``: its events, comment and audit) to
    ``at``."""
    TaskEvent.objects.filter(pk__gt=mark.event).update(at=at)
    TaskComment.objects.filter(pk__gt=mark.comment).update(created_at=at)
    AuditEvent.objects.filter(pk__gt=mark.audit).update(at=at)
    fields: dict[str, object] = {"first_action_at": first}
    if closed:
        fields["closed_at"] = at
    Task.objects.filter(pk=task_id).update(**fields)
