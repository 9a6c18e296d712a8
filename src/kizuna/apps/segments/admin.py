from django.contrib import admin

from kizuna.apps.segments.models import (
    AccountSegmentPeriod,
    CoveragePolicy,
    SegmentException,
    SegmentReview,
    SegmentRule,
)


@admin.register(SegmentRule)
class SegmentRuleAdmin(admin.ModelAdmin[SegmentRule]):
    list_display = ["effective_from", "kind", "high_share", "low_share", "high_min", "low_min"]


@admin.register(SegmentReview)
class SegmentReviewAdmin(admin.ModelAdmin[SegmentReview]):
    list_display = ["as_of", "status", "created_by", "applied_by", "applied_at"]
    readonly_fields = ["moves", "summary"]


@admin.register(AccountSegmentPeriod)
class AccountSegmentPeriodAdmin(admin.ModelAdmin[AccountSegmentPeriod]):
    list_display = ["account", "segment", "valid_from", "valid_to", "source"]
    raw_id_fields = ["account", "review"]


@admin.register(SegmentException)
class SegmentExceptionAdmin(admin.ModelAdmin[SegmentException]):
    list_display = ["account", "segment", "previous_segment", "expires_on", "ended_at"]
    raw_id_fields = ["account"]


@admin.register(CoveragePolicy)
class CoveragePolicyAdmin(admin.ModelAdmin[CoveragePolicy]):
    list_display = ["segment", "period_months", "target", "qualifying_kinds"]
