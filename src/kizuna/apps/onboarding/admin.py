"""Read-mostly admin views; templates and the policy are edited on /onboarding/templates/
(versioned and audited), so they are read-only here."""

from django.contrib import admin

from kizuna.apps.onboarding.models import Onboarding, OnboardingSignal, OnboardingTemplate


@admin.register(OnboardingTemplate)
class OnboardingTemplateAdmin(admin.ModelAdmin[OnboardingTemplate]):
    list_display = ["product", "version", "is_current", "note", "created_at"]
    list_filter = ["product", "is_current"]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Onboarding)
class OnboardingAdmin(admin.ModelAdmin[Onboarding]):
    list_display = ["account", "product", "state", "started_on", "target_on", "completed_on"]
    list_filter = ["state", "product"]
    search_fields = ["account__name", "account__kana"]
    raw_id_fields = ["account", "line"]
    readonly_fields = [
        f for f in ("state", "state_since", "completed_on", "stalled_on", "expected_churn_on")
    ]


@admin.register(OnboardingSignal)
class OnboardingSignalAdmin(admin.ModelAdmin[OnboardingSignal]):
    list_display = ["onboarding", "kind", "on"]
    list_filter = ["kind"]
