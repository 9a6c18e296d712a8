"""Lines that end, for the churn-reason tests."""

from __future__ import annotations

import datetime as dt

from kizuna.apps.churnreasons.detection import churn_events_refresh
from kizuna.apps.churnreasons.models import ChurnReason, ChurnReasonCategory
from kizuna.apps.customers.models import Account, Product, SubscriptionLine
from tests.apps.churnreasons.conftest import TODAY
from tests.factories import ProductFactory, SubscriptionLineFactory


def ended_line(
    account: Account,
    *,
    end: dt.date = dt.date(2026, 11, 1),
    mrr: int = 100_000,
    product: Product | None = None,
) -> SubscriptionLine:
    line: SubscriptionLine = SubscriptionLineFactory(
        account=account,
        product=product or ProductFactory(),
        billing_amount=mrr,
        start_date=end - dt.timedelta(days=400),
        end_date=end,
    )
    return line


def churned(account: Account, **kwargs: object) -> ChurnReason:
    """The account's only line ended (default 2026-11-01), the events refreshed: its row."""
    ended_line(account, **kwargs)  # type: ignore[arg-type]
    churn_events_refresh(today=TODAY, account_ids=[account.pk])
    return ChurnReason.objects.get(account=account, line=None)


def category(key: str = "price") -> ChurnReasonCategory:
    return ChurnReasonCategory.objects.get(key=key)
