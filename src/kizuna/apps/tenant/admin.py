from django.contrib import admin

from kizuna.apps.tenant.models import TenantSettings


@admin.register(TenantSettings)
class TenantSettingsAdmin(admin.ModelAdmin[TenantSettings]):
    list_display = ["company_name", "currency", "time_zone", "fiscal_year_start_month"]
