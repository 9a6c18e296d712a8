from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrontConfig(AppConfig):
    name = "kizuna.apps.front"
    label = "front"

    def ready(self) -> None:
        from django.contrib import admin

        # The administration speaks as Kizuna, in the member's language (not "Django").
        admin.site.site_header = _("Kizuna administration")
        admin.site.site_title = _("Kizuna administration")
        admin.site.index_title = _("Company settings and data")
