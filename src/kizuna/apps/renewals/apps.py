from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RenewalsConfig(AppConfig):
    name = "kizuna.apps.renewals"
    label = "renewals"
    verbose_name = _("Renewals")

    def ready(self) -> None:
        from kizuna.apps.renewals import receivers  # noqa: F401  (connects the receivers)
