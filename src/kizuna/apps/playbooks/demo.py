"""The demo's playbooks and their runs: three playbooks with Japanese and English step titles
(created by the demo admin through ``playbooks.services``, so they are audited), started on a
few accounts each at various stages — the steps already due mostly done, one left overdue here
and there, the older kick-offs completed — so the playbooks page and the account page's
playbook panel show progress from the first login.

Runs are started through ``playbook_start`` (which stamps today), then moved back to the day
they "started": the run, its tasks' creation and due dates (recomputed from that day by
``core.playbooks.due_dates``), their history and audit. The steps due before today are closed
by the task's owner through ``tasks.services`` and stamped a day or two after their due date.
The demo's CSM login's accounts come first, so its 今日 has playbook tasks too. Seeded: the
same demo gives the same runs.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.customers.models import Account, Phase, SubscriptionLine
from kizuna.apps.health.models import HealthScore
from kizuna.apps.org.models import User
from kizuna.apps.playbooks.models import Playbook, PlaybookRun, PlaybookRunStep, RunState
from kizuna.apps.playbooks.services import playbook_create, playbook_start
from kizuna.apps.tasks.models import Task, TaskComment, TaskEvent, TaskOutcome
from kizuna.apps.tasks.services import task_complete
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.core.playbooks import Step, due_dates

#: (order, Japanese title, English title, offset in days, anchor, priority)
StepSpec = tuple[int, str, str, int, str, str]


@dataclass(frozen=True)
class DemoPlaybook:
    name: str
    description: str
    steps: tuple[StepSpec, ...]


KICK_OFF = DemoPlaybook(
    "オンボーディング・キックオフ",
    "契約直後の30日間で、導入を軌道に乗せるための基本の流れです。",
    (
        (1, "キックオフミーティングを実施する", "Hold the kick-off meeting", 0, "start", "high"),
        (2, "管理者設定の完了を確認する", "Check that the admin setup is done", 7, "start",
         "medium"),
        (3, "初回の利用状況レビューを行う", "Review the first month's usage with the customer",
         30, "start", "medium"),
    ),
)  # fmt: skip
RENEWAL = DemoPlaybook(
    "更新120日前",
    "更新日の120日前から始め、成果の振り返りと経営層との合意で更新を確実にします。",
    (
        (1, "利用状況と導入効果をレビューする", "Review usage and the value delivered", -120,
         "renewal", "medium"),
        (2, "更新プラン（クロージングプラン）を作成する", "Draft the renewal (closing) plan",
         -100, "renewal", "medium"),
        (3, "経営層ミーティングを実施する", "Hold the executive meeting", -60, "renewal", "high"),
        (4, "更新条件の合意を確認する", "Confirm the renewal terms are agreed", -30, "renewal",
         "high"),
    ),
)  # fmt: skip
RECOVERY = DemoPlaybook(
    "リスク顧客リカバリー",
    "ヘルススコアが赤になった顧客を立て直すための手順です。",
    (
        (1, "キーパーソンにヒアリングし原因を特定する",
         "Talk to the champion and find the cause", 0, "start", "high"),
        (2, "改善プランを顧客と合意する", "Agree a recovery plan with the customer", 5,
         "start", "high"),
        (3, "利用の回復を確認する", "Check that usage has recovered", 30, "start", "medium"),
        (4, "ヘルススコアを再評価する", "Re-assess the health score", 60, "start", "low"),
    ),
)  # fmt: skip
PLAYBOOKS = (KICK_OFF, RENEWAL, RECOVERY)

#: how many days ago each kick-off and each recovery run started (the first KICK_OFF_RUNNING
#: kick-offs on onboarding accounts, the older ones, completed, on accounts past onboarding);
#: a renewal run starts 120 days before its account's renewal
KICK_OFF_AGO = (1, 6, 10, 18, 26, 41, 55)
KICK_OFF_RUNNING = 5
RECOVERY_AGO = (3, 12, 33, 50)
RENEWALS = 6
#: renewals this far ahead get a renewal run (so some of its steps are already due)
RENEWAL_WINDOW = (35, 125)
#: every OVERDUE_EVERY-th run leaves its latest step already due open (overdue)
OVERDUE_EVERY = 3
NOTES = ("", "", "先方と日程を調整し、実施しました", "メールで確認済み")
RUN_AT = dt.time(10, 0)


def playbooks_demo_load(
    *, as_of: dt.date, admin: User, login: User | None = None, seed: int = 0
) -> int:
    """The demo's playbooks and their runs up to ``as_of`` (the company's today); how many
    runs were started."""
    playbooks = [
        playbook_create(
            actor=admin,
            name=spec.name,
            description=spec.description,
            steps=[
                {
                    "order": order,
                    "title_ja": ja,
                    "title_en": en,
                    "offset_days": offset,
                    "anchor": anchor,
                    "priority": priority,
                }
                for order, ja, en, offset, anchor, priority in spec.steps
            ],
            via="demo",
        )
        for spec in PLAYBOOKS
    ]
    kick_off, renewal, recovery = playbooks
    zone = zoneinfo.ZoneInfo(tenant_settings_get().time_zone)
    rng = random.Random(seed * 104729 + 7)
    login_id = login.pk if login is not None else 0
    days_ago = [as_of - dt.timedelta(days=n) for n in KICK_OFF_AGO]
    running, done = days_ago[:KICK_OFF_RUNNING], days_ago[KICK_OFF_RUNNING:]
    plans = [
        (kick_off, ((a, running, None) for a in _candidates(Q(phase=Phase.ONBOARDING), login_id))),
        # the completed kick-offs: accounts past their onboarding
        (kick_off, ((a, done, None) for a in _candidates(Q(phase=Phase.ADOPTION), login_id))),
        (
            renewal,
            (
                (a, [min(as_of, renews_on - dt.timedelta(days=120))], renews_on)
                for a, renews_on in _renewing(as_of, login_id)
            ),
        ),
        (
            recovery,
            (
                (a, [as_of - dt.timedelta(days=n) for n in RECOVERY_AGO], None)
                for a in _at_risk(login_id)
            ),
        ),
    ]
    quotas = [KICK_OFF_RUNNING, len(done), RENEWALS, len(RECOVERY_AGO)]
    started = 0
    for (playbook, candidates), quota in zip(plans, quotas, strict=True):
        used: list[int] = []
        for account, starts, anchor in candidates:
            if len(used) == quota:
                break
            began = _start(playbook, account, anchor)
            if began is None:  # nobody to own the tasks (a team without a manager)
                continue
            _move_back(began.run, starts[len(used) % len(starts)], zone, audits=began.audits)
            overdue = started % OVERDUE_EVERY == 1
            _work_through(began.run, as_of, zone, rng, leave_overdue=overdue)
            used.append(account.pk)
            started += 1
    return started


@dataclass(frozen=True)
class _Started:
    run: PlaybookRun
    #: the last audit event before it started
    audits: int


def _start(playbook: Playbook, account: Account, anchor: dt.date | None) -> _Started | None:
    audits = _last(AuditEvent)
    try:
        with transaction.atomic():
            run, _created = playbook_start(
                account=account, playbook=playbook, by=None, anchor_date=anchor, via="demo"
            )
    except ValidationError:
        return None
    return _Started(run, audits)


def _candidates(where: Q, login_id: int) -> list[Account]:
    """Live accounts matching ``where`` with an owner or a team (whose manager owns the
    tasks), the demo login's first, then by id."""
    rows = Account.objects.filter(where).exclude(phase=Phase.CHURNED)
    rows = rows.filter(Q(owner__isnull=False) | Q(team__isnull=False))
    accounts = list(rows.select_related("owner").order_by("id")[:200])
    return sorted(accounts, key=lambda a: (a.owner_id != login_id, a.pk))


def _renewing(as_of: dt.date, login_id: int) -> list[tuple[Account, dt.date]]:
    """Accounts whose next renewal falls in ``RENEWAL_WINDOW`` days, with that date."""
    first, last = (as_of + dt.timedelta(days=d) for d in RENEWAL_WINDOW)
    lines = (
        SubscriptionLine.objects.filter(renewal_date__gte=as_of)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=as_of))
        .order_by("account_id", "renewal_date")
        .values_list("account_id", "renewal_date")
    )
    next_renewal: dict[int, dt.date] = {}
    for account_id, renews_on in lines:
        if renews_on is not None:
            next_renewal.setdefault(account_id, renews_on)
    wanted = {a: d for a, d in next_renewal.items() if first <= d <= last}
    accounts = _candidates(Q(pk__in=list(wanted)), login_id)
    return [(a, wanted[a.pk]) for a in accounts]


def _at_risk(login_id: int) -> list[Account]:
    """Accounts graded 3 or lower, or forced red, on the latest scored day: the login's first,
    then the lowest grades (the reddest are often tech touch, with nobody to own a task)."""
    latest = HealthScore.objects.aggregate(day=Max("day"))["day"]
    if latest is None:
        return []
    low = HealthScore.objects.filter(Q(grade__lte=3) | Q(forced_red=True), day=latest)
    grades = {
        a: (0 if red else g or 0)
        for a, g, red in low.values_list("account_id", "grade", "forced_red")
    }
    accounts = _candidates(Q(pk__in=list(grades)), login_id)
    return sorted(accounts, key=lambda a: (a.owner_id != login_id, grades[a.pk], a.pk))


def _at(day: dt.date, zone: zoneinfo.ZoneInfo, time: dt.time = RUN_AT) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=zone)


def _last(model: type[AuditEvent | TaskEvent | TaskComment]) -> int:
    return model.objects.aggregate(last=Max("pk"))["last"] or 0


def _move_back(run: PlaybookRun, start: dt.date, zone: zoneinfo.ZoneInfo, *, audits: int) -> None:
    """The run as if started on ``start``: its date, its steps' due dates from that day, its
    tasks' creation, history and audit (the audit events after ``audits``)."""
    steps = list(run.steps.all())
    specs = {s.order: s for s in run.playbook.steps.all()}
    dues = due_dates(
        [
            Step(s.order, specs[s.order].offset_days, specs[s.order].anchor)  # type: ignore[arg-type]
            for s in steps
        ],
        started_on=start,
        anchor_date=run.anchor_date,
        year_end_closure=tenant_settings_get().year_end_closure,
    )
    started = _at(start, zone)
    PlaybookRun.objects.filter(pk=run.pk).update(started_on=start, created_at=started)
    task_ids = [s.task_id for s in steps]
    for step in steps:
        PlaybookRunStep.objects.filter(pk=step.pk).update(due_on=dues[step.order])
        Task.objects.filter(pk=step.task_id).update(due_date=dues[step.order], created_at=started)
    TaskEvent.objects.filter(task_id__in=task_ids).update(at=started)
    AuditEvent.objects.filter(pk__gt=audits).update(at=started)


def _work_through(
    run: PlaybookRun,
    as_of: dt.date,
    zone: zoneinfo.ZoneInfo,
    rng: random.Random,
    *,
    leave_overdue: bool,
) -> None:
    """Close the run's steps due before ``as_of`` as their owner would have, a day or two
    after each was due; with ``leave_overdue``, the latest of them stays open."""
    steps = list(run.steps.select_related("task__owner").order_by("due_on", "order"))
    due = [s for s in steps if s.task.due_date < as_of]
    if leave_overdue and due:
        due = due[:-1]
    now = _at(as_of, zone, dt.time(0, 0))
    for step in due:
        closed = min(_at(step.task.due_date, zone) + dt.timedelta(hours=rng.randint(1, 40)), now)
        events, audits, comments = _last(TaskEvent), _last(AuditEvent), _last(TaskComment)
        task_complete(
            actor=step.task.owner,
            task=step.task,
            outcome=TaskOutcome.CONTACTED,
            note=rng.choice(NOTES),
            via="demo",
        )
        TaskEvent.objects.filter(pk__gt=events).update(at=closed)
        AuditEvent.objects.filter(pk__gt=audits).update(at=closed)
        TaskComment.objects.filter(pk__gt=comments).update(created_at=closed)
        Task.objects.filter(pk=step.task_id).update(closed_at=closed, first_action_at=closed)
        ended = closed
    if due and len(due) == len(steps):
        PlaybookRun.objects.filter(pk=run.pk, state=RunState.COMPLETED).update(ended_at=ended)
