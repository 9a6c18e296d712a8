"""Reads of the detractor follow-ups: the list (scoped as ``org.access`` says, filtered),
its two figures (``core.voc.followup``), and one answer's page."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from kizuna.apps.org.access import WorkScope
from kizuna.apps.surveys.followups import company_day, is_promoter
from kizuna.apps.surveys.models import (
    DetractorFollowUp,
    FollowUpStatus,
    ReferralSuggestion,
    SurveyAnswer,
    SurveyAnswerRevision,
)
from kizuna.core.voc.followup import FollowUpFacts, FollowUpMetrics, followup_metrics

#: the list's status filter: one status, or "open" (new or contacted)
STATUS_FILTERS = ("open", *FollowUpStatus.values)


@dataclass(frozen=True)
class FollowUpFilters:
    status: str = ""  # "" any, "open", or one FollowUpStatus
    overdue: bool = False
    withdrawn: bool = False  # include the withdrawn ones (a replaced answer no longer 0–6)


def in_scope(scope: WorkScope) -> Q:
    """A member's follow-ups: their own or their accounts'; a team's: its accounts' or its
    members'; everyone's: all."""
    if scope.member is not None:
        return Q(owner=scope.member) | Q(account__owner=scope.member)
    if scope.team_id is not None:
        return Q(account__team_id=scope.team_id) | Q(owner__team_id=scope.team_id)
    return Q()


def followups_scoped(scope: WorkScope, *, withdrawn: bool = False) -> QuerySet[DetractorFollowUp]:
    found = DetractorFollowUp.objects.filter(in_scope(scope))
    if not withdrawn:
        found = found.filter(withdrawn_at__isnull=True)
    return found.select_related("account", "owner", "task", "answer", "answer__contact")


def followups_filtered(
    scope: WorkScope, filters: FollowUpFilters, *, today: dt.date
) -> QuerySet[DetractorFollowUp]:
    """The list: newest answer first. ``overdue``: not contacted, not resolved, SLA due day
    before ``today``."""
    found = followups_scoped(scope, withdrawn=filters.withdrawn)
    if filters.status == "open":
        found = found.exclude(status=FollowUpStatus.RESOLVED)
    elif filters.status in FollowUpStatus.values:
        found = found.filter(status=filters.status)
    if filters.overdue:
        found = found.filter(status=FollowUpStatus.NEW, sla_due_on__lt=today)
    return found.order_by("-answered_at", "-pk")


def followups_figures(
    found: QuerySet[DetractorFollowUp], *, as_of: dt.date, zone: zoneinfo.ZoneInfo
) -> FollowUpMetrics:
    """The figures over ``found`` (docs/metrics.md, "Voice of the customer"): one query."""
    rows = found.values_list("answered_at", "sla_due_on", "first_contact_at", "status")
    return followup_metrics(
        (
            FollowUpFacts(
                answered_at=answered_at,
                sla_due_on=due,
                first_contact_at=contact,
                first_contact_on=company_day(contact, zone) if contact else None,
                resolved=status == FollowUpStatus.RESOLVED,
            )
            for answered_at, due, contact, status in rows
        ),
        as_of=as_of,
    )


@dataclass(frozen=True)
class AnswerPage:
    answer: SurveyAnswer
    followup: DetractorFollowUp | None
    revisions: list[SurveyAnswerRevision]
    referral: ReferralSuggestion | None
    promoter: bool


def answer_page(answer_id: int) -> AnswerPage | None:
    answer = (
        SurveyAnswer.objects.select_related("program", "account", "contact", "product")
        .filter(pk=answer_id)
        .first()
    )
    if answer is None:
        return None
    followup = (
        DetractorFollowUp.objects.select_related(
            "owner", "task", "task__owner", "resolved_by", "touchpoint", "account__owner"
        )
        .filter(answer=answer)
        .first()
    )
    return AnswerPage(
        answer=answer,
        followup=followup,
        revisions=list(answer.revisions.order_by("answered_at", "pk")),
        referral=ReferralSuggestion.objects.select_related("suggested_by")
        .filter(answer=answer)
        .first(),
        promoter=is_promoter(answer.kind, answer.score),
    )
