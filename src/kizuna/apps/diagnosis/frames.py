"""The diagnosis's evidence, read from the owning apps with a few aggregate queries (no loop
over accounts): one function per part of ``kizuna.core.diagnosis.evidence.Evidence``, each
reading as of one day. ``evidence_gather`` reads every part; a part that fails to read (bad
data) is left empty and named in the errors, so its rules say "not enough data" and the others
are still judged.

Windows of days are in the company's time zone: a day's touchpoints are those from its 00:00
to the next day's 00:00 there. The renewed-account check compares a touch's instant with the
renewal date at 00:00 UTC (a few hours from the company's midnight: the 90 days after a
renewal are not to the hour).
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    Max,
    OuterRef,
    Q,
)

from kizuna.apps.assignments.selectors import capacity_defaults, capacity_params, measured_inputs
from kizuna.apps.coverage.models import CoverageSnapshot, Scope
from kizuna.apps.customers.models import Account, Phase, Product, Segment
from kizuna.apps.health.models import HealthScore, ModelStatus, ScoreModelVersion
from kizuna.apps.onboarding.models import OPEN_STATES, Onboarding, OnboardingTemplate
from kizuna.apps.onboarding.selectors import kpi_frame, onboarding_policy
from kizuna.apps.org.models import Role, Team, TeamKind, User
from kizuna.apps.playbooks.models import Playbook, PlaybookRun
from kizuna.apps.renewals.models import OPEN_STAGES, Renewal, Stage
from kizuna.apps.renewals.selectors import cadences
from kizuna.apps.rules.models import Firing, Rule
from kizuna.apps.segments.frames import coverage_policies
from kizuna.apps.tasks.models import Task, TaskOrigin, TaskState
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.apps.touchpoints.models import Touchpoint, TouchpointKind
from kizuna.core.calendar import month_start_before
from kizuna.core.capacity import capacity_plan
from kizuna.core.diagnosis.evidence import (
    COVERAGE_STALE_DAYS,
    UNKNOWN_AFTER_DAYS,
    WINDOW_DAYS,
    AccountEvidence,
    CoverageEvidence,
    Evidence,
    MaturityEvidence,
    MonthCompletion,
    OnboardingEvidence,
    PlanMonth,
    RenewalEvidence,
    SegmentCoverage,
    TeamEvidence,
    TeamLeads,
)
from kizuna.core.onboarding.kpis import completion_cohorts

logger = logging.getLogger(__name__)

#: touchpoints that are no contact with the customer
NOT_TOUCHES = (TouchpointKind.NOTE,)
#: touchpoints that reach many accounts at once (1:N)
ONE_TO_MANY = (TouchpointKind.WEBINAR,)
#: the touch models served one to one (each account has its CSM)
ONE_TO_ONE = (Segment.HIGH, Segment.LOW)
#: firings this old have a known precision (``core.rules.measure.HORIZON_DAYS``)
JUDGED_AFTER_DAYS = 180
#: months of the capacity plan read (as the capacity page: this month and 12 more)
PLAN_MONTHS = 12
#: renewals kept this long ago at most are checked for a touch after them
RENEWED_SINCE_DAYS = 365


def _days_back(day: dt.date, days: int) -> dt.date:
    try:
        return day - dt.timedelta(days=days)
    except OverflowError:
        return dt.date.min


def _days_on(day: dt.date, days: int) -> dt.date:
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max


def _instant(day: dt.date) -> dt.datetime:
    """The company's midnight starting ``day``."""
    zone = zoneinfo.ZoneInfo(tenant_settings_get().time_zone)
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


def _window(day: dt.date, days: int) -> Q:
    """Touchpoints of the ``days`` days ending with ``day`` (inclusive)."""
    start = _instant(_days_back(day, days - 1))
    end = _instant(_days_on(day, 1)) if day < dt.date.max else None
    window = Q(occurred_at__gte=start)
    return window & Q(occurred_at__lt=end) if end else window


def coverage_evidence(day: dt.date) -> CoverageEvidence:
    """The company-wide coverage snapshots of the latest snapshot day on or before ``day``."""
    company = CoverageSnapshot.objects.filter(scope=Scope.SEGMENT, as_of__lte=day)
    latest = company.aggregate(latest=Max("as_of"))["latest"]
    if latest is None:
        return CoverageEvidence()
    policies = {policy.segment for policy in coverage_policies()}
    rows = company.filter(as_of=latest).values_list("segment", "covered", "total", "target")
    order = {segment: i for i, segment in enumerate(Segment.values)}
    segments = sorted(
        (
            SegmentCoverage(segment, segment in policies, int(covered), int(total), float(target))
            for segment, covered, total, target in rows
        ),
        key=lambda s: (order.get(s.segment, len(order)), s.segment),
    )
    return CoverageEvidence(as_of=latest, segments=tuple(segments))


def onboarding_evidence(day: dt.date) -> OnboardingEvidence:
    """Templates per sold product, the last six cohort months' completion within period
    (``core.onboarding.kpis``, as the onboarding dashboard), and the open onboardings per owner
    of their account."""
    current = OnboardingTemplate.objects.filter(product_id=OuterRef("pk"), is_current=True)
    products = Product.objects.filter(is_active=True)
    first = month_start_before(day, 5) if day.year > 1 or day.month > 5 else dt.date(1, 1, 1)
    cohorts = completion_cohorts(
        kpi_frame(as_of=day, dimensions=(), target_from=first),
        as_of=day,
        first_month=first,
        last_month=day,
    )
    months = tuple(
        MonthCompletion(row["cohort_month"], int(row["cohort_size"]), int(row["completed_on_time"]))
        for row in cohorts.iter_rows(named=True)
    )
    per_owner: dict[int, int] = {}
    pooled = unowned = 0
    rows = (
        Onboarding.objects.filter(state__in=OPEN_STATES)
        .values_list("account__owner_id", "account__team_id")
        .annotate(n=Count("id"))
        .values_list("account__owner_id", "account__team_id", "n")
    )
    for owner, team, n in rows:
        if owner is not None:
            per_owner[owner] = per_owner.get(owner, 0) + int(n)
        elif team is not None:
            pooled += int(n)
        else:
            unowned += int(n)
    return OnboardingEvidence(
        products_active=products.count(),
        products_with_template=products.filter(Exists(current)).count(),
        months=months,
        completion_target=float(onboarding_policy().completion_target),
        active=unowned + pooled + sum(per_owner.values()),
        csms=len(per_owner),
        pooled=pooled,
        unowned=unowned,
        max_per_csm=max((int(n) for n in per_owner.values()), default=0),
    )


def renewal_evidence(day: dt.date) -> RenewalEvidence:
    """The open renewals inside their plan window (where their touch model requires a plan:
    the renewal pipeline's "plan missing" rule), and the renewals kept 90 to 365 days ago with
    or without a touch in the 90 days after them."""
    in_window = Q(pk__in=[])
    for segment, cadence in cadences().items():
        if cadence.plan_required:
            last = _days_on(day, min(cadence.plan_from_days, WINDOW_DAYS))
            in_window |= Q(account__segment=segment, date__lte=last)
    due = Renewal.objects.filter(
        in_window, date__gte=day, stage__in=OPEN_STAGES, no_longer_due=False
    ).aggregate(n=Count("id"), planned=Count("id", filter=Q(plan__isnull=False)))
    after = ExpressionWrapper(
        OuterRef("date") + dt.timedelta(days=WINDOW_DAYS + 1), output_field=DateTimeField()
    )
    touched = Touchpoint.objects.filter(
        account_id=OuterRef("account_id"), occurred_at__gte=OuterRef("date"), occurred_at__lt=after
    ).exclude(kind__in=NOT_TOUCHES)
    kept = Renewal.objects.filter(
        outcome__in=(Stage.RENEWED, Stage.DOWNGRADED),
        date__gte=_days_back(day, RENEWED_SINCE_DAYS),
        date__lte=_days_back(day, WINDOW_DAYS),
    )
    return RenewalEvidence(
        in_window=int(due["n"]),
        with_plan=int(due["planned"]),
        renewed=kept.count(),
        renewed_untouched=kept.exclude(Exists(touched)).count(),
    )


def account_evidence(day: dt.date) -> AccountEvidence:
    """Active accounts (MRR > 0): unknown ones (no touch in 180 days), those owned by
    managers, and the tech-touch ones reached by a webinar in 90 days. Four counting queries
    (each ``EXISTS`` in its own ``WHERE``: Django drops an ``EXISTS`` annotation read only
    by an aggregate's filter)."""
    active = Account.objects.filter(mrr__gt=0)
    touches = Touchpoint.objects.filter(account_id=OuterRef("pk")).exclude(kind__in=NOT_TOUCHES)
    webinars = Touchpoint.objects.filter(_window(day, WINDOW_DAYS), kind__in=ONE_TO_MANY)
    manager = Q(owner__role=Role.MANAGER)
    figures = active.aggregate(
        active=Count("id"),
        managers=Count("id", filter=manager),
        managers_with_book=Count("owner_id", filter=manager, distinct=True),
        tech=Count("id", filter=Q(segment=Segment.TECH)),
    )
    known = Exists(touches.filter(_window(day, UNKNOWN_AFTER_DAYS)))
    reached = Exists(webinars.filter(account_id=OuterRef("pk")))
    return AccountEvidence(
        active=int(figures["active"]),
        one_to_one=active.filter(segment__in=ONE_TO_ONE).count(),
        unknown=active.filter(segment__in=ONE_TO_ONE).exclude(known).count(),
        owned_by_managers=int(figures["managers"]),
        managers_with_book=int(figures["managers_with_book"]),
        tech_accounts=int(figures["tech"]),
        tech_reached=active.filter(reached, segment=Segment.TECH).count(),
        webinars=webinars.count(),
    )


def _generalists() -> tuple[int, int]:
    """(CSMs owning an active account, of those owning accounts in onboarding, adoption and
    renewal, of two touch models or more): one query of distinct (owner, phase, segment)."""
    combos = (
        Account.objects.filter(mrr__gt=0, owner__role=Role.CSM, owner__is_active=True)
        .values_list("owner_id", "phase", "segment")
        .distinct()
    )
    phases: dict[int, set[str]] = defaultdict(set)
    segments: dict[int, set[str]] = defaultdict(set)
    for owner, phase, segment in combos:
        phases[owner].add(phase)
        segments[owner].add(segment)
    every = {Phase.ONBOARDING, Phase.ADOPTION, Phase.RENEWAL}
    wide = [o for o in phases if every <= phases[o] and len(segments[o]) >= 2]
    return len(phases), len(wide)


def team_evidence(day: dt.date) -> TeamEvidence:
    """CS ops members, CSMs and managers per team, team kinds staffed, generalist CSMs and
    the capacity plan for this month and the next 12 (the capacity page's defaults: the
    norms' maxima, new contracts and churn as measured)."""
    members = (
        User.objects.filter(is_active=True, team__isnull=False, role__in=(Role.CSM, Role.MANAGER))
        .values_list("team_id", "role")
        .annotate(n=Count("id"))
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for team_id, role, n in members:
        counts[team_id][role] = int(n)
    teams = Team.objects.filter(pk__in=counts)
    leads = tuple(
        TeamLeads(t.code, counts[t.pk].get(Role.CSM, 0), counts[t.pk].get(Role.MANAGER, 0))
        for t in teams
    )
    csms, generalists = _generalists()
    measured = measured_inputs(today=day)
    plan = capacity_plan(
        capacity_params(measured, capacity_defaults(measured)), as_of=day, months=PLAN_MONTHS
    )
    return TeamEvidence(
        ops_members=User.objects.filter(is_active=True, role=Role.ADMIN).count(),
        teams=leads,
        csms=csms,
        generalists=generalists,
        kinds_staffed=len({t.kind for t in teams if counts[t.pk].get(Role.CSM, 0) > 0}),
        kinds=len(TeamKind.values),
        plan=tuple(
            PlanMonth(
                needed=sum(n.needed_ceil for n in month.teams),
                headcount=sum(n.headcount for n in month.teams),
                hiring_need=sum(n.hiring_need for n in month.teams),
            )
            for month in plan
        ),
    )


def maturity_evidence(day: dt.date) -> MaturityEvidence:
    """Planned touches (a task on the account open when the touch was made: created before
    it, not closed before it), health scores of the latest scoring day (at most 7 days old),
    playbooks and their runs, enabled rules, judged firings and the outcomes recorded."""
    open_task = Task.objects.filter(
        account_id=OuterRef("account_id"), created_at__lte=OuterRef("occurred_at")
    ).filter(Q(closed_at__isnull=True) | Q(closed_at__gte=OuterRef("occurred_at")))
    touches = Touchpoint.objects.filter(_window(day, WINDOW_DAYS)).exclude(
        kind__in=(*NOT_TOUCHES, *ONE_TO_MANY)
    )
    scores = HealthScore.objects.filter(day__lte=day, day__gte=_days_back(day, COVERAGE_STALE_DAYS))
    latest = scores.aggregate(latest=Max("day"))["latest"]
    scored = (
        scores.filter(day=latest, account__mrr__gt=0).values("account_id").distinct().count()
        if latest
        else 0
    )
    since = _days_back(day, JUDGED_AFTER_DAYS)
    done = Task.objects.filter(
        origin__in=(TaskOrigin.RULE, TaskOrigin.PLAYBOOK),
        state=TaskState.DONE,
        closed_at__gte=_instant(since),
        closed_at__lt=_instant(_days_on(day, 1)),
    ).aggregate(n=Count("id"), outcome=Count("id", filter=~Q(outcome="")))
    return MaturityEvidence(
        touches=touches.count(),
        planned=touches.filter(Exists(open_task)).count(),
        scored=scored,
        score_models=ScoreModelVersion.objects.filter(status=ModelStatus.PUBLISHED).count(),
        playbooks_active=Playbook.objects.filter(active=True).count(),
        playbook_runs=PlaybookRun.objects.filter(
            started_on__lte=day, started_on__gt=_days_back(day, WINDOW_DAYS)
        ).count(),
        rules_enabled=Rule.objects.filter(enabled=True).count(),
        firings_judged=Firing.objects.filter(day__lte=since).count(),
        tasks_done=int(done["n"]),
        tasks_with_outcome=int(done["outcome"]),
    )


PARTS: dict[str, Callable[[dt.date], Any]] = {
    "coverage": coverage_evidence,
    "onboarding": onboarding_evidence,
    "renewals": renewal_evidence,
    "accounts": account_evidence,
    "team": team_evidence,
    "maturity": maturity_evidence,
}


def evidence_gather(day: dt.date) -> tuple[Evidence, dict[str, str]]:
    """Every part of the evidence as of ``day``, and the parts that could not be read
    ({part: the error's class and message}): those are left empty."""
    parts: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, read in PARTS.items():
        try:
            with transaction.atomic():  # a savepoint: a failed query leaves the rest usable
                parts[name] = read(day)
        except Exception as error:  # one bad part must not stop the diagnosis
            logger.exception("diagnosis: the %s evidence could not be read", name)
            errors[name] = f"{type(error).__name__}: {error}"[:300]
    return Evidence(as_of=day, **parts), errors
