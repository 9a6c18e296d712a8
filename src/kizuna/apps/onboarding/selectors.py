"""Onboarding reads: the policy, templates as core values, the board, one onboarding's
timeline, and the KPI input frame."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, CharField, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Cast
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kizuna.apps.customers.models import Product, Segment, SubscriptionLine
from kizuna.apps.onboarding import charts
from kizuna.apps.onboarding.charts import FunnelChart
from kizuna.apps.onboarding.models import (
    CriterionCheck,
    CriterionKind,
    Onboarding,
    OnboardingCriterion,
    OnboardingPhase,
    OnboardingPolicy,
    OnboardingSignal,
    OnboardingState,
    OnboardingTemplate,
    OnboardingTransition,
)
from kizuna.apps.org.access import can_tick_criteria
from kizuna.apps.org.models import Role, Team, User
from kizuna.core.calendar import month_start_before
from kizuna.core.onboarding import kpis
from kizuna.core.onboarding.kpis import CohortRow, Dimension, FunnelRow, PeriodCompletion
from kizuna.core.onboarding.timeline import Criterion, Phase, Template, UsageRule


@dataclass(frozen=True, slots=True)
class PhaseProgress:
    """A phase of one onboarding: planned from the previous phase's target to its own, done
    when its last criterion was met, and its criteria with their checks (None: not met)."""

    phase: OnboardingPhase
    planned_from: dt.date
    target_on: dt.date
    done_on: dt.date | None
    criteria: tuple[tuple[OnboardingCriterion, CriterionCheck | None], ...]


@dataclass(frozen=True, slots=True)
class TransitionRow:
    transition: OnboardingTransition
    text: str  # its reason in the reader's language


@dataclass(frozen=True, slots=True)
class OnboardingDetail:
    """One onboarding's phases, state history and signals (``onboarding_detail``)."""

    phases: tuple[PhaseProgress, ...]
    transitions: tuple[TransitionRow, ...]
    signals: tuple[OnboardingSignal, ...]


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One row of the board: the current phase, how late it is, and its open criteria."""

    onboarding: Onboarding
    late_days: int
    due_in: int | None  # days to the phase target, when ahead of it
    criteria: tuple[OnboardingCriterion, ...]
    can_edit: bool


@dataclass(frozen=True, slots=True)
class BoardCounts:
    """Open onboardings of the board, by state."""

    expected_churn: int
    stalled: int
    in_progress: int


@dataclass(frozen=True, slots=True)
class TemplateRow:
    template: OnboardingTemplate
    phases: tuple[OnboardingPhase, ...]
    running: int  # open onboardings on this version


@dataclass(frozen=True, slots=True)
class OnboardingDashboard:
    """The manager's dashboard (``dashboard_data``)."""

    policy: OnboardingPolicy
    labels: Mapping[str, str]  # a value of the cut → its display name
    period: tuple[PeriodCompletion, ...]
    overall: PeriodCompletion | None
    period_first: dt.date
    period_last: dt.date
    cohorts: tuple[CohortRow, ...]  # newest first
    matrix_columns: tuple[str, ...]
    matrix: tuple[tuple[dt.date, tuple[tuple[float | None, int], ...]], ...]
    funnel_rows: tuple[FunnelRow, ...]  # newest first
    funnel: FunnelChart | None
    funnel_first: dt.date
    funnel_last: dt.date
    stuck: tuple[tuple[Onboarding, str], ...]  # (onboarding, why)
    stuck_page: Page[Onboarding]


def onboarding_policy() -> OnboardingPolicy:
    """The onboarding policy (one row, seeded by the migration
    ``onboarding/0002_default_policy``). A read never writes: should the row be missing, the
    answer is an unsaved policy with the model's defaults, which
    ``services.onboarding_policy_update`` saves on the first change."""
    policy = OnboardingPolicy.objects.order_by("pk").first()
    return policy if policy is not None else OnboardingPolicy()


def core_template(template: OnboardingTemplate | int) -> Template:
    """The template version as the core's value; keys are the phase and criterion ids."""
    template_id = template if isinstance(template, int) else template.pk
    phases = OnboardingPhase.objects.filter(template_id=template_id).order_by("order")
    criteria: dict[int, list[OnboardingCriterion]] = {}
    for c in OnboardingCriterion.objects.filter(phase__template_id=template_id).order_by("order"):
        criteria.setdefault(c.phase_id, []).append(c)
    return Template(
        tuple(
            Phase(
                key=str(p.pk),
                name=p.name,
                target_day=p.target_day,
                criteria=tuple(_criterion(c) for c in criteria.get(p.pk, [])),
                is_setup=p.is_setup,
            )
            for p in phases
        )
    )


def _criterion(c: OnboardingCriterion) -> Criterion:
    if c.kind == CriterionKind.MANUAL:
        return Criterion(str(c.pk), c.label)
    rule = UsageRule(c.metric, c.threshold or 0, c.window_days, c.feature)
    return Criterion(str(c.pk), c.label, rule)


def board_csms() -> QuerySet[User]:
    """The CSMs whose board can be picked: the active ones, by username."""
    return User.objects.filter(role=Role.CSM, is_active=True).order_by("username")


def products_without_template() -> QuerySet[Product]:
    return Product.objects.exclude(onboarding_templates__isnull=False)


def current_template(*, product: Product) -> OnboardingTemplate | None:
    """The product's current template version (None before its first)."""
    return OnboardingTemplate.objects.filter(product=product, is_current=True).first()


def board_onboardings(*, user: User | None, team_id: int | None = None) -> QuerySet[Onboarding]:
    """Open onboardings (of a CSM, a team, or everyone), stalled and expected churn first,
    then by the current phase's target (the most overdue first)."""
    rows = Onboarding.objects.filter(
        state__in=[
            OnboardingState.IN_PROGRESS,
            OnboardingState.STALLED,
            OnboardingState.EXPECTED_CHURN,
        ]
    ).select_related("account", "account__owner", "product", "current_phase", "template")
    if user is not None:
        rows = rows.filter(account__owner=user)
    if team_id is not None:
        rows = rows.filter(Q(account__team_id=team_id) | Q(account__owner__team_id=team_id))
    return rows


def onboardings_to_push(
    *, owner: User, today: dt.date, limit: int = 5
) -> tuple[list[tuple[Onboarding, str]], int]:
    """One owner's onboardings that need a push, with why: expected to churn, stalled, or in
    progress past the current phase's target; in that order, the most overdue first. Returns
    the first ``limit`` rows (each with its reason in the reader's language) and the total."""
    rows = list(
        board_onboardings(user=owner).filter(
            Q(state__in=[OnboardingState.STALLED, OnboardingState.EXPECTED_CHURN])
            | Q(current_target_on__lt=today)
        )
    )
    rows.sort(
        key=lambda o: (STATE_RANK[OnboardingState(o.state)], o.current_target_on or today, o.pk)
    )
    return [(o, push_reason(o, today=today)) for o in rows[:limit]], len(rows)


@dataclass(frozen=True)
class PushLists:
    """``onboardings_to_push`` of several owners, read at once (``onboardings_to_push_of``):
    per owner the first rows and the total; ``reason`` words a row's reason in the active
    language from the last transitions read with them (no query)."""

    rows: dict[int, list[Onboarding]]
    counts: dict[int, int]
    last: dict[int, OnboardingTransition]
    names: dict[str, str]
    labels: dict[str, str]

    def reason(self, o: Onboarding, *, today: dt.date) -> str:
        """``push_reason`` of one of the rows."""
        if o.state == OnboardingState.IN_PROGRESS and o.current_target_on:
            return _late_reason(o, today=today)
        t = self.last.get(o.pk)
        text = reason_text(t.reason, t.details, self.names, self.labels) if t else ""
        return text or str(o.get_state_display())


def onboardings_to_push_of(*, owner_ids: Sequence[int], today: dt.date, limit: int) -> PushLists:
    """``onboardings_to_push`` of each of ``owner_ids`` in five queries whatever their number:
    the onboardings, then the last transitions, phase names and criterion labels of the rows
    shown (``_last_transitions``)."""
    rows = list(
        board_onboardings(user=None).filter(
            Q(state__in=[OnboardingState.STALLED, OnboardingState.EXPECTED_CHURN])
            | Q(current_target_on__lt=today),
            account__owner_id__in=list(owner_ids),
        )
    )
    rows.sort(
        key=lambda o: (STATE_RANK[OnboardingState(o.state)], o.current_target_on or today, o.pk)
    )
    by_owner: dict[int, list[Onboarding]] = {}
    for o in rows:
        if o.account.owner_id is not None:
            by_owner.setdefault(o.account.owner_id, []).append(o)
    shown = {owner: found[:limit] for owner, found in by_owner.items()}
    last, names, labels = _last_transitions([o for found in shown.values() for o in found])
    counts = {owner: len(found) for owner, found in by_owner.items()}
    return PushLists(shown, counts, last, names, labels)


def push_reason(o: Onboarding, *, today: dt.date) -> str:
    """Why an onboarding needs a push: the reason of its last transition, or, for one still
    in progress, how late its current phase is."""
    if o.state == OnboardingState.IN_PROGRESS and o.current_target_on:
        return _late_reason(o, today=today)
    return _last_reason(o) or str(o.get_state_display())


def _late_reason(o: Onboarding, *, today: dt.date) -> str:
    target = o.current_target_on or today
    late = (today - target).days
    phase = o.current_phase.name if o.current_phase else ""
    return ngettext(
        "Phase “%(phase)s” is %(days)d day past its target (%(target)s).",
        "Phase “%(phase)s” is %(days)d days past its target (%(target)s).",
        late,
    ) % {"phase": phase, "days": late, "target": date_format(target)}


STATE_RANK = {
    OnboardingState.EXPECTED_CHURN: 0,
    OnboardingState.STALLED: 1,
    OnboardingState.IN_PROGRESS: 2,
}


def onboarding_detail(*, onboarding: Onboarding) -> OnboardingDetail:
    """Phases with target vs actual and their criteria (met when, by whom), transitions with
    their reasons in the reader's language, and signals."""
    phases = list(OnboardingPhase.objects.filter(template=onboarding.template).order_by("order"))
    criteria = list(
        OnboardingCriterion.objects.filter(phase__template=onboarding.template).order_by(
            "phase__order", "order"
        )
    )
    checks = {c.criterion_id: c for c in onboarding.checks.select_related("checked_by")}
    names = {str(p.pk): p.name for p in phases}
    labels = {str(c.pk): c.label for c in criteria}
    rows = []
    previous_target = onboarding.started_on
    for phase in phases:
        mine = [c for c in criteria if c.phase_id == phase.pk]
        met = [checks[c.pk].met_on for c in mine if c.pk in checks]
        target = onboarding.started_on + dt.timedelta(days=phase.target_day)
        rows.append(
            PhaseProgress(
                phase=phase,
                planned_from=previous_target,
                target_on=target,
                done_on=max(met) if mine and len(met) == len(mine) else None,
                criteria=tuple((c, checks.get(c.pk)) for c in mine),
            )
        )
        previous_target = target
    transitions = tuple(
        TransitionRow(transition=t, text=reason_text(t.reason, t.details, names, labels))
        for t in onboarding.transitions.all()
    )
    return OnboardingDetail(
        phases=tuple(rows), transitions=transitions, signals=tuple(onboarding.signals.all())
    )


def reason_text(
    reason: str, details: dict[str, Any], names: dict[str, str], labels: dict[str, str]
) -> str:
    """A transition's reason in the reader's language, with the phase and criteria named."""
    unmet = "、".join(labels.get(k, k) for k in details.get("unmet", []))
    values = {
        "phase": names.get(str(details.get("phase", "")), ""),
        "target": _local_date(details.get("target_on")),
        "unmet": unmet or "—",
        "grace": details.get("grace_days", ""),
        "ended": _local_date(details.get("ended_on")),
        "completed": _local_date(details.get("completed_on")),
    }
    texts = {
        "handed_over": _("Handed over to CS."),
        "caught_up": _("Every late phase is done again."),
        "phase_overdue": _("Phase “%(phase)s” target %(target)s passed; not met: %(unmet)s."),
        "past_final_target": _(
            "Final target %(target)s + %(grace)s grace days passed; not met: %(unmet)s."
        ),
        "all_criteria_met": _("Every criterion met on %(completed)s."),
        "completed_after_expected_churn": _(
            "Completed on %(completed)s after being expected to churn."
        ),
        "subscription_ended": _("The subscription ended on %(ended)s."),
    }
    return texts.get(reason, reason) % values


def _local_date(value: Any) -> str:
    """A stored ISO date in the reader's format (as stored when it does not parse)."""
    if not value:
        return ""
    try:
        return date_format(dt.date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


#: Where each KPI dimension is read from (an onboarding's lookup).
KPI_DIMENSION_FIELDS: Mapping[Dimension, str] = {
    "product": "product__code",
    "segment": "account__segment",
    "team": "account__team__code",
    "csm": "account__owner__username",
}

#: The date columns of the KPI frame read as they are stored (``first_renewal_on`` is computed).
_KPI_STORED_DATES = (
    "started_on",
    "target_on",
    "completed_on",
    "stalled_on",
    "expected_churn_on",
    "ended_on",
)


def kpi_frame(
    *,
    as_of: dt.date,
    dimensions: Sequence[Dimension] = kpis.DIMENSIONS,
    target_from: dt.date | None = None,
) -> pl.DataFrame:
    """One row per onboarding with the columns ``kizuna.core.onboarding.kpis`` reads: the
    id, the ``dimensions`` asked for (every one by default; a cut needs only its own, and each
    one left out spares a column and, for all but the product, a join) and the dates.

    One query, turned into columns once; the dates are typed and the first renewal computed
    by Polars, not per row in Python. On SQLite the dates are read as the ISO text it stores
    them as (parsing them in Polars is cheaper than building a Python date per value). The
    first renewal is a year after the first line of the onboarding's account and product
    (29 February + 1 year = 28 February, as ``kizuna.core.calendar.add_years``); a first line
    starting in the year 9999 has no representable renewal: unknown (null), which no KPI can
    tell from a renewal after any ``as_of``.

    ``target_from`` reads only the onboardings with a target day on or after it: enough for
    the target-date cohorts from that month on (``completion_cohorts``), not for the KPIs that
    look at every open onboarding."""
    first_line = (
        SubscriptionLine.objects.filter(
            account_id=OuterRef("account_id"), product_id=OuterRef("product_id")
        )
        .order_by("start_date")
        .values("start_date")[:1]
    )
    as_text = connection.vendor == "sqlite"
    dates: dict[str, Any] = {
        f"kpi_{name}": Cast(expression, CharField()) if as_text else expression
        for name, expression in (
            *((name, F(name)) for name in _KPI_STORED_DATES),
            ("first_start", Subquery(first_line)),
        )
    }
    wanted = [d for d in kpis.DIMENSIONS if d in dimensions]
    onboardings = Onboarding.objects.all()
    if target_from is not None:
        onboardings = onboardings.filter(target_on__gte=target_from)
    rows = list(
        onboardings.annotate(**dates).values_list(
            "pk", *(KPI_DIMENSION_FIELDS[d] for d in wanted), *dates
        )
    )
    names = ["onboarding_id", *wanted]
    columns = list(zip(*rows, strict=True)) if rows else [()] * (len(names) + len(dates))
    labels = [
        pl.Series(name, column, dtype=kpis.ONBOARDINGS_SCHEMA[name])
        for name, column in zip(names, columns, strict=False)
    ]
    days = [
        pl.Series(name.removeprefix("kpi_"), column, dtype=pl.String).str.to_date("%Y-%m-%d")
        if as_text
        else pl.Series(name.removeprefix("kpi_"), column, dtype=pl.Date)
        for name, column in zip(dates, columns[len(names) :], strict=True)
    ]
    first_start = pl.col("first_start")
    return pl.DataFrame([*labels, *days]).select(
        *names,
        *_KPI_STORED_DATES,
        first_renewal_on=pl.when(first_start.dt.year() < 9999).then(first_start.dt.offset_by("1y")),
    )


def templates_current() -> QuerySet[OnboardingTemplate]:
    return OnboardingTemplate.objects.filter(is_current=True).select_related("product")


def board_row(o: Onboarding, *, today: dt.date, viewer: User) -> BoardRow:
    """One board row: the current phase, how late it is, and its open criteria."""
    criteria: list[OnboardingCriterion] = []
    if o.current_phase_id:
        met = {check.criterion_id for check in o.checks.all()}  # prefetched by board_rows
        criteria = [c for c in o.current_phase.criteria.all() if c.pk not in met]  # type: ignore[union-attr]
    late = (today - o.current_target_on).days if o.current_target_on else 0
    return BoardRow(
        onboarding=o,
        late_days=max(0, late),
        due_in=-late if late < 0 else None,
        criteria=tuple(criteria),
        can_edit=can_tick_criteria(viewer, o.account),
    )


BOARD_PAGE_SIZE = 50


def board_page(
    *, user: User | None, team_id: int | None, today: dt.date, viewer: User, page: str | None
) -> tuple[Page[int], list[BoardRow], BoardCounts]:
    """The board, most urgent first (expected churn, stalled, then the nearest phase target),
    one page of rows at a time; the counts are over every open onboarding."""
    keys = list(
        board_onboardings(user=user, team_id=team_id).values_list(
            "pk", "state", "current_target_on"
        )
    )
    keys.sort(key=lambda k: (STATE_RANK[OnboardingState(k[1])], k[2] or today, k[0]))
    states = Counter(state for _pk, state, _target in keys)
    counts = BoardCounts(
        expected_churn=states[OnboardingState.EXPECTED_CHURN],
        stalled=states[OnboardingState.STALLED],
        in_progress=states[OnboardingState.IN_PROGRESS],
    )
    paged = Paginator([k[0] for k in keys], BOARD_PAGE_SIZE).get_page(page)
    by_pk = (
        board_onboardings(user=None)
        .prefetch_related("checks", "current_phase__criteria")
        .in_bulk(list(paged.object_list))
    )
    rows = [
        board_row(by_pk[pk], today=today, viewer=viewer) for pk in paged.object_list if pk in by_pk
    ]
    return paged, rows, counts


def template_list() -> list[TemplateRow]:
    rows = []
    for t in OnboardingTemplate.objects.select_related("product", "created_by").order_by(
        "product__code", "-version"
    ):
        phases = tuple(t.phases.prefetch_related("criteria").order_by("order"))
        rows.append(
            TemplateRow(
                template=t,
                phases=phases,
                running=t.onboardings.filter(state__in=list(STATE_RANK)).count(),
            )
        )
    return rows


STUCK_PAGE_SIZE = 25


def dashboard_data(
    *,
    today: dt.date,
    by: Dimension,
    stuck_page: str | None = None,
    period: tuple[dt.date, dt.date] | None = None,
) -> OnboardingDashboard:
    """Completion within the period by ``by`` against the target, the cohort table, the
    funnel, and who is stalled and why. ``period``: the first and last months of the
    completion figure (default: the three whole months before this one)."""
    policy = onboarding_policy()
    period_first, period_last = period or (
        month_start_before(today, 3),
        month_start_before(today, 1),
    )
    frame = kpi_frame(as_of=today, dimensions=(by,))
    this_month = today.replace(day=1)
    first = month_start_before(today, 11)
    by_value = kpis.period_completion(
        frame,
        as_of=today,
        first_month=period_first,
        last_month=period_last,
        by=by,
        target=policy.completion_target,
    )
    overall = kpis.period_completion(
        frame,
        as_of=today,
        first_month=period_first,
        last_month=period_last,
        target=policy.completion_target,
    )
    cohorts = kpis.completion_cohorts(frame, as_of=today, first_month=first, last_month=this_month)
    cut = kpis.completion_cohorts(
        frame, as_of=today, first_month=first, last_month=this_month, by=by
    )
    values = sorted({v for v in cut[by].to_list() if v is not None})
    by_month: dict[dt.date, dict[str, tuple[float | None, int]]] = {}
    for row in cut.iter_rows(named=True):
        by_month.setdefault(row["cohort_month"], {})[row[by]] = (
            row["completion_rate"],
            row["cohort_size"],
        )
    matrix = tuple(
        (month, tuple(by_month[month].get(v, (None, 0)) for v in values))
        for month in sorted(by_month, reverse=True)
    )
    funnel = kpis.onboarding_funnel(
        frame, as_of=today, first_month=month_start_before(today, 23), last_month=this_month
    )
    totals = kpis.funnel_totals(
        funnel, first_month=month_start_before(today, 23), last_month=month_start_before(today, 12)
    )
    stalled: QuerySet[Onboarding] = (
        Onboarding.objects.filter(
            state__in=[OnboardingState.STALLED, OnboardingState.EXPECTED_CHURN]
        )
        .select_related("account", "account__owner", "product", "current_phase", "template")
        .alias(
            urgency=Case(
                When(state=OnboardingState.EXPECTED_CHURN, then=Value(0)), default=Value(1)
            )
        )
        .order_by("urgency", "current_target_on", "id")
    )
    stuck = Paginator(stalled, STUCK_PAGE_SIZE).get_page(stuck_page)
    return OnboardingDashboard(
        policy=policy,
        labels=_dimension_labels(by),
        period=by_value,
        overall=overall[0] if overall else None,
        period_first=period_first,
        period_last=period_last,
        cohorts=tuple(reversed(kpis.cohort_rows(cohorts))),
        matrix_columns=tuple(values),
        matrix=matrix,
        funnel_rows=tuple(reversed(kpis.funnel_rows(funnel))),
        funnel=charts.funnel(kpis.funnel_rows(totals)[0]) if totals.height else None,
        funnel_first=month_start_before(today, 23),
        funnel_last=month_start_before(today, 12),
        stuck=tuple(_with_last_reasons(list(stuck.object_list))),
        stuck_page=stuck,
    )


def _with_last_reasons(onboardings: list[Onboarding]) -> list[tuple[Onboarding, str]]:
    """Each onboarding with the reason of its last transition ("" without one), as
    ``_last_reason`` words it, in three queries for the whole list."""
    last, names, labels = _last_transitions(onboardings)
    return [
        (o, reason_text(t.reason, t.details, names, labels) if (t := last.get(o.pk)) else "")
        for o in onboardings
    ]


def _last_transitions(
    onboardings: list[Onboarding],
) -> tuple[dict[int, OnboardingTransition], dict[str, str], dict[str, str]]:
    """Each onboarding's last transition, and the names of the phases and labels of the
    criteria its reason may name, in three queries for the whole list."""
    last: dict[int, OnboardingTransition] = {}
    for transition in OnboardingTransition.objects.filter(
        onboarding_id__in=[o.pk for o in onboardings]
    ).order_by("onboarding_id", "-on", "-id"):
        last.setdefault(transition.onboarding_id, transition)
    templates = {o.template_id for o in onboardings if o.pk in last}
    # phase and criterion ids are unique across templates: one map serves every template
    names = {str(p.pk): p.name for p in OnboardingPhase.objects.filter(template_id__in=templates)}
    labels = {
        str(c.pk): c.label
        for c in OnboardingCriterion.objects.filter(phase__template_id__in=templates)
    }
    return last, names, labels


def _last_reason(o: Onboarding) -> str:
    last = o.transitions.order_by("-on", "-id").first()
    if last is None:
        return ""
    names = {str(p.pk): p.name for p in o.template.phases.all()}
    labels = {
        str(c.pk): c.label for c in OnboardingCriterion.objects.filter(phase__template=o.template)
    }
    return reason_text(last.reason, last.details, names, labels)


def _dimension_labels(by: str) -> dict[str, str]:
    """Display names for the values of a KPI cut (the frame holds codes and usernames)."""
    if by == "product":
        return {p.code: p.name for p in Product.objects.all()}
    if by == "segment":
        return {str(v): str(label) for v, label in Segment.choices}
    if by == "team":
        return {t.code: str(t) for t in Team.objects.all()}
    return {u.username: str(u) for u in User.objects.filter(role__in=["csm", "manager", "admin"])}
