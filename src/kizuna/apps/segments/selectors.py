"""Reads of the touch model."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from kizuna.apps.customers.models import Account, Segment
from kizuna.apps.org.models import User
from kizuna.apps.segments.models import (
    AccountSegmentPeriod,
    CoveragePolicy,
    ReviewStatus,
    RuleKind,
    SegmentException,
    SegmentReview,
    SegmentRule,
)
from kizuna.core.calendar import month_start_after
from kizuna.core.segmentation import SEGMENT_ORDER as ORDER

#: a segment's place in the touch-model order (most human attention first)
SEGMENT_ORDER = {segment: index for index, segment in enumerate(ORDER)}


def segment_rule_in_force(*, on: dt.date) -> SegmentRule:
    """The rule in force on ``on``: the latest effective one; while none is saved, the default
    percentile rule as an unsaved row effective from ``on`` (nothing is written: the first
    review saves its rule)."""
    rule = SegmentRule.objects.filter(effective_from__lte=on).first()
    return rule if rule is not None else SegmentRule(kind=RuleKind.PERCENTILE, effective_from=on)


def next_review_on(rule: SegmentRule) -> dt.date:
    """The first of the month of the last applied review (or of the rule's start, before any),
    plus the rule's review interval."""
    last = SegmentReview.objects.filter(status=ReviewStatus.APPLIED).first()
    start = last.as_of if last else rule.effective_from
    return month_start_after(start, rule.review_interval_months)


def reviews_latest(limit: int = 10) -> QuerySet[SegmentReview]:
    """The latest reviews, newest first, with their rule and who applied them."""
    return SegmentReview.objects.select_related("rule", "applied_by")[:limit]


def coverage_policy_rows() -> list[CoveragePolicy]:
    """The saved coverage policies (with their load norms), in the touch-model order."""
    rows = CoveragePolicy.objects.all()
    return sorted(rows, key=lambda p: (SEGMENT_ORDER.get(p.segment, len(SEGMENT_ORDER)), p.segment))


def account_segment_on(*, account: Account, day: dt.date) -> str | None:
    """The account's segment on ``day`` from its history (None before its first period)."""
    period = (
        AccountSegmentPeriod.objects.filter(account=account, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .order_by("-valid_from", "-id")
        .first()
    )
    return period.segment if period else None


def segment_overview() -> list[dict[str, Any]]:
    """Active accounts (MRR > 0) and their MRR per segment, in the touch-model order."""
    rows = (
        Account.objects.filter(mrr__gt=0)
        .values("segment")
        .annotate(accounts=Count("id"), mrr=Sum("mrr"))
    )
    labels = dict(Segment.choices)
    result = [{**row, "label": labels.get(row["segment"], row["segment"])} for row in rows]
    return sorted(result, key=lambda row: SEGMENT_ORDER.get(row["segment"], 9))


def review_pairs(review: SegmentReview) -> list[dict[str, Any]]:
    """The review's moves grouped by (from → to), up-moves first, with count and MRR."""
    labels = dict(Segment.choices)
    rows = []
    for pair, figures in review.summary.get("pairs", {}).items():
        before, after = pair.split(">")
        direction = "up" if SEGMENT_ORDER[after] < SEGMENT_ORDER[before] else "down"
        rows.append(
            {
                "from": labels.get(before, before),
                "to": labels.get(after, after),
                "direction": direction,
                **figures,
            }
        )
    return sorted(rows, key=lambda row: (row["direction"] != "up", -row["count"]))


def review_moved_accounts(review: SegmentReview) -> QuerySet[Account]:
    return (
        Account.objects.filter(pk__in=[int(pk) for pk in review.moves])
        .select_related("owner")
        .order_by("-mrr", "id")
    )


def review_load_after(review: SegmentReview) -> list[dict[str, Any]]:
    """Accounts per CSM per segment after the review, against the norms of each segment."""
    policies = {p.segment: p for p in CoveragePolicy.objects.all()}
    users = User.objects.in_bulk([int(pk) for pk in review.summary.get("load_after", {})])
    rows = []
    for owner_id, counts in review.summary.get("load_after", {}).items():
        user = users.get(int(owner_id))
        if user is None:
            continue
        cells = []
        for segment in ("high", "low"):
            policy = policies.get(segment)
            count = counts.get(segment, 0)
            limit = policy.max_accounts_per_csm if policy else None
            cells.append(
                {"segment": segment, "count": count, "over": bool(limit and count > limit)}
            )
        rows.append({"user": user, "cells": cells, "total": sum(counts.values())})
    return sorted(rows, key=lambda row: (-row["total"], row["user"].username))


def exceptions_active(*, today: dt.date) -> QuerySet[SegmentException]:
    return (
        SegmentException.objects.filter(ended_at__isnull=True, expires_on__gte=today)
        .select_related("account", "created_by")
        .order_by("expires_on", "id")
    )
