"""A fixed company today for the playbook tests, Tuesday 2026-04-28 (the eve of Golden Week),
and a playbook of four steps: two from the start, two before the renewal."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

TODAY = dt.date(2026, 4, 28)
RENEWAL = dt.date(2026, 9, 1)
STEPS: list[dict[str, Any]] = [
    {"order": 1, "title_ja": "キックオフ", "offset_days": 0, "anchor": "start", "priority": "high"},
    {"order": 2, "title_ja": "初回フォロー", "offset_days": 3, "anchor": "start"},
    {"order": 3, "title_ja": "更新準備", "offset_days": -120, "anchor": "renewal"},
    {"order": 4, "title_ja": "更新確認", "offset_days": -30, "anchor": "renewal"},
]
#: 4/28 itself; 5/1 (Friday); 5/4 (みどりの日) → 5/1 before the renewal; Sunday 8/2 → 7/31
DUES = {
    1: dt.date(2026, 4, 28),
    2: dt.date(2026, 5, 1),
    3: dt.date(2026, 5, 1),
    4: dt.date(2026, 7, 31),
}


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    from kizuna.apps.pages import views as pages_views
    from kizuna.apps.playbooks import api, services, views
    from kizuna.apps.tasks import services as task_services

    for module in (services, views, api, pages_views, task_services):
        monkeypatch.setattr(module, "tenant_today", lambda *args: TODAY)
    return TODAY


@pytest.fixture
def playbook(world: Any) -> Any:
    from kizuna.apps.playbooks.services import playbook_create

    return playbook_create(
        actor=world.admin, name="オンボーディング", description="導入から更新まで", steps=STEPS
    )


@pytest.fixture
def renewing(world: Any) -> Any:
    """The account's line renewing on 2026-09-01, with a later one and an ended one."""
    from tests.factories import SubscriptionLineFactory

    SubscriptionLineFactory(account=world.account, product=world.product, renewal_date=RENEWAL)
    SubscriptionLineFactory(
        account=world.account, product=world.product, renewal_date=dt.date(2027, 9, 1)
    )
    SubscriptionLineFactory(
        account=world.account,
        product=world.product,
        renewal_date=dt.date(2026, 6, 1),
        end_date=dt.date(2026, 4, 1),
    )
    return RENEWAL
