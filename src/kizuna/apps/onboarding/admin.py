"""Read-only: templates and the policy are edited on /onboarding/templates/ (versioned and
audited), criteria are ticked on the onboarding's page (audited), and states, transitions and
signals are computed by the daily job."""

from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kizuna.apps.front.admin import ServiceOwnedAdmin
from kizuna.apps.onboarding.models import Onboarding, OnboardingSignal, OnboardingTemplate


@admin.register(OnboardingTemplate)
class OnboardingTemplateAdmin(ServiceOwnedAdmin[OnboardingTemplate]):
    list_display = ["product", "version", "is_current", "note", "created_at"]
    list_filter = ["product", "is_current"]
    page_url_name = "onboarding:templates"
    page_label = _("Onboarding")


@admin.register(Onboarding)
class OnboardingAdmin(ServiceOwnedAdmin[Onboarding]):
    list_display = ["account", "product", "state", "started_on", "target_on", "completed_on"]
    list_filter = ["state", "product"]
    search_fields = ["account__name", "account__kana"]
    raw_id_fields = ["account", "line"]
    page_url_name = "onboarding:board"
    page_label = _("Onboarding")

    def page_url(self, obj: Onboarding | None) -> str:
        if obj is None:
            return super().page_url(obj)
        return reverse("onboarding:detail", args=[obj.pk])


@admin.register(OnboardingSignal)
class OnboardingSignalAdmin(ServiceOwnedAdmin[OnboardingSignal]):
    list_display = ["onboarding", "kind", "on"]
    list_filter = ["kind"]
    page_url_name = "onboarding:board"
    page_label = _("Onboarding")

    def page_url(self, obj: OnboardingSignal | None) -> str:
        if obj is None:
            return super().page_url(obj)
        return reverse("onboarding:detail", args=[obj.onboarding_id])
