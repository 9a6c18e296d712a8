from __future__ import annotations

import datetime as dt

import pytest

from kizuna.apps.health.services import score_models_ensure_defaults
from kizuna.apps.usage.models import UsageDay
from tests.factories import SubscriptionLineFactory, TouchpointFactory, World

D = dt.date
TODAY = D(2026, 6, 30)


@pytest.fixture
def scored_world(world: World) -> World:
    world.account.phase = "adoption"
    world.account.save()
    SubscriptionLineFactory(
        account=world.account, product=world.product, start_date=D(2025, 7, 15), seats=10
    )
    UsageDay.objects.create(
        account=world.account,
        day=D(2026, 6, 20),
        events=50,
        quantity=50,
        active_users=5,
        features=1,
        feature_counts={"report": 50},
    )
    TouchpointFactory(
        account=world.account, csm=world.csm, occurred_at=dt.datetime(2026, 6, 10, 1, tzinfo=dt.UTC)
    )
    score_models_ensure_defaults()
    return world
