from django.contrib import admin

from kizuna.apps.revenue.models import RevenueSnapshotState, RevenueTarget


@admin.register(RevenueTarget)
class RevenueTargetAdmin(admin.ModelAdmin[RevenueTarget]):
    """Rates are fractions here (0.01 = 1 %); the dashboard's form takes percentages."""

    list_display = ["segment", "logo_churn_rate", "grr_12m", "nrr_12m", "updated_at", "updated_by"]
    readonly_fields = ["updated_at", "updated_by"]


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
