"""The audit trail is read-only everywhere: no add, change or delete, not even here."""

from django.contrib import admin

from kizuna.apps.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = ["at", "actor", "action", "entity", "entity_id", "account", "via"]
    list_filter = ["action", "entity", "via"]
    raw_id_fields = ["account", "actor"]
    readonly_fields = ["at", "actor", "action", "entity", "entity_id", "account", "changes", "via"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
