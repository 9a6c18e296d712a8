from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChurnReasonsConfig(AppConfig):
    name = "kizuna.apps.churnreasons"
    label = "churnreasons"
    verbose_name = _("Churn reasons")

    def ready(self) -> None:
        # the receivers follow the subscription lines (customers sits below and sends)
        from kizuna.apps.churnreasons import receivers  # noqa: F401
