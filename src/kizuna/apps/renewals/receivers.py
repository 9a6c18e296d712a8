"""The renewals follow the subscription lines as they change, not only at the daily refresh:
lines created, edited or imported (``customers.signals.subscription_lines_changed``, sent inside
the writing transaction) refresh their accounts' renewals in that same transaction, so a
renewal never disagrees with the lines a member just saved; a line deleted (the
administration) refreshes its account once the deletion has committed. Customers sits below
renewals and does not know it is listened to (docs/architecture.md)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from kizuna.apps.customers.models import SubscriptionLine
from kizuna.apps.customers.signals import subscription_lines_changed
from kizuna.apps.renewals.services import renewals_refresh

#: past this many accounts a refresh of every account reads the lines once, which is cheaper
#: than naming the accounts (and stays inside every database's parameter limit)
REFRESH_ALL_ABOVE = 5000


def refresh_accounts(account_ids: Collection[int]) -> None:
    ids = sorted({int(pk) for pk in account_ids})
    if ids:
        renewals_refresh(account_ids=None if len(ids) > REFRESH_ALL_ABOVE else ids)


@receiver(subscription_lines_changed, dispatch_uid="renewals_follow_changed_lines")
def lines_changed(sender: Any, *, account_ids: Collection[int], **kwargs: Any) -> None:
    refresh_accounts(account_ids)


@receiver(post_delete, sender=SubscriptionLine, dispatch_uid="renewals_follow_deleted_lines")
def line_deleted(sender: Any, instance: SubscriptionLine, **kwargs: Any) -> None:
    account_id = instance.account_id
    transaction.on_commit(lambda: refresh_accounts([account_id]))
