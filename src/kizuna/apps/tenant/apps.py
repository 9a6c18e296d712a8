from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantConfig(AppConfig):
    name = "kizuna.apps.tenant"
    label = "tenant"
    verbose_name = _("Company settings")
