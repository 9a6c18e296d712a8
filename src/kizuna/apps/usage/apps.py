from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsageConfig(AppConfig):
    name = "kizuna.apps.usage"
    label = "usage"
    verbose_name = _("Product usage")
