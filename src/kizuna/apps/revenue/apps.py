from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RevenueConfig(AppConfig):
    name = "kizuna.apps.revenue"
    label = "revenue"
    verbose_name = _("Revenue and retention")
