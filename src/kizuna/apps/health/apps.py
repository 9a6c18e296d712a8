from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthConfig(AppConfig):
    name = "kizuna.apps.health"
    verbose_name = _("Health scores")
    default_auto_field = "django.db.models.BigAutoField"
