from django.contrib import admin

from kizuna.apps.touchpoints.models import Touchpoint


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin[Touchpoint]):
    list_display = ["occurred_at", "account", "csm", "kind"]
    list_filter = ["kind"]
    raw_id_fields = ["account", "csm", "contacts"]
    date_hierarchy = "occurred_at"
