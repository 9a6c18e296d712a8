from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExpansionConfig(AppConfig):
    name = "kizuna.apps.expansion"
    label = "expansion"
    verbose_name = _("Expansion")
