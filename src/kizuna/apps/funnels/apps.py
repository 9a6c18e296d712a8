from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FunnelsConfig(AppConfig):
    name = "kizuna.apps.funnels"
    label = "funnels"
    verbose_name = _("CS funnels")
