"""The churn events follow the subscription lines as they change, not only at the daily
refresh: lines created, edited or imported (``customers.signals.subscription_lines_changed``,
sent inside the writing transaction) refresh their accounts' events in that transaction, so a
line a member just ended shows as "reason missing" at once. A deleted line takes its events
with it (the foreign key cascades)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.dispatch import receiver

from kizuna.apps.churnreasons.detection import churn_events_refresh
from kizuna.apps.customers.signals import subscription_lines_changed
from kizuna.apps.tenant.selectors import tenant_today

#: past this many accounts a refresh reads every line once (as the renewals' receiver)
REFRESH_ALL_ABOVE = 5000


@receiver(subscription_lines_changed, dispatch_uid="churnreasons_follow_changed_lines")
def lines_changed(sender: Any, *, account_ids: Collection[int], **kwargs: Any) -> None:
    ids = sorted({int(pk) for pk in account_ids})
    if ids:
        churn_events_refresh(
            today=tenant_today(), account_ids=None if len(ids) > REFRESH_ALL_ABOVE else ids
        )
