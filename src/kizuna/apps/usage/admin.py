from django.contrib import admin

from kizuna.apps.usage.models import (
    AccountKeyMapping,
    FeatureDefinition,
    UsageDropRule,
    UsageSource,
)


@admin.register(FeatureDefinition)
class FeatureDefinitionAdmin(admin.ModelAdmin[FeatureDefinition]):
    list_display = ["event", "feature", "label_ja", "label_en", "product", "is_key"]
    list_filter = ["product", "is_key"]
    search_fields = ["event", "feature"]


@admin.register(AccountKeyMapping)
class AccountKeyMappingAdmin(admin.ModelAdmin[AccountKeyMapping]):
    list_display = ["source", "account_key", "account"]
    list_filter = ["source"]
    search_fields = ["account_key", "account__name"]
    raw_id_fields = ["account"]


@admin.register(UsageSource)
class UsageSourceAdmin(admin.ModelAdmin[UsageSource]):
    list_display = ["code", "name", "product", "stale_after_hours", "last_event_at"]
    readonly_fields = ["last_event_at", "last_received_at"]


@admin.register(UsageDropRule)
class UsageDropRuleAdmin(admin.ModelAdmin[UsageDropRule]):
    list_display = ["share", "z_threshold", "weeks", "min_baseline"]
