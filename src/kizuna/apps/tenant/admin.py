"""The company settings (one row) are kept here, through ``tenant_settings_update``: checked
(CS ops admins) and written to the audit trail with ``via = admin``. The row is created with
the defaults by a data migration; it is never added or deleted here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kizuna.apps.org.access import can_manage_tenant
from kizuna.apps.org.admin import admin_actor
from kizuna.apps.tenant.models import TenantSettings
from kizuna.apps.tenant.services import TENANT_FIELDS, tenant_settings_update


@admin.register(TenantSettings)
class TenantSettingsAdmin(admin.ModelAdmin[TenantSettings]):
    list_display = ["company_name", "currency", "time_zone", "fiscal_year_start_month"]
    fields = tuple(TENANT_FIELDS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: TenantSettings | None = None
    ) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and can_manage_tenant(admin_actor(request))

    def has_delete_permission(
        self, request: HttpRequest, obj: TenantSettings | None = None
    ) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: TenantSettings, form: Any, change: bool
    ) -> None:
        data = {name: form.cleaned_data[name] for name in TENANT_FIELDS}
        tenant_settings_update(actor=admin_actor(request), data=data, via="admin")
