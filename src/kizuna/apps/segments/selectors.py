"""Reads of the touch model."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django_stubs_ext import StrOrPromise

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


@dataclass(frozen=True, slots=True)
class SegmentFigures:
    """A touch-model segment's active accounts (MRR > 0) and their MRR."""

    segment: str
    label: StrOrPromise
    accounts: int
    mrr: int


def segment_overview() -> list[SegmentFigures]:
    """Active accounts (MRR > 0) and their MRR per segment, in the touch-model order."""
    rows = (
        Account.objects.filter(mrr__gt=0)
        .values("segment")
        .annotate(accounts=Count("id"), mrr=Sum("mrr"))
    )
    labels = dict(Segment.choices)
    result = [
        SegmentFigures(
            segment=row["segment"],
            label=labels.get(row["segment"], row["segment"]),
            accounts=row["accounts"],
            mrr=row["mrr"],
        )
        for row in rows
    ]
    return sorted(result, key=lambda row: SEGMENT_ORDER.get(row.segment, 9))


@dataclass(frozen=True, slots=True)
class ReviewMoves:
    """The accounts a review moves from one segment to another (labels in the reader's
    language), ``up`` to more attention or down, and their MRR."""

    from_label: StrOrPromise
    to_label: StrOrPromise
    up: bool
    count: int
    mrr: int


def review_pairs(review: SegmentReview) -> list[ReviewMoves]:
    """The review's moves grouped by (from → to), up-moves first, with count and MRR."""
    labels = dict(Segment.choices)
    rows = []
    for pair, figures in review.figures.pairs.items():
        before, after = pair.split(">")
        rows.append(
            ReviewMoves(
                from_label=labels.get(before, before),
                to_label=labels.get(after, after),
                up=SEGMENT_ORDER[after] < SEGMENT_ORDER[before],
                count=figures.count,
                mrr=figures.mrr,
            )
        )
    return sorted(rows, key=lambda row: (not row.up, -row.count))


@dataclass(frozen=True, slots=True)
class MovedAccount:
    """An account a review moves, with its segment before and after."""

    account: Account
    before: str
    after: str


def review_moved_rows(review: SegmentReview, accounts: Iterable[Account]) -> list[MovedAccount]:
    """``accounts`` (some of the review's moved accounts) with their move."""
    moved = []
    for account in accounts:
        before, after = review.moves[str(account.pk)]
        moved.append(MovedAccount(account=account, before=before, after=after))
    return moved


def review_moved_accounts(review: SegmentReview) -> QuerySet[Account]:
    return (
        Account.objects.filter(pk__in=[int(pk) for pk in review.moves])
        .select_related("owner")
        .order_by("-mrr", "id")
    )


@dataclass(frozen=True, slots=True)
class LoadCell:
    """An owner's accounts of one segment after a review; ``over`` the segment's norm."""

    segment: str
    count: int
    over: bool


@dataclass(frozen=True, slots=True)
class LoadAfterRow:
    """An owner's accounts after a review: high and low touch against their norms, and all."""

    owner: User
    cells: tuple[LoadCell, ...]
    total: int


def review_load_after(review: SegmentReview) -> list[LoadAfterRow]:
    """Accounts per CSM per segment after the review, against the norms of each segment."""
    policies = {p.segment: p for p in CoveragePolicy.objects.all()}
    load_after = review.figures.load_after
    users = User.objects.in_bulk([int(pk) for pk in load_after])
    rows = []
    for owner_id, counts in load_after.items():
        user = users.get(int(owner_id))
        if user is None:
            continue
        cells = []
        for segment in ("high", "low"):
            policy = policies.get(segment)
            count = counts.get(segment, 0)
            limit = policy.max_accounts_per_csm if policy else None
            cells.append(LoadCell(segment=segment, count=count, over=bool(limit and count > limit)))
        rows.append(LoadAfterRow(owner=user, cells=tuple(cells), total=sum(counts.values())))
    return sorted(rows, key=lambda row: (-row.total, row.owner.username))


def exceptions_active(*, today: dt.date) -> QuerySet[SegmentException]:
    return (
        SegmentException.objects.filter(ended_at__isnull=True, expires_on__gte=today)
        .select_related("account", "created_by")
        .order_by("expires_on", "id")
    )
