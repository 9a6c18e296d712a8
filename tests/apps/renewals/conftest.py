"""A fixed company today for the renewal work tests, Friday 2026-05-01, and one open
high-touch renewal of the CSM's account on 2026-09-01 (an annual line of ¥100,000 a month)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

TODAY = dt.date(2026, 5, 1)
RENEWAL = dt.date(2026, 9, 1)


@pytest.fixture
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    from kizuna.apps.pages import views as pages_views
    from kizuna.apps.renewals import api, services, views

    for module in (services, views, api, pages_views):
        monkeypatch.setattr(module, "tenant_today", lambda *args: TODAY, raising=False)
    return TODAY


@pytest.fixture
def renewal(world: Any, fixed_today: dt.date) -> Any:
    from kizuna.apps.renewals.models import Renewal
    from kizuna.apps.renewals.services import renewals_refresh
    from tests.factories import SubscriptionLineFactory

    world.account.segment = "high"
    world.account.save(update_fields=["segment"])
    SubscriptionLineFactory(
        account=world.account,
        product=world.product,
        billing_period="annual",
        billing_amount=1_200_000,
        mrr=100_000,
        start_date=dt.date(2025, 9, 1),
    )
    renewals_refresh(today=TODAY)
    return Renewal.objects.get(account=world.account, date=RENEWAL)
