"""The touch model as data: segmentation rules, reviews, each account's segment history,
manual exceptions, coverage policies and load norms per segment.

Rules and reviews are versioned rows: a rule is never edited once a review applied it; a new
rule is a new row. ``Account.segment`` is the account's segment today, kept equal to its open
``AccountSegmentPeriod`` by the services.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kizuna.apps.customers.models import Segment
from kizuna.core.assignment import DEFAULT_NORMS
from kizuna.core.coverage import DEFAULT_POLICIES
from kizuna.core.touchpoints import HUMAN_KINDS, in_kind_order


class RuleKind(models.TextChoices):
    PERCENTILE = "percentile", _("Percentile of ACV + potential ACV")
    AMOUNT = "amount", _("Fixed amounts of ACV + potential ACV")


class SegmentRule(models.Model):
    kind = models.CharField(_("rule"), max_length=16, choices=RuleKind.choices)
    high_share = models.DecimalField(
        _("high-touch share"), max_digits=5, decimal_places=4, default=0.10,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )  # fmt: skip
    low_share = models.DecimalField(
        _("low-touch share"), max_digits=5, decimal_places=4, default=0.30,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )  # fmt: skip
    high_min = models.BigIntegerField(_("high touch from"), null=True, blank=True)
    low_min = models.BigIntegerField(_("low touch from"), null=True, blank=True)
    community_share = models.DecimalField(
        _("community-touch share of tech touch"), max_digits=5, decimal_places=4,
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_(
            "Optional: the lowest-scoring share of tech-touch accounts served by the community."
        ),
    )  # fmt: skip
    effective_from = models.DateField(_("effective from"))
    review_interval_months = models.PositiveSmallIntegerField(
        _("review every (months)"), default=6, validators=[MinValueValidator(1)]
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from", "-id"]
        verbose_name = _("segmentation rule")
        verbose_name_plural = _("segmentation rules")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.effective_from:%Y-%m-%d})"

    def clean(self) -> None:
        if self.kind == RuleKind.PERCENTILE:
            if (self.high_share or 0) + (self.low_share or 0) > 1:
                raise ValidationError(_("The two shares must add up to at most 100%."))
        elif self.high_min is None or self.low_min is None:
            raise ValidationError(_("Give both amounts for a fixed-amount rule."))
        elif self.high_min < self.low_min or self.low_min < 0:
            raise ValidationError(
                {"high_min": _("The high-touch amount must be at least the low-touch amount.")}
            )


class ReviewStatus(models.TextChoices):
    PREVIEW = "preview", _("Preview")
    APPLIED = "applied", _("Applied")
    DISCARDED = "discarded", _("Discarded")


@dataclasses.dataclass(frozen=True, slots=True)
class MoveFigures:
    """The accounts that move from one segment to another in a review, and their MRR."""

    count: int
    mrr: int


@dataclasses.dataclass(frozen=True, slots=True)
class ReviewSummary:
    """What ``SegmentReview.summary`` stores, typed: the active accounts reviewed, the moves
    per ``"before>after"`` pair of segments, the accounts per segment after the review, the
    accounts per segment of each owner after it (by the owner's id as text, as JSON keys are),
    and the exceptions that keep their segment."""

    accounts: int = 0
    pairs: Mapping[str, MoveFigures] = dataclasses.field(default_factory=dict)
    segments_after: Mapping[str, int] = dataclasses.field(default_factory=dict)
    load_after: Mapping[str, Mapping[str, int]] = dataclasses.field(default_factory=dict)
    exceptions_kept: int = 0

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReviewSummary:
        return cls(
            accounts=data.get("accounts", 0),
            pairs={pair: MoveFigures(**f) for pair, f in data.get("pairs", {}).items()},
            segments_after=data.get("segments_after", {}),
            load_after=data.get("load_after", {}),
            exceptions_kept=data.get("exceptions_kept", 0),
        )


class SegmentReview(models.Model):
    """A computed re-segmentation: who would move. Applying it is one recorded action."""

    rule = models.ForeignKey(SegmentRule, on_delete=models.PROTECT, related_name="reviews")
    as_of = models.DateField(_("as of"))
    status = models.CharField(
        _("status"), max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PREVIEW
    )
    #: {account_id: [from, to]} for every active account whose segment would change
    moves = models.JSONField(default=dict)
    #: counts and MRR per (from → to), and the resulting load per CSM: ``ReviewSummary``
    summary = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("segment review")
        verbose_name_plural = _("segment reviews")

    def __str__(self) -> str:
        return f"{self.as_of:%Y-%m-%d} {self.get_status_display()}"

    @property
    def figures(self) -> ReviewSummary:
        """The stored summary, typed."""
        return ReviewSummary.from_json(self.summary)

    @property
    def move_count(self) -> int:
        """How many accounts move."""
        return len(self.moves)


class SegmentSource(models.TextChoices):
    INITIAL = "initial", _("Initial")
    REVIEW = "review", _("Review")
    EXCEPTION = "exception", _("Exception")
    EXCEPTION_ENDED = "exception_ended", _("Exception ended")


class AccountSegmentPeriod(models.Model):
    """The account was in ``segment`` on days valid_from ≤ d < valid_to (open while current)."""

    account = models.ForeignKey(
        "customers.Account", on_delete=models.CASCADE, related_name="segment_periods"
    )
    segment = models.CharField(_("touch model"), max_length=16, choices=Segment.choices)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until (exclusive)"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=SegmentSource.choices)
    review = models.ForeignKey(
        SegmentReview, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["account", "-valid_from", "-id"]
        verbose_name = _("segment period")
        verbose_name_plural = _("segment history")
        indexes = [models.Index(fields=["account", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.segment} {self.valid_from}–{self.valid_to or ''}"


class SegmentException(models.Model):
    """A manual raise or lower of an account's segment: needs a reason, expires."""

    account = models.ForeignKey(
        "customers.Account", on_delete=models.CASCADE, related_name="segment_exceptions"
    )
    segment = models.CharField(_("touch model"), max_length=16, choices=Segment.choices)
    reason = models.CharField(_("reason"), max_length=500)
    previous_segment = models.CharField(
        _("segment before"), max_length=16, choices=Segment.choices, default=Segment.TECH
    )
    expires_on = models.DateField(_("expires on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        ordering = ["expires_on", "id"]
        verbose_name = _("segment exception")
        verbose_name_plural = _("segment exceptions")
        indexes = [models.Index(fields=["account", "expires_on"])]

    def __str__(self) -> str:
        return f"{self.account} → {self.segment} (≤ {self.expires_on})"

    def clean(self) -> None:
        if not (self.reason or "").strip():
            raise ValidationError({"reason": _("Give a reason for the exception.")})


def default_qualifying_kinds() -> list[str]:
    return in_kind_order(HUMAN_KINDS)


def default_policy_fields() -> dict[str, dict[str, Any]]:
    """Per segment, the fields of its default ``CoveragePolicy`` row: period, target and kinds
    from ``kizuna.core.coverage.DEFAULT_POLICIES``, the load norm from
    ``kizuna.core.assignment.DEFAULT_NORMS`` (none for the segments served one-to-many). The
    data migration seeds these, and ``services.coverage_policies_ensure_defaults`` puts back
    a missing one."""
    norms = {norm.segment: norm for norm in DEFAULT_NORMS}
    fields = {}
    for policy in DEFAULT_POLICIES:
        norm = norms.get(policy.segment)
        fields[policy.segment] = {
            "period_months": policy.period_months,
            "target": Decimal(str(policy.target)),
            "qualifying_kinds": in_kind_order(policy.qualifying_kinds),
            "min_accounts_per_csm": norm.min_accounts if norm else None,
            "max_accounts_per_csm": norm.max_accounts if norm else None,
        }
    return fields


class CoveragePolicy(models.Model):
    """How often an account of a segment must be touched, the target, and what counts."""

    segment = models.CharField(
        _("touch model"), max_length=16, choices=Segment.choices, unique=True
    )
    period_months = models.PositiveSmallIntegerField(
        _("period (months)"), validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    target = models.DecimalField(
        _("target"), max_digits=5, decimal_places=4,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )  # fmt: skip
    qualifying_kinds = models.JSONField(
        _("touchpoint kinds that count"), default=default_qualifying_kinds
    )
    min_accounts_per_csm = models.PositiveIntegerField(
        _("accounts per CSM (min)"), null=True, blank=True
    )
    max_accounts_per_csm = models.PositiveIntegerField(
        _("accounts per CSM (max)"), null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["segment"]
        verbose_name = _("coverage policy")
        verbose_name_plural = _("coverage policies")

    def __str__(self) -> str:
        return f"{self.get_segment_display()}: {self.period_months}m / {self.target:.0%}"
