"""Running the rules: one day's evaluation (``rules_evaluate``: what fires, recorded as
``Firing`` rows) and carrying it out (``firings_act``: the tasks, the alerts, the webhooks).

Both are safe to repeat and to kill half-way (docs/actions.md, "The worker"):

- The evaluation of a day reads the state as it was before that day (the firings of earlier
  days, the open tasks other than those the day's own firings opened, the week's interruptions
  before the day), so a rerun decides exactly the same; its firings are inserted with the
  (rule, account, day) constraint ignoring those already there.
- Each firing is acted on in a transaction with the mark ``acted_at``: a kill loses a whole
  batch or nothing, and the next run acts on the firings without the mark. The task it opens
  is found again by its dedup key (``tasks.services.task_create``), the playbook run it starts
  by the one-running-run constraint (``playbooks.services.playbook_start``), the alert and the
  webhook go out with the mark, never without it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from kizuna.apps.notify.events import RULE_FIRED, account_ref
from kizuna.apps.notify.services import emit_event, notify_member
from kizuna.apps.org.access import rule_task_owner
from kizuna.apps.playbooks.models import PlaybookRun, RunState
from kizuna.apps.playbooks.services import playbook_start
from kizuna.apps.rules.models import (
    Delivery,
    EvaluationRun,
    Firing,
    RuleAction,
    RuleVersion,
    TriggerKind,
)
from kizuna.apps.rules.selectors import alert_settings, rule_of
from kizuna.apps.rules.signals import DEFAULT_MAX_DAYS, account_facts, signals_between
from kizuna.apps.surveys.followups import followup_task_attach
from kizuna.apps.tasks.messages import Message, message_of, message_render
from kizuna.apps.tasks.models import ACTIVE_STATES, Task, TaskOrigin, TaskPriority
from kizuna.apps.tasks.services import due_in_business_days, task_create
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.rules import model as core
from kizuna.core.rules.evaluate import evaluate
from kizuna.db.bulk import bulk_insert
from kizuna.db.rows import paused_gc

logger = logging.getLogger(__name__)

#: firings acted on in one transaction
ACT_BATCH = 200
#: the farthest "within N days" a rule may ask for (the editor's bound)
MAX_DAYS_AHEAD = 3650

_FIRING_COLUMNS = (
    "rule_id", "rule_version", "account_id", "day", "owner_id", "priority", "delivery", "value",
    "evidence",
)  # fmt: skip
_PRIORITY = {3: TaskPriority.HIGH, 2: TaskPriority.MEDIUM, 1: TaskPriority.LOW}


def enabled_versions() -> list[RuleVersion]:
    """The current version of every enabled rule, by rule id."""
    latest: dict[int, RuleVersion] = {}
    rows = RuleVersion.objects.filter(rule__enabled=True).order_by("rule_id", "-version")
    for version in rows:
        latest.setdefault(version.rule_id, version)
    return list(latest.values())


def _playbooks_running(day: dt.date, versions: Sequence[RuleVersion]) -> set[tuple[int, int]]:
    """The (rule, account) pairs whose rule starts a playbook that still runs on the account,
    but for the pairs that fired today (a rerun of the day decides as the first run did)."""
    rules_of: dict[int, list[int]] = {}
    for version in versions:
        if RuleAction.PLAYBOOK in version.actions and version.playbook_id is not None:
            rules_of.setdefault(version.playbook_id, []).append(version.rule_id)
    if not rules_of:
        return set()
    running = PlaybookRun.objects.filter(state=RunState.RUNNING, playbook_id__in=rules_of)
    pairs = {
        (rule_id, account_id)
        for playbook_id, account_id in running.values_list("playbook_id", "account_id")
        for rule_id in rules_of[playbook_id]
    }
    rule_ids = [rule_id for ids in rules_of.values() for rule_id in ids]
    todays = Firing.objects.filter(day=day, rule_id__in=rule_ids)
    return pairs - set(todays.values_list("rule_id", "account_id"))


def _state(day: dt.date, versions: Sequence[RuleVersion]) -> core.State:
    rule_ids = [version.rule_id for version in versions]
    before = Firing.objects.filter(rule_id__in=rule_ids, day__lt=day)
    last_fired = {
        (row["rule_id"], row["account_id"]): row["last"]
        for row in before.values("rule_id", "account_id").annotate(last=Max("day"))
    }
    todays_tasks = Firing.objects.filter(day=day, task__isnull=False).values("task_id")
    open_keys = set(
        Task.objects.filter(state__in=ACTIVE_STATES)
        .exclude(dedup_key="")
        .exclude(pk__in=todays_tasks)
        .values_list("dedup_key", flat=True)
    )
    monday = day - dt.timedelta(days=day.weekday())
    week = Firing.objects.filter(
        day__gte=monday, day__lt=day, delivery=Delivery.IMMEDIATE, owner__isnull=False
    )
    interruptions = {
        row["owner_id"]: row["n"] for row in week.values("owner_id").annotate(n=Count("pk"))
    }
    return core.State(last_fired, open_keys, interruptions, _playbooks_running(day, versions))


def _days_ahead(rules: Sequence[core.Rule]) -> int:
    """How far ahead the "within N days" signals are read: the largest threshold asked."""
    wanted = [DEFAULT_MAX_DAYS]
    for rule in rules:
        if rule.trigger.kind is core.TriggerKind.NPS_DETRACTOR:
            continue  # its threshold is a score, not days
        if core.COMPARE[rule.trigger.kind] is core.Compare.AT_MOST:
            wanted.append(rule.trigger.threshold or DEFAULT_MAX_DAYS)
    return min(max(wanted), MAX_DAYS_AHEAD)


def _evaluated(
    day: dt.date, versions: Sequence[RuleVersion], rules: Sequence[core.Rule]
) -> tuple[list[tuple[object, ...]], dict[str, dict[str, int]]]:
    """The day's firings as ``Firing`` rows (``_FIRING_COLUMNS``), and per rule why signals
    were skipped."""
    if not rules:
        return [], {}
    kinds = {rule.trigger.kind for rule in rules}
    signals = signals_between(start=day, end=day, kinds=kinds, max_days=_days_ahead(rules))
    evaluation = evaluate(
        rules,
        signals,
        account_facts(on=day),
        _state(day, versions),
        day=day,
        weekly_budget=alert_settings().weekly_budget,
    )
    firings: list[tuple[object, ...]] = [
        (
            f.rule_id,
            f.rule_version,
            f.account_id,
            f.day,
            f.owner_id,
            int(f.priority),
            f.delivery.value,
            f.value,
            f.evidence[:300],
        )
        for f in evaluation.firings
    ]
    skipped: dict[str, dict[str, int]] = {}
    for (rule_id, reason), count in sorted(evaluation.skipped.items()):
        skipped.setdefault(str(rule_id), {})[reason] = count
    return firings, skipped


def rules_evaluate(*, day: dt.date) -> EvaluationRun:
    """Evaluate every enabled rule on ``day`` and record what fires (not yet acted on)."""
    started = timezone.now()
    versions = enabled_versions()
    rules = [rule_of(version) for version in versions]
    with paused_gc():  # a day's signals at 100,000 accounts: see ``paused_gc``
        firings, skipped = _evaluated(day, versions, rules)
    with transaction.atomic():
        # a rerun's firings are there already: the (rule, account, day) constraint drops them
        bulk_insert(Firing, _FIRING_COLUMNS, firings, ignore_conflicts=True)
        run, _created = EvaluationRun.objects.update_or_create(
            day=day,
            defaults={
                "started_at": started,
                "finished_at": timezone.now(),
                # the day's firings as stored: a rerun counts those it found, not twice
                "firings": Firing.objects.filter(day=day).count(),
                "skipped": skipped,
            },
        )
    return run


def reason_message(kind: str, value: int | None) -> Message:
    """Why a rule fired, un-translated (``tasks.messages``): the task keeps it and shows it in
    each reader's language."""
    if value is not None:
        if kind == TriggerKind.SETUP_NOT_DONE:
            return message_of(
                gettext_noop("Setup not done %(days)s days after the hand-over"), days=value
            )
        if kind == TriggerKind.HEALTH_FELL:
            return message_of(gettext_noop("Health fell by %(grades)s grade(s)"), grades=value)
        if kind == TriggerKind.COVERAGE_DUE:
            return message_of(gettext_noop("Falls out of coverage in %(days)s day(s)"), days=value)
        if kind == TriggerKind.MRR_CONTRACTION:
            return message_of(gettext_noop("MRR fell by %(amount)s a month"), amount=f"{value:,}")
        if kind == TriggerKind.RENEWAL_DUE:
            return message_of(gettext_noop("Renewal in %(days)s day(s)"), days=value)
        if kind == TriggerKind.RENEWAL_PLAN_MISSING:
            return message_of(
                gettext_noop("No closing plan; the renewal is in %(days)s day(s)"), days=value
            )
        if kind == TriggerKind.NPS_DETRACTOR:
            return message_of(gettext_noop("NPS detractor: scored %(score)s"), score=value)
        if kind == TriggerKind.PLAN_REVIEW_OVERDUE:
            return message_of(
                gettext_noop("The closing plan's review is %(days)s day(s) overdue"), days=value
            )
    with translation.override(None):  # no catalog: the label's msgid itself
        return message_of(str(TriggerKind(kind).label))


def reason_text(kind: str, value: int | None) -> str:
    """Why a rule fired, in the active language (the alert's body, the task's stored text)."""
    return message_render(reason_message(kind, value))


def firings_act(*, limit: int | None = None) -> tuple[int, int]:
    """Carry out the firings not acted on yet, oldest first: (acted on, failed). A firing
    that fails (its account gone half-way, a member who may not own tasks) is logged and
    left for the next run; it never stops the others."""
    pending = list(
        Firing.objects.filter(acted_at__isnull=True)
        .order_by("day", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    acted = failed = 0
    for start in range(0, len(pending), ACT_BATCH):
        with transaction.atomic():
            batch = (
                Firing.objects.filter(pk__in=pending[start : start + ACT_BATCH], acted_at=None)
                .select_related("rule", "account", "owner")
                .order_by("day", "pk")
            )
            for firing in batch:
                try:
                    with transaction.atomic():
                        _act(firing)
                    acted += 1
                except (ValidationError, PermissionDenied, RuleVersion.DoesNotExist) as error:
                    failed += 1
                    logger.warning("rules: firing %s not acted on: %s", firing.pk, error)
    return acted, failed


def _act(firing: Firing) -> None:
    version = RuleVersion.objects.select_related("playbook").get(
        rule_id=firing.rule_id, version=firing.rule_version
    )
    actions = set(version.actions)
    account = firing.account
    owner = rule_task_owner(firing.owner, account.team_id)
    language = owner.language if owner is not None and owner.language else "ja"
    message = reason_message(version.trigger, firing.value)
    with translation.override(language):
        reason = message_render(message)
    link = firing.evidence
    if core.Action.TASK in actions and owner is not None:
        task, _created = task_create(
            actor=None,
            account=account,
            owner=owner,
            title=firing.rule.name[:200],
            due_date=due_in_business_days(version.due_in_business_days, today=tenant_today()),
            reason=reason,
            reason_message=message,
            evidence_url=firing.evidence,
            priority=_PRIORITY.get(firing.priority, TaskPriority.MEDIUM),
            origin=TaskOrigin.RULE,
            origin_id=firing.rule_id,
            dedup_key=core.dedup_key(firing.rule_id, firing.account_id),
        )
        firing.task = task
        link = reverse("tasks:detail", args=[task.pk])
        if version.trigger == TriggerKind.NPS_DETRACTOR:  # the follow-ups name their task
            followup_task_attach(account_id=firing.account_id, day=firing.day, task=task)
    # held for the digest: in the app at once, marked so; the channels wait for the digest
    if core.Action.NOTIFY in actions and firing.delivery != Delivery.NONE and owner:
        notify_member(
            member=owner,
            kind="rule",
            title=f"{firing.rule.name}: {account.name}"[:200],
            body=reason,
            link=link,
            priority=str(_PRIORITY.get(firing.priority, TaskPriority.MEDIUM)),
            account=account,
            interrupt=firing.delivery == Delivery.IMMEDIATE,
        )
    if core.Action.PLAYBOOK in actions and version.playbook is not None:
        with translation.override(language):
            firing.playbook_run = _playbook_start(firing, version)
    if core.Action.WEBHOOK in actions:
        emit_event(event_type=RULE_FIRED, data=_event_data(firing, version))
    firing.acted_at = timezone.now()
    firing.save(update_fields=["task", "playbook_run", "acted_at"])


def _playbook_start(firing: Firing, version: RuleVersion) -> PlaybookRun | None:
    """Start the rule's playbook on the firing's account, or find it running there (nothing
    new is started). A playbook that cannot start there (made inactive since, without steps,
    no renewal date ahead, nobody to own its tasks) is logged and skipped: the firing's other
    actions go ahead, and it is not tried again."""
    assert version.playbook is not None
    try:
        run, _created = playbook_start(
            account=firing.account,
            playbook=version.playbook,
            by=None,
            rule_id=firing.rule_id,
            via="job",
        )
    except ValidationError as error:
        found = error.error_dict.values() if hasattr(error, "error_dict") else [error.error_list]
        codes = sorted({e.code or "invalid" for errors in found for e in errors})
        logger.warning(
            "rules: firing %s started no playbook %s: %s",
            firing.pk,
            version.playbook_id,
            ", ".join(codes),
        )
        return None
    return run


def _event_data(firing: Firing, version: RuleVersion) -> dict[str, object]:
    return {
        "rule": {"id": firing.rule_id, "name": firing.rule.name, "version": version.version},
        "account": account_ref(firing.account),
        "day": firing.day.isoformat(),
        "trigger": version.trigger,
        "value": firing.value,
        "priority": _PRIORITY.get(firing.priority, TaskPriority.MEDIUM).value,
        "task_id": firing.task_id,
    }
