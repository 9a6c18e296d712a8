from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kizuna.apps.front.admin import ServiceOwnedAdmin
from kizuna.apps.revenue.models import RevenueSnapshotState, RevenueTarget


@admin.register(RevenueTarget)
class RevenueTargetAdmin(ServiceOwnedAdmin[RevenueTarget]):
    """Read-only: the revenue dashboard's form saves targets through
    ``revenue_target_save``, which checks their range. Rates are fractions here (0.01 = 1 %)."""

    list_display = ["segment", "logo_churn_rate", "grr_12m", "nrr_12m", "updated_at", "updated_by"]
    readonly_fields = ["updated_at", "updated_by"]
    page_url_name = "revenue:dashboard"
    page_label = _("Revenue")


@admin.register(RevenueSnapshotState)
class RevenueSnapshotStateAdmin(admin.ModelAdmin[RevenueSnapshotState]):
    list_display = ["last_month_done", "dirty_from", "lines_read_at", "last_finished_at"]
    readonly_fields = [
        "last_month_done",
        "dirty_from",
        "lines_read_at",
        "line_count",
        "last_finished_at",
        "last_message",
    ]
