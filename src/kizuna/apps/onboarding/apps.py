from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnboardingConfig(AppConfig):
    name = "kizuna.apps.onboarding"
    verbose_name = _("Onboarding")
    default_auto_field = "django.db.models.BigAutoField"
