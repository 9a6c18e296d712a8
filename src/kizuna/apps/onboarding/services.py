"""Onboarding writes: start onboardings for new lines, tick criteria, evaluate states (the daily
job), new template versions. The state machine itself is ``kizuna.core.onboarding.timeline``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Field, Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.apps.assignments.services import Handoff, accounts_handoff
from kizuna.apps.audit.models import AuditAction, AuditEvent
from kizuna.apps.audit.services import audit_event, audit_record
from kizuna.apps.customers.models import Account, Phase, Product, SubscriptionLine
from kizuna.apps.notify.events import ONBOARDING_STATE_CHANGED, account_ref
from kizuna.apps.notify.services import emit_event
from kizuna.apps.onboarding.models import (
    OPEN_STATES,
    CriterionCheck,
    CriterionKind,
    Onboarding,
    OnboardingCriterion,
    OnboardingPhase,
    OnboardingPolicy,
    OnboardingSignal,
    OnboardingTemplate,
    OnboardingTransition,
)
from kizuna.apps.onboarding.selectors import core_template, onboarding_policy
from kizuna.apps.org.access import can_manage_tenant, can_tick_criteria
from kizuna.apps.org.models import User
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.apps.usage.frames import usage_frames
from kizuna.core.onboarding.rules import RULE_SCHEMA, first_met
from kizuna.core.onboarding.timeline import (
    DONE_STATES,
    CriterionSpec,
    Facts,
    PhaseSpec,
    Template,
    Timeline,
    timeline,
)
from kizuna.db.bulk import bulk_insert

STATE_FIELDS = [
    "state",
    "state_since",
    "current_phase",
    "current_target_on",
    "completed_on",
    "stalled_on",
    "expected_churn_on",
    "ended_on",
    "first_usage_on",
    "evaluated_on",
]


@transaction.atomic
def onboardings_start(*, as_of: dt.date) -> int:
    """Start an onboarding for every account-product whose first line started on or before
    ``as_of`` (and on or after the policy's ``tracking_from``) and has none yet, with the
    product's current template. Returns how many were started."""
    policy = onboarding_policy()
    templates = {t.product_id: t for t in OnboardingTemplate.objects.filter(is_current=True)}
    firsts = (
        SubscriptionLine.objects.filter(product_id__in=templates)
        .values("account_id", "product_id")
        .annotate(first=Min("start_date"))
        .filter(first__lte=as_of)
    )
    if policy.tracking_from:
        firsts = firsts.filter(first__gte=policy.tracking_from)
    existing = set(Onboarding.objects.values_list("account_id", "product_id"))
    last_phases = {t.pk: t.phases.last() for t in templates.values()}  # one query per template
    new = []
    for row in firsts:
        if (row["account_id"], row["product_id"]) in existing:
            continue
        template = templates[row["product_id"]]
        target = row["first"] + dt.timedelta(days=last_phases[template.pk].target_day)  # type: ignore[union-attr]
        new.append(
            (row["account_id"], row["product_id"], template.pk, row["first"], target, row["first"])
        )
    fields = ["account_id", "product_id", "template_id", "started_on", "target_on", "state_since"]
    return bulk_insert(Onboarding, fields, new)


@dataclass(frozen=True)
class EvaluationReport:
    evaluated: int
    criteria_met: int
    transitions: int
    signals: int
    handed_off: int


@transaction.atomic
def onboardings_evaluate(
    *, as_of: dt.date, onboarding_ids: Sequence[int] | None = None
) -> EvaluationReport:
    """Evaluate the open onboardings (or the given ones) as of ``as_of``: usage-rule criteria
    from the rollups, the subscription end, then the timeline; store the state, keep the
    transitions equal to the replayed ones, add new signals, and hand off what completed."""
    policy = onboarding_policy().as_core()
    rows = Onboarding.objects.select_related("account")
    rows = (
        rows.filter(pk__in=onboarding_ids)
        if onboarding_ids is not None
        else rows.filter(state__in=OPEN_STATES) | rows.filter(evaluated_on__isnull=True)
    )
    onboardings = list(rows)
    if not onboardings:
        return EvaluationReport(0, 0, 0, 0, 0)
    templates = {t: core_template(t) for t in {o.template_id for o in onboardings}}
    checks = _checks(onboardings)
    found = _usage_checks(onboardings, templates, checks, as_of=as_of)
    ended = _ended_on(onboardings, as_of=as_of)
    completed: list[Onboarding] = []
    changed: list[tuple[Onboarding, str]] = []
    results: dict[int, Timeline] = {}
    for onboarding in onboardings:
        met = {str(c): d for c, d in checks[onboarding.pk].items()}
        facts = Facts(
            onboarding.started_on, met, ended.get(onboarding.pk), onboarding.first_usage_on
        )
        result = timeline(templates[onboarding.template_id], facts, as_of=as_of, policy=policy)
        was_done = onboarding.state in DONE_STATES
        was = onboarding.state
        _apply(onboarding, result, facts, as_of=as_of)
        results[onboarding.pk] = result
        if onboarding.state != was:
            changed.append((onboarding, was))
        if result.state in DONE_STATES and not was_done:
            completed.append(onboarding)
    _save_states(onboardings)
    transitions = _sync_transitions(results)
    signals = _add_signals(results)
    handed = _after_completion(completed)
    _emit_state_changes(changed, results, as_of=as_of)
    return EvaluationReport(len(onboardings), found, transitions, signals, handed)


def _emit_state_changes(
    changed: list[tuple[Onboarding, str]], results: dict[int, Timeline], *, as_of: dt.date
) -> None:
    """Tell the webhook endpoints of each onboarding whose stored state changed in this
    evaluation (``onboarding.state_changed``, sent once the evaluation commits). A rerun of
    the same day finds the states already stored, and emits nothing again."""
    for onboarding, was in changed:
        steps = results[onboarding.pk].transitions
        data = {
            "account": account_ref(onboarding.account),
            "onboarding": onboarding.pk,
            "on": as_of.isoformat(),
            "from": was,
            "to": onboarding.state,
            "reason": steps[-1].reason if steps else "",
        }
        emit_event(event_type=ONBOARDING_STATE_CHANGED, data=data)


def _save_states(onboardings: list[Onboarding]) -> None:
    onboardings_update(onboardings, STATE_FIELDS)


def onboardings_update(onboardings: Sequence[Onboarding], field_names: Sequence[str]) -> None:
    """Write ``field_names`` of each onboarding with one prepared UPDATE per row (executemany):
    ``bulk_update`` builds a CASE per field and row and takes ten times longer for a few
    thousand onboardings."""
    fields = [
        f for f in (Onboarding._meta.get_field(n) for n in field_names) if isinstance(f, Field)
    ]
    sql = (
        f"UPDATE {Onboarding._meta.db_table} SET "
        + ", ".join(f"{f.column} = %s" for f in fields)
        + " WHERE id = %s"
    )
    rows = [
        (*(f.get_db_prep_save(getattr(o, f.attname), connection) for f in fields), o.pk)
        for o in onboardings
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])


def _checks(onboardings: list[Onboarding]) -> dict[int, dict[int, dt.date]]:
    checks: dict[int, dict[int, dt.date]] = defaultdict(dict)
    ids = [o.pk for o in onboardings]
    for start in range(0, len(ids), 5000):
        for onboarding_id, criterion_id, met_on in CriterionCheck.objects.filter(
            onboarding_id__in=ids[start : start + 5000]
        ).values_list("onboarding_id", "criterion_id", "met_on"):
            checks[onboarding_id][criterion_id] = met_on
    return checks


def _usage_checks(
    onboardings: list[Onboarding],
    templates: dict[int, Template],
    checks: dict[int, dict[int, dt.date]],
    *,
    as_of: dt.date,
) -> int:
    """Find the first day each unmet usage rule held; record it. Also fills first usage."""
    seats = _seats(onboardings, as_of=as_of)
    rules, owners = [], []
    for o in onboardings:
        for phase in templates[o.template_id].phases:
            for c in phase.criteria:
                if c.rule is None or int(c.key) in checks[o.pk]:
                    continue
                owners.append((o, int(c.key)))
                rule = c.rule
                rules.append(
                    (
                        len(owners) - 1,
                        o.account_id,
                        o.started_on,
                        rule.metric,
                        rule.feature,
                        rule.threshold,
                        rule.window_days,
                        seats.get((o.account_id, o.product_id)),
                    )
                )
    need_first_usage = [o for o in onboardings if o.first_usage_on is None]
    if not rules and not need_first_usage:
        return 0
    since = min(o.started_on for o in onboardings)
    accounts = {o.account_id for o in onboardings}
    daily, feature_daily = usage_frames(
        account_ids=accounts, first=since - dt.timedelta(days=60), last=as_of
    )
    _first_usage(need_first_usage, daily)
    frame = pl.DataFrame(rules, schema=RULE_SCHEMA, orient="row")
    met = first_met(frame, daily, feature_daily, since=since, as_of=as_of)
    new = []
    for rule_id, met_on in met.rows():
        onboarding, criterion_id = owners[rule_id]
        checks[onboarding.pk][criterion_id] = met_on
        new.append((onboarding.pk, criterion_id, met_on, CriterionKind.USAGE.value))
    fields = ["onboarding_id", "criterion_id", "met_on", "source"]
    return bulk_insert(CriterionCheck, fields, new)


def _first_usage(onboardings: list[Onboarding], daily: pl.DataFrame) -> None:
    if not onboardings or daily.is_empty():
        return
    by_account: dict[int, list[dt.date]] = defaultdict(list)
    for account_id, day in (
        daily.filter(pl.col("events") > 0).select("account_id", "day").iter_rows()
    ):
        by_account[account_id].append(day)
    for o in onboardings:
        days = [d for d in by_account.get(o.account_id, []) if d >= o.started_on]
        o.first_usage_on = min(days) if days else None


def _seats(onboardings: list[Onboarding], *, as_of: dt.date) -> dict[tuple[int, int], int]:
    accounts = {o.account_id for o in onboardings}
    seats: dict[tuple[int, int], int] = defaultdict(int)
    for start in range(0, len(accounts), 5000):
        chunk = list(accounts)[start : start + 5000]
        for account_id, product_id, n in (
            SubscriptionLine.objects.filter(account_id__in=chunk, start_date__lte=as_of)
            .exclude(end_date__lte=as_of)
            .values_list("account_id", "product_id", "seats")
        ):
            seats[(account_id, product_id)] += n or 0
    return seats


def _ended_on(onboardings: list[Onboarding], *, as_of: dt.date) -> dict[int, dt.date]:
    """The day the account's subscription to the product ended (exclusive), when no line of
    it runs on ``as_of`` or later."""
    pairs = {(o.account_id, o.product_id): o.pk for o in onboardings}
    accounts = list({o.account_id for o in onboardings})
    last_end: dict[tuple[int, int], dt.date] = {}
    still_open: set[tuple[int, int]] = set()
    for start in range(0, len(accounts), 5000):
        for account_id, product_id, end in SubscriptionLine.objects.filter(
            account_id__in=accounts[start : start + 5000]
        ).values_list("account_id", "product_id", "end_date"):
            key = (account_id, product_id)
            if end is None or end > as_of:
                still_open.add(key)
            else:
                last_end[key] = max(end, last_end.get(key, end))
    return {
        pk: last_end[key] for key, pk in pairs.items() if key in last_end and key not in still_open
    }


def _apply(onboarding: Onboarding, result: Timeline, facts: Facts, *, as_of: dt.date) -> None:
    onboarding.state = result.state.value
    onboarding.state_since = (
        result.transitions[-1].on if result.transitions else onboarding.started_on
    )
    phase = result.current_phase
    onboarding.current_phase_id = int(phase.key) if phase else None
    onboarding.current_target_on = (
        onboarding.started_on + dt.timedelta(days=phase.target_day) if phase else None
    )
    onboarding.completed_on = result.completed_on if result.state in DONE_STATES else None
    onboarding.stalled_on = result.stalled_on
    onboarding.expected_churn_on = result.expected_churn_on
    onboarding.ended_on = facts.ended_on
    onboarding.evaluated_on = as_of


def _chunks(ids: list[int], size: int = 5000) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _sync_transitions(results: dict[int, Timeline]) -> int:
    """Keep the stored transitions equal to the replayed ones (the common prefix stays, the
    rest is replaced); returns how many were added."""
    stored: dict[int, list[tuple[int, tuple[object, ...]]]] = defaultdict(list)
    for ids in _chunks(list(results)):
        for pk, onboarding_id, *values in (
            OnboardingTransition.objects.filter(onboarding_id__in=ids)
            .order_by("on", "id")
            .values_list("pk", "onboarding_id", "on", "from_state", "to_state", "reason", "details")
        ):
            stored[onboarding_id].append((pk, tuple(values)))
    drop: list[int] = []
    add: list[tuple[int, dt.date, str, str, str, dict[str, object]]] = []
    for onboarding_id, result in results.items():
        wanted = [
            (
                t.on,
                t.from_state.value if t.from_state else "",
                t.to_state.value,
                t.reason,
                dict(t.details),
            )
            for t in result.transitions
        ]
        have = stored.get(onboarding_id, [])
        keep = 0
        while keep < min(len(have), len(wanted)) and have[keep][1] == wanted[keep]:
            keep += 1
        drop += [pk for pk, _values in have[keep:]]
        add += [(onboarding_id, *values) for values in wanted[keep:]]
    for ids in _chunks(drop):
        OnboardingTransition.objects.filter(pk__in=ids).delete()
    fields = ["onboarding_id", "on", "from_state", "to_state", "reason", "details"]
    return bulk_insert(OnboardingTransition, fields, add)


def _add_signals(results: dict[int, Timeline]) -> int:
    """Add the signals not raised before (a signal, once raised, stays)."""
    seen: set[tuple[int, str, dt.date]] = set()
    for ids in _chunks(list(results)):
        seen |= set(
            OnboardingSignal.objects.filter(onboarding_id__in=ids).values_list(
                "onboarding_id", "kind", "on"
            )
        )
    new = [
        (onboarding_id, s.kind, s.on, dict(s.details))
        for onboarding_id, result in results.items()
        for s in result.signals
        if (onboarding_id, s.kind, s.on) not in seen
    ]
    return bulk_insert(OnboardingSignal, ["onboarding_id", "kind", "on", "details"], new)


def _after_completion(completed: list[Onboarding]) -> int:
    """When every onboarding of an account is done, the account leaves the onboarding phase:
    a low-touch account is handed off to the adoption team (issue 3's hand-off), any other
    moves to adoption with its CSM. Read and written in bulk; the hand-offs are placed in the
    order of the set of account ids, the order the job has always used."""
    done: dict[int, list[Onboarding]] = defaultdict(list)
    for o in completed:
        done[o.account_id].append(o)
    order = list({o.account_id for o in completed})
    still_open: set[int] = set()
    accounts: dict[int, Account] = {}
    for ids in _chunks(order):
        still_open.update(
            Onboarding.objects.filter(account_id__in=ids, state__in=OPEN_STATES).values_list(
                "account_id", flat=True
            )
        )
        accounts.update(Account.objects.in_bulk(ids))
    leaving = [
        accounts[a] for a in order if a not in still_open and accounts[a].phase == Phase.ONBOARDING
    ]
    products = {p.pk: str(p) for p in Product.objects.all()}
    handoffs = [
        Handoff(
            a,
            _("Onboarding completed (%(products)s); handed off automatically.")
            % {"products": ", ".join(products[o.product_id] for o in done[a.pk])},
        )
        for a in leaving
        if a.segment == "low"
    ]
    try:
        accounts_handoff(actor=None, handoffs=handoffs)
    except ValidationError:  # no adoption team yet: left for a person to hand off
        handoffs = []
    handed = {h.account.pk for h in handoffs}
    moving = [a for a in leaving if a.segment != "low"]
    for ids in _chunks([a.pk for a in moving]):
        Account.objects.filter(pk__in=ids).update(phase=Phase.ADOPTION)
    AuditEvent.objects.bulk_create(
        [
            audit_event(
                actor=None,
                action=AuditAction.UPDATE,
                instance=a,
                account_id=a.pk,
                changes={"phase": [Phase.ONBOARDING, Phase.ADOPTION]},
                via="job",
            )
            for a in moving
        ],
        batch_size=2000,
    )
    finished = [o.pk for a in leaving if a.segment != "low" or a.pk in handed for o in done[a.pk]]
    now = timezone.now()
    for ids in _chunks(finished):
        Onboarding.objects.filter(pk__in=ids).update(handed_off_at=now)
    return len(handed)


@transaction.atomic
def criterion_tick(
    *,
    actor: User,
    onboarding: Onboarding,
    criterion: OnboardingCriterion,
    met_on: dt.date | None = None,
) -> CriterionCheck:
    """A CSM ticks a manual criterion (met today in the company's time zone unless told)."""
    _require_edit(actor, onboarding)
    if (
        criterion.kind != CriterionKind.MANUAL
        or criterion.phase.template_id != onboarding.template_id
    ):
        raise ValidationError(_("This criterion cannot be ticked by hand for this onboarding."))
    today = tenant_today()
    met_on = met_on or today
    if met_on > today or met_on < onboarding.started_on:
        raise ValidationError({"met_on": _("The date must be between the start and today.")})
    check, created = CriterionCheck.objects.get_or_create(
        onboarding=onboarding,
        criterion=criterion,
        defaults={"met_on": met_on, "source": CriterionKind.MANUAL, "checked_by": actor},
    )
    if created:
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=check,
            account_id=onboarding.account_id,
            changes={"criterion": [None, criterion.label], "met_on": [None, met_on.isoformat()]},
        )
        onboardings_evaluate(as_of=today, onboarding_ids=[onboarding.pk])
    return check


@transaction.atomic
def criterion_untick(
    *, actor: User, onboarding: Onboarding, criterion: OnboardingCriterion
) -> None:
    """Take a manual tick back (a mistake); the states are replayed without it."""
    _require_edit(actor, onboarding)
    check = CriterionCheck.objects.filter(
        onboarding=onboarding, criterion=criterion, source=CriterionKind.MANUAL
    ).first()
    if check is None:
        return
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        instance=check,
        account_id=onboarding.account_id,
        changes={"criterion": [criterion.label, None], "met_on": [check.met_on.isoformat(), None]},
    )
    check.delete()
    onboardings_evaluate(as_of=tenant_today(), onboarding_ids=[onboarding.pk])


def _require_edit(actor: User, onboarding: Onboarding) -> None:
    if not can_tick_criteria(actor, onboarding.account):
        raise PermissionDenied


@transaction.atomic
def template_version_create(
    *, actor: User | None, product: Product, phases: Iterable[PhaseSpec], note: str = ""
) -> OnboardingTemplate:
    """A new version of the product's template, used for onboardings started from now on;
    running onboardings keep theirs."""
    if actor is not None and not can_manage_tenant(actor):
        raise PermissionDenied
    phases = list(phases)
    core_check = [p.target_day for p in phases]
    if not phases or core_check != sorted(core_check):
        raise ValidationError(_("A template needs phases whose target days do not go backwards."))
    latest = (
        OnboardingTemplate.objects.filter(product=product).aggregate(v=Max("version"))["v"] or 0
    )
    OnboardingTemplate.objects.filter(product=product, is_current=True).update(is_current=False)
    template = OnboardingTemplate.objects.create(
        product=product, version=latest + 1, is_current=True, note=note, created_by=actor
    )
    for order, p in enumerate(phases, start=1):
        phase = OnboardingPhase.objects.create(
            template=template,
            order=order,
            name_ja=p.name_ja,
            name_en=p.name_en,
            target_day=p.target_day,
            is_setup=p.is_setup,
        )
        OnboardingCriterion.objects.bulk_create(
            _criterion_row(phase, order=n, spec=c) for n, c in enumerate(p.criteria, start=1)
        )
    core_template(template)  # validates the rules (raises ValueError on a bad one)
    if actor is not None:
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=template,
            account_id=None,
            changes={"version": [latest or None, latest + 1], "note": [None, note]},
        )
    return template


def _criterion_row(
    phase: OnboardingPhase, *, order: int, spec: CriterionSpec
) -> OnboardingCriterion:
    """The stored criterion of a written one: manual without a rule, else its usage rule."""
    row = OnboardingCriterion(
        phase=phase, order=order, label_ja=spec.label_ja, label_en=spec.label_en
    )
    if spec.rule is None:
        row.kind = CriterionKind.MANUAL
    else:
        row.kind = CriterionKind.USAGE
        row.metric, row.feature = spec.rule.metric, spec.rule.feature
        row.threshold, row.window_days = spec.rule.threshold, spec.rule.window_days
    return row


def onboarding_policy_update(
    *, actor: User, policy: OnboardingPolicy, fields: dict[str, object]
) -> None:
    if not can_manage_tenant(actor):
        raise PermissionDenied
    before = {k: getattr(policy, k) for k in fields}
    for key, value in fields.items():
        setattr(policy, key, value)
    policy.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=policy,
        account_id=None,
        changes={k: [str(before[k]), str(v)] for k, v in fields.items() if before[k] != v},
    )
