from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "kizuna.apps.customers"
    label = "customers"
    verbose_name = _("Accounts and subscriptions")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from kizuna.apps.customers.forms import filter_choices_forget
        from kizuna.apps.customers.models import Account, Product
        from kizuna.apps.org.models import Team, User

        # the account list's filter choices are cached per process: forget them on a change
        # (of an account too: its parent or name may change the groups offered)
        for model in (Team, User, Product, Account):
            for signal in (post_save, post_delete):
                signal.connect(
                    filter_choices_forget,
                    sender=model,
                    dispatch_uid=f"kizuna-filter-choices-{signal is post_save}-{model.__name__}",
                )
