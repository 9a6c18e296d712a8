"""Reads of the renewals app: the review cadence per touch model (defaults when none is
stored), the subscription lines as the renewal core reads them, the renewal pipeline with
each renewal's plan status and flags, and one renewal's page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db.models import F, Max, OuterRef, Q, Subquery

from kizuna.apps.customers.models import Segment, SubscriptionLine
from kizuna.apps.renewals.models import (
    OPEN_STAGES,
    ClosingPlan,
    ForecastCall,
    PlanReview,
    Renewal,
    ReviewCadence,
    Stage,
)
from kizuna.core.calendar import first_of_month, month_end, month_starts
from kizuna.core.renewals import frames
from kizuna.core.renewals.cadence import (
    PLAN_MISSING,
    REVIEW_OVERDUE,
    Cadence,
    plan_flags,
    window_opens,
)
from kizuna.core.renewals.generate import Line, RenewalRate, renewal_rate, term_of
from kizuna.core.renewals.generate import Renewal as CoreRenewal
from kizuna.db.rows import plain_frame, plain_rows

#: UPWARD: the larger the account, the earlier and more often a plan is reviewed; a tech-touch
#: renewal has no plan, only reminders
DEFAULT_CADENCES: dict[str, Cadence] = {
    Segment.HIGH: Cadence(lead_days=180, plan_required=True, plan_from_days=120, every_days=30),
    Segment.LOW: Cadence(lead_days=180, plan_required=True, plan_from_days=60, every_days=60),
    Segment.TECH: Cadence(lead_days=180, plan_required=False, plan_from_days=30, every_days=90),
    Segment.COMMUNITY: Cadence(
        lead_days=180, plan_required=False, plan_from_days=30, every_days=90
    ),
}


def cadences() -> dict[str, Cadence]:
    """Each touch model's cadence: the stored one, else the default."""
    found = dict(DEFAULT_CADENCES)
    for row in ReviewCadence.objects.all():
        found[row.segment] = Cadence(
            lead_days=row.lead_days,
            plan_required=row.plan_required,
            plan_from_days=row.plan_from_days,
            every_days=row.review_every_days,
        )
    return found


def renewing_lines(
    account_ids: Collection[int] | None = None, *, running_after: dt.date | None = None
) -> Iterator[Line]:
    """Every subscription line (of ``account_ids`` when given, at most a few thousand; running
    after ``running_after`` when given: no end, or an end after it), as the core reads it; the
    core keeps those whose term renews (a year or longer)."""
    lines = SubscriptionLine.objects.all()
    if account_ids is not None:
        lines = lines.filter(account_id__in=sorted(account_ids))
    if running_after is not None:
        lines = lines.filter(Q(end_date__isnull=True) | Q(end_date__gt=running_after))
    rows = lines.values_list(
        "pk",
        "account_id",
        "product_id",
        "start_date",
        "end_date",
        "mrr",
        "billing_period",
        "term_months",
        "renewal_date",
    )
    for pk, account_id, product_id, start, end, mrr, billing, term, renewal in plain_rows(rows):
        months = term_of(billing, term)
        yield Line(pk, account_id, product_id, start, end, int(mrr), months, renewal)


_LINE_COLUMNS = {**frames.LINES, "billing_period": pl.Utf8}


def renewing_line_frame(account_ids: Collection[int] | None = None) -> pl.DataFrame:
    """``renewing_lines`` as one frame of ``core.renewals.frames.LINES`` (the term as
    ``term_of`` gives it): one query, the dates parsed by Polars."""
    lines = SubscriptionLine.objects.order_by()
    if account_ids is not None:
        lines = lines.filter(account_id__in=sorted(account_ids))
    rows = lines.values_list(
        "pk", "account_id", "product_id", "start_date", "end_date", "mrr", "term_months",
        "renewal_date", "billing_period",
    )  # fmt: skip
    frame = plain_frame(rows, _LINE_COLUMNS)
    return frame.with_columns(
        frames.term_expr("billing_period", "term_months").alias("term_months")
    ).drop("billing_period")


# --- the renewal pipeline and one renewal's work ----------------------------------------

#: a renewal's plan status on the pipeline: its flag when it has one, else whether it has a
#: plan, needs none yet, or is closed
PLANNED, NOT_NEEDED, CLOSED = "planned", "not_needed", "closed"
PLAN_STATUSES = (PLAN_MISSING, REVIEW_OVERDUE, PLANNED, NOT_NEEDED, CLOSED)


@dataclass(frozen=True)
class PipelineFilters:
    """Renewals dated from the first day of ``first_month`` to the last day of
    ``last_month`` (both inclusive), of one touch model, team, owner CSM, stage or plan
    status when given. Renewals the lines no longer produce are left out."""

    first_month: dt.date
    last_month: dt.date
    segment: str = ""
    team_id: int | None = None
    owner_id: int | None = None
    stage: str = ""
    status: str = ""


@dataclass(frozen=True)
class PipelineRow:
    renewal: Renewal
    status: str
    flags: frozenset[str]
    next_review_on: dt.date | None
    last_review_on: dt.date | None

    @property
    def arr(self) -> int:
        return self.renewal.arr_due


def renewal_status(
    renewal: Renewal,
    *,
    today: dt.date,
    cadence: Cadence,
    has_plan: bool,
    next_review_on: dt.date | None,
    last_review_on: dt.date | None,
) -> tuple[str, frozenset[str]]:
    """The plan status and flags of one renewal on ``today`` (``core.renewals.cadence``)."""
    if not renewal.is_open:
        return CLOSED, frozenset()
    flags = plan_flags(
        today=today,
        renewal_date=renewal.date,
        is_open=True,
        cadence=cadence,
        has_plan=has_plan,
        next_review_on=next_review_on,
        last_review_on=last_review_on,
    )
    if REVIEW_OVERDUE in flags:
        return REVIEW_OVERDUE, flags
    if PLAN_MISSING in flags:
        return PLAN_MISSING, flags
    return (PLANNED if has_plan else NOT_NEEDED), flags


def pipeline_rows(filters: PipelineFilters, *, today: dt.date) -> list[PipelineRow]:
    """The renewals the filters pick, by date and account, each with its plan status: one
    query (the plan and its latest review joined in)."""
    last_review = (
        PlanReview.objects.filter(plan__renewal=OuterRef("pk"))
        .order_by("-reviewed_on")
        .values("reviewed_on")[:1]
    )
    renewals = (
        Renewal.objects.filter(
            date__gte=first_of_month(filters.first_month),
            date__lte=month_end(filters.last_month),
            no_longer_due=False,
        )
        .select_related("account__owner", "account__team")
        .annotate(
            plan_pk=F("plan__id"),
            plan_next_review=F("plan__next_review_on"),
            plan_last_review=Subquery(last_review),
        )
        .order_by("date", "account__name", "pk")
    )
    if filters.segment:
        renewals = renewals.filter(account__segment=filters.segment)
    if filters.team_id is not None:
        renewals = renewals.filter(account__team_id=filters.team_id)
    if filters.owner_id is not None:
        renewals = renewals.filter(account__owner_id=filters.owner_id)
    if filters.stage:
        renewals = renewals.filter(stage=filters.stage)
    by_segment = cadences()
    default = DEFAULT_CADENCES[Segment.HIGH]
    rows: list[PipelineRow] = []
    for renewal in renewals:
        next_review = renewal.plan_next_review
        last = renewal.plan_last_review
        status, flags = renewal_status(
            renewal,
            today=today,
            cadence=by_segment.get(renewal.account.segment, default),
            has_plan=renewal.plan_pk is not None,
            next_review_on=next_review,
            last_review_on=last,
        )
        if filters.status and status != filters.status:
            continue
        rows.append(PipelineRow(renewal, status, flags, next_review, last))
    return rows


@dataclass(frozen=True)
class Total:
    key: Any
    count: int
    arr: int


@dataclass(frozen=True)
class PipelineTotals:
    """The rows' amount at stake (ARR due) by month, stage, forecast call and plan status; the
    open renewals' ARR (still at stake) and the flagged ones'."""

    count: int
    arr: int
    open_arr: int
    flagged: int
    by_month: list[Total]
    by_stage: list[Total]
    by_call: list[Total]
    by_status: list[Total]
    #: over the rows whose date has come (their outcome read from the lines)
    rate: RenewalRate


def _totals(rows: list[PipelineRow], key: Any, order: list[Any]) -> list[Total]:
    counts: dict[Any, list[int]] = {k: [0, 0] for k in order}
    for row in rows:
        entry = counts.setdefault(key(row), [0, 0])
        entry[0] += 1
        entry[1] += row.arr
    return [Total(k, c, a) for k, (c, a) in counts.items()]


def pipeline_totals(rows: list[PipelineRow], filters: PipelineFilters) -> PipelineTotals:
    months = month_starts(first_of_month(filters.first_month), first_of_month(filters.last_month))
    return PipelineTotals(
        count=len(rows),
        arr=sum(row.arr for row in rows),
        open_arr=sum(row.arr for row in rows if row.renewal.is_open),
        flagged=sum(1 for row in rows if row.flags),
        by_month=_totals(rows, lambda r: first_of_month(r.renewal.date), list(months)),
        by_stage=_totals(rows, lambda r: r.renewal.stage, list(Stage.values)),
        by_call=_totals(rows, lambda r: r.renewal.forecast_call, [*ForecastCall.values, ""]),
        by_status=_totals(rows, lambda r: r.status, list(PLAN_STATUSES)),
        rate=renewal_rate(
            CoreRenewal(
                r.renewal.account_id,
                r.renewal.date,
                (),
                (),
                r.renewal.mrr_due,
                r.renewal.mrr_after,
                r.renewal.outcome or None,
            )
            for r in rows
        ),
    )


def refreshed_at() -> dt.datetime | None:
    """When the renewals were last derived from the lines (the daily job or a line change):
    the pages say "as of" this time."""
    last: dt.datetime | None = Renewal.objects.aggregate(last=Max("refreshed_at"))["last"]
    return last


def renewal_detail(renewal: Renewal, *, today: dt.date) -> dict[str, Any]:
    """What one renewal's page shows besides the renewal: its lines due, the plan with its
    steps and reviews, its status and flags, the cadence of its touch model."""
    plan = ClosingPlan.objects.filter(renewal=renewal).first()
    steps = list(plan.steps.select_related("owner")) if plan else []
    reviews = list(plan.reviews.select_related("reviewed_by")) if plan else []
    cadence = cadences().get(renewal.account.segment, DEFAULT_CADENCES[Segment.HIGH])
    status, flags = renewal_status(
        renewal,
        today=today,
        cadence=cadence,
        has_plan=plan is not None,
        next_review_on=plan.next_review_on if plan else None,
        last_review_on=reviews[0].reviewed_on if reviews else None,
    )
    lines = (
        SubscriptionLine.objects.filter(pk__in=list(renewal.line_ids))
        .select_related("product")
        .order_by("product__code", "pk")
    )
    return {
        "plan": plan,
        "steps": steps,
        "reviews": reviews,
        "status": status,
        "flags": flags,
        "cadence": cadence,
        "window_opens": window_opens(renewal.date, cadence),
        "lines": list(lines),
    }


def account_next_renewal(account_id: int, *, today: dt.date) -> Renewal | None:
    """The account's first open renewal on or after ``today``, with its plan (the account
    page's panel): one query."""
    return (
        Renewal.objects.select_related("plan")
        .filter(
            account_id=account_id,
            date__gte=today,
            no_longer_due=False,
            stage__in=OPEN_STAGES,
        )
        .order_by("date")
        .first()
    )


#: the forecast calls that put a renewal on the monthly report's risk list
AT_RISK_CALLS = (ForecastCall.AT_RISK, ForecastCall.LOST)


def renewals_at_risk(*, first: dt.date, last: dt.date) -> list[Renewal]:
    """Open renewals dated from ``first`` to ``last`` (both inclusive) whose forecast call is
    "at risk" or "lost", the lines still due: the monthly report's renewal risks, largest MRR
    due first. The call is the one people set now (a call has no history)."""
    return list(
        Renewal.objects.filter(
            date__gte=first,
            date__lte=last,
            stage__in=OPEN_STAGES,
            forecast_call__in=AT_RISK_CALLS,
            no_longer_due=False,
        )
        .select_related("account__owner")
        .order_by("-mrr_due", "date", "account_id")
    )
