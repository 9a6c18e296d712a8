"""Reading churn reasons for the pages and the API: the missing and recorded lists (scoped to
a member's accounts by ``org.access.churn_reason_scope``), one account's reasons, and the
report's rows for ``core.churn_reasons``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from django.db.models import Q, QuerySet
from django.http import Http404

from kizuna.apps.churnreasons.models import ChurnLoss, ChurnReason, ChurnReasonCategory
from kizuna.apps.org.access import WorkScope
from kizuna.apps.org.models import User
from kizuna.core import churn_reasons as core

type Status = Literal["missing", "recorded"]


@dataclass(frozen=True)
class ReasonFilters:
    """The list's and the API's filters; None: not filtered. ``member`` or ``team_id``: the
    accounts the member owns, or those of the team (the account's or its owner's)."""

    status: Status | None = None
    member: User | None = None
    team_id: int | None = None
    account_id: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None


def filters_for_scope(scope: WorkScope, **other: object) -> ReasonFilters:
    return ReasonFilters(member=scope.member, team_id=scope.team_id, **other)  # type: ignore[arg-type]


def reasons_filtered(filters: ReasonFilters) -> QuerySet[ChurnReason]:
    """The reasons (and missing ones) the filters keep, latest churn first."""
    qs = ChurnReason.objects.select_related(
        "account", "account__owner", "line", "line__product", "category", "recorded_by"
    ).order_by("-churned_on", "-id")
    if filters.status == "missing":
        qs = qs.filter(category__isnull=True)
    elif filters.status == "recorded":
        qs = qs.filter(category__isnull=False)
    if filters.member is not None:
        qs = qs.filter(account__owner=filters.member)
    if filters.team_id is not None:
        qs = qs.filter(
            Q(account__team_id=filters.team_id) | Q(account__owner__team_id=filters.team_id)
        )
    if filters.account_id is not None:
        qs = qs.filter(account_id=filters.account_id)
    if filters.since is not None:
        qs = qs.filter(churned_on__gte=filters.since)
    if filters.until is not None:
        qs = qs.filter(churned_on__lte=filters.until)
    return qs


def access_reason(reason_id: int) -> ChurnReason:
    """One reason with what its form shows, or 404 (every member reads every account)."""
    try:
        return reasons_filtered(ReasonFilters()).get(pk=reason_id)
    except (ChurnReason.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def account_churn_reasons(account_id: int) -> list[ChurnReason]:
    """One account's churn events, missing ones first, then latest first (the account page:
    one query, whatever their number)."""
    rows = list(
        ChurnReason.objects.filter(account_id=account_id)
        .select_related("line__product", "category")
        .order_by("-churned_on", "-id")
    )
    return sorted(rows, key=lambda r: not r.is_missing)


def categories_offered() -> QuerySet[ChurnReasonCategory]:
    return ChurnReasonCategory.objects.filter(active=True).order_by("order", "key")


def category_keys_in_order() -> list[str]:
    return list(ChurnReasonCategory.objects.order_by("order", "key").values_list("key", flat=True))


def report_rows(
    *, since: dt.date | None = None, until: dt.date | None = None
) -> list[core.ReasonRow]:
    """Every recorded reason (churn day in [since, until], both inclusive) as the report reads
    it: two queries, whatever their number."""
    qs = ChurnReason.objects.filter(category__isnull=False)
    if since is not None:
        qs = qs.filter(churned_on__gte=since)
    if until is not None:
        qs = qs.filter(churned_on__lte=until)
    facts = list(qs.values_list("pk", "churned_on", "segment", "category__key"))
    losses: dict[int, list[tuple[str, int]]] = {}
    for reason_id, code, mrr in ChurnLoss.objects.filter(reason__in=qs).values_list(
        "reason_id", "product__code", "mrr"
    ):
        losses.setdefault(reason_id, []).append((code, mrr))
    return [
        core.ReasonRow(day, segment, key, tuple(sorted(losses.get(pk, []))))
        for pk, day, segment, key in facts
    ]
