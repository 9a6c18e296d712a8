from django.contrib import admin

from kizuna.apps.touchpoints.models import Touchpoint, TouchpointImport


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin[Touchpoint]):
    list_display = ["occurred_at", "account", "csm", "kind"]
    list_filter = ["kind"]
    raw_id_fields = ["account", "csm", "contacts"]
    date_hierarchy = "occurred_at"


@admin.register(TouchpointImport)
class TouchpointImportAdmin(admin.ModelAdmin[TouchpointImport]):
    list_display = ["created_at", "created_by", "source", "file_name", "status", "created_count"]
    list_filter = ["source", "status"]
    raw_id_fields = ["created_by"]
    readonly_fields = ["raw_csv", "rejected_rows", "mapping"]
