from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "kizuna.apps.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_login_failed

        # the receivers import the models: only once the app registry is ready
        from kizuna.apps.audit import receivers

        user_login_failed.connect(receivers.on_login_failed, dispatch_uid="kizuna-audit-login")
        user_locked_out.connect(receivers.on_locked_out, dispatch_uid="kizuna-audit-lockout")
