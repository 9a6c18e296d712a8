from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpisConfig(AppConfig):
    name = "kizuna.apps.kpis"
    label = "kpis"
    verbose_name = _("KPIs and targets")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kizuna.apps.kpis import receivers  # noqa: F401  (connects the target mirrors)
