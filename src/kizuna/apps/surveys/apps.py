from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "kizuna.apps.surveys"
    label = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        # survey answers are a kind of import (the page, the runs, the drop folder)
        from kizuna.apps.imports.services import register_kind
        from kizuna.apps.surveys.answers import ANSWERS

        register_kind(ANSWERS)
