"""Writes of the touch model: rules, reviews (preview, apply), exceptions, segment history.

Segment history is a chain of ``AccountSegmentPeriod`` rows per account; ``Account.segment``
always equals the open period's segment. A review applies the rule to the accounts active on
its date; an active exception overrides the rule until it expires.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.apps.audit.models import AuditAction
from kizuna.apps.audit.services import audit_record, audited_save, model_snapshot
from kizuna.apps.customers.models import Account
from kizuna.apps.notify.events import ACCOUNT_SEGMENT_CHANGED, account_ref
from kizuna.apps.notify.services import emit_event
from kizuna.apps.org.access import can_change_segment, can_manage_tenant
from kizuna.apps.org.models import User
from kizuna.apps.segments.models import (
    AccountSegmentPeriod,
    CoveragePolicy,
    MoveFigures,
    ReviewStatus,
    ReviewSummary,
    RuleKind,
    SegmentException,
    SegmentReview,
    SegmentRule,
    SegmentSource,
    default_policy_fields,
)
from kizuna.apps.segments.selectors import segment_rule_in_force
from kizuna.core.segmentation import segment_by_amount, segment_by_percentile


@transaction.atomic
def coverage_policies_ensure_defaults() -> int:
    """Create the default policy (``models.default_policy_fields``) of every segment that has
    none; returns the rows created. The data migration seeds them in every database; the demo
    loader calls this for a database emptied since (as tests do). Reads never need it:
    ``frames.coverage_policies`` falls back to the core's defaults."""
    created = 0
    for segment, fields in default_policy_fields().items():
        _policy, made = CoveragePolicy.objects.get_or_create(segment=segment, defaults=fields)
        created += made
    return created


def segment_rule_current(*, on: dt.date) -> SegmentRule:
    """The rule in force on ``on`` (``selectors.segment_rule_in_force``), the default
    percentile rule saved effective from ``on`` when none is saved yet (the demo loader)."""
    rule = segment_rule_in_force(on=on)
    if rule.pk is None:
        rule.save()
    return rule


def _scores(accounts: Iterable[Account]) -> dict[str, int]:
    return {str(a.pk): int(a.mrr) * 12 + int(a.potential_acv) for a in accounts}


def rule_segments(rule: SegmentRule, scores: dict[str, int]) -> dict[str, str]:
    """Apply ``rule`` (pure core) to scores = ACV + potential ACV."""
    community = float(rule.community_share) if rule.community_share is not None else None
    if rule.kind == RuleKind.AMOUNT:
        return segment_by_amount(
            scores,
            high_min=int(rule.high_min or 0),
            low_min=int(rule.low_min or 0),
            community_share=community,
        )
    return segment_by_percentile(
        scores,
        high_share=float(rule.high_share),
        low_share=float(rule.low_share),
        community_share=community,
    )


def _active_exceptions(on: dt.date) -> dict[int, str]:
    return dict(
        SegmentException.objects.filter(ended_at__isnull=True, expires_on__gte=on).values_list(
            "account_id", "segment"
        )
    )


@transaction.atomic
def segment_review_preview(*, actor: User, rule: SegmentRule, as_of: dt.date) -> SegmentReview:
    """Compute who would move if ``rule`` were applied on ``as_of`` and keep it as a review
    to apply later (the API's preview); no account changes yet."""
    if not can_manage_tenant(actor):
        raise PermissionDenied
    review = segment_review_compute(rule=rule, as_of=as_of)
    review.created_by = actor
    review.save()
    return review


@transaction.atomic
def segment_rule_apply(*, actor: User, rule: SegmentRule, as_of: dt.date) -> SegmentReview:
    """Save a new rule and apply its review in one step (the page previews a rule without
    saving anything, then applies it once confirmed). Returns the applied review."""
    if not can_manage_tenant(actor):
        raise PermissionDenied
    rule.created_by = actor
    rule.save()
    review = segment_review_preview(actor=actor, rule=rule, as_of=as_of)
    segment_review_apply(actor=actor, review=review)
    review.refresh_from_db()
    return review


def segment_review_compute(*, rule: SegmentRule, as_of: dt.date) -> SegmentReview:
    """Who would move if ``rule`` (saved or not) were applied on ``as_of``, as an unsaved
    review: a preview writes nothing."""
    accounts = list(
        Account.objects.filter(mrr__gt=0).only("id", "mrr", "potential_acv", "segment", "owner_id")
    )
    proposed = rule_segments(rule, _scores(accounts))
    exceptions = _active_exceptions(as_of)
    moves: dict[str, list[str]] = {}
    pair_count: Counter[str] = Counter()
    pair_mrr: Counter[str] = Counter()
    load: dict[str, Counter[str]] = defaultdict(Counter)
    for account in accounts:
        new = exceptions.get(account.pk, proposed[str(account.pk)])
        if account.owner_id:
            load[str(account.owner_id)][new] += 1
        if new != account.segment:
            moves[str(account.pk)] = [account.segment, new]
            pair = f"{account.segment}>{new}"
            pair_count[pair] += 1
            pair_mrr[pair] += int(account.mrr)
    summary = ReviewSummary(
        accounts=len(accounts),
        pairs={
            pair: MoveFigures(count=pair_count[pair], mrr=pair_mrr[pair])
            for pair in sorted(pair_count)
        },
        segments_after=dict(Counter(exceptions.get(a.pk, proposed[str(a.pk)]) for a in accounts)),
        load_after={owner: dict(counts) for owner, counts in load.items()},
        exceptions_kept=len(exceptions),
    )
    return SegmentReview(rule=rule, as_of=as_of, moves=moves, summary=summary.as_json())


def _move(
    account: Account, segment: str, *, on: dt.date, source: str, review: SegmentReview | None = None
) -> None:
    """Move the account to ``segment`` from ``on`` (``account.segment`` is still the one it
    leaves); a real change is told to the webhook endpoints (``account.segment_changed``,
    sent once the caller's transaction commits)."""
    previous = account.segment or ""
    AccountSegmentPeriod.objects.filter(account=account, valid_to__isnull=True).update(valid_to=on)
    AccountSegmentPeriod.objects.filter(account=account, valid_from=on, valid_to=on).delete()
    AccountSegmentPeriod.objects.create(
        account=account, segment=segment, valid_from=on, source=source, review=review
    )
    Account.objects.filter(pk=account.pk).update(segment=segment)
    if previous != segment:
        data = {"account": account_ref(account), "from": previous, "to": segment,
                "on": on.isoformat(), "source": source}  # fmt: skip
        emit_event(event_type=ACCOUNT_SEGMENT_CHANGED, data=data)


@transaction.atomic
def segment_review_apply(*, actor: User, review: SegmentReview) -> int:
    """Apply a previewed review: every listed account moves on the review date. Returns moves."""
    if not can_manage_tenant(actor):
        raise PermissionDenied
    review = SegmentReview.objects.select_for_update().get(pk=review.pk)
    if review.status != ReviewStatus.PREVIEW:
        raise ValidationError(_("This review was already applied or discarded."))
    accounts = Account.objects.in_bulk([int(pk) for pk in review.moves])
    for pk, (_from, to) in review.moves.items():
        account = accounts.get(int(pk))
        if account is not None:
            _move(account, to, on=review.as_of, source=SegmentSource.REVIEW, review=review)
    review.status = ReviewStatus.APPLIED
    review.applied_by = actor
    review.applied_at = timezone.now()
    review.save(update_fields=["status", "applied_by", "applied_at"])
    SegmentReview.objects.filter(status=ReviewStatus.PREVIEW).exclude(pk=review.pk).update(
        status=ReviewStatus.DISCARDED
    )
    return len(review.moves)


@transaction.atomic
def segment_exception_create(
    *, actor: User, account: Account, segment: str, reason: str, expires_on: dt.date, today: dt.date
) -> SegmentException:
    """Raise or lower ``account`` to ``segment`` until ``expires_on``, with a reason (audited)."""
    if not can_change_segment(actor, account):
        raise PermissionDenied
    errors = {}
    if not reason.strip():
        errors["reason"] = _("Give a reason for the exception.")
    if expires_on <= today:
        errors["expires_on"] = _("The expiry date must be in the future.")
    if segment == account.segment:
        errors["segment"] = _("The account is already in this segment.")
    if errors:
        raise ValidationError(errors)
    SegmentException.objects.filter(account=account, ended_at__isnull=True).update(
        ended_at=timezone.now()
    )
    exception = SegmentException.objects.create(
        account=account,
        segment=segment,
        reason=reason.strip(),
        expires_on=expires_on,
        created_by=actor,
        previous_segment=account.segment,
    )
    _move(account, segment, on=today, source=SegmentSource.EXCEPTION)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=exception,
        account_id=account.pk,
        changes={
            "segment": [account.segment, segment],
            "reason": [None, reason.strip()],
            "expires_on": [None, expires_on.isoformat()],
        },
    )
    return exception


def segment_exceptions_expire(*, today: dt.date) -> int:
    """End exceptions whose expiry date has passed; the account returns to its rule segment."""
    expired = SegmentException.objects.filter(
        ended_at__isnull=True, expires_on__lt=today
    ).select_related("account")
    count = 0
    for exception in expired:
        with transaction.atomic():
            exception.ended_at = timezone.now()
            exception.save(update_fields=["ended_at"])
            _move(
                exception.account,
                exception.previous_segment,
                on=today,
                source=SegmentSource.EXCEPTION_ENDED,
            )
            count += 1
    return count


def segment_history_initialise(*, on: dt.date) -> int:
    """Open a first period for every account that has none (their current segment, from ``on``)."""
    missing = Account.objects.exclude(segment_periods__isnull=False).values_list("id", "segment")
    periods = [
        AccountSegmentPeriod(
            account_id=pk, segment=segment, valid_from=on, source=SegmentSource.INITIAL
        )
        for pk, segment in missing
    ]
    AccountSegmentPeriod.objects.bulk_create(periods, batch_size=2000)
    return len(periods)


POLICY_FIELDS = [
    "period_months",
    "target",
    "qualifying_kinds",
    "min_accounts_per_csm",
    "max_accounts_per_csm",
]


@transaction.atomic
def coverage_policy_update(
    *, actor: User, policy: CoveragePolicy, data: dict[str, Any]
) -> CoveragePolicy:
    """CS ops changes a segment's coverage policy; the change is audited."""
    if not can_manage_tenant(actor):
        raise PermissionDenied
    before = model_snapshot(policy, POLICY_FIELDS)
    for name in POLICY_FIELDS:
        if name in data:
            setattr(policy, name, data[name])
    audited_save(policy, actor=actor, fields=POLICY_FIELDS, before=before, via="web")
    return policy
