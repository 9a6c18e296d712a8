"""Read-only: rules, reviews, exceptions and coverage policies are changed on the touch-model
pages through ``segments.services`` (previewed, confirmed, audited), and the segment history is
written by those services only."""

from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kizuna.apps.front.admin import ServiceOwnedAdmin
from kizuna.apps.segments.models import (
    AccountSegmentPeriod,
    CoveragePolicy,
    SegmentException,
    SegmentReview,
    SegmentRule,
)


@admin.register(SegmentRule)
class SegmentRuleAdmin(ServiceOwnedAdmin[SegmentRule]):
    list_display = ["effective_from", "kind", "high_share", "low_share", "high_min", "low_min"]
    page_url_name = "segments:overview"
    page_label = _("Touch model")


@admin.register(SegmentReview)
class SegmentReviewAdmin(ServiceOwnedAdmin[SegmentReview]):
    list_display = ["as_of", "status", "created_by", "applied_by", "applied_at"]
    readonly_fields = ["moves", "summary"]
    page_url_name = "segments:overview"
    page_label = _("Touch model")

    def page_url(self, obj: SegmentReview | None) -> str:
        if obj is None:
            return super().page_url(obj)
        return reverse("segments:review", args=[obj.pk])


@admin.register(AccountSegmentPeriod)
class AccountSegmentPeriodAdmin(ServiceOwnedAdmin[AccountSegmentPeriod]):
    list_display = ["account", "segment", "valid_from", "valid_to", "source"]
    raw_id_fields = ["account", "review"]
    page_url_name = "segments:overview"
    page_label = _("Touch model")


@admin.register(SegmentException)
class SegmentExceptionAdmin(ServiceOwnedAdmin[SegmentException]):
    list_display = ["account", "segment", "previous_segment", "expires_on", "ended_at"]
    raw_id_fields = ["account"]
    page_url_name = "segments:exceptions"
    page_label = _("Touch model")


@admin.register(CoveragePolicy)
class CoveragePolicyAdmin(ServiceOwnedAdmin[CoveragePolicy]):
    list_display = ["segment", "period_months", "target", "qualifying_kinds"]
    page_url_name = "segments:overview"
    page_label = _("Touch model")

    def page_url(self, obj: CoveragePolicy | None) -> str:
        if obj is None:
            return super().page_url(obj)
        return reverse("segments:policy_edit", args=[obj.segment])
