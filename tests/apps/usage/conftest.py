from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kizuna.apps.usage.models import FeatureDefinition, UsageSource
from kizuna.apps.usage.services.ingestion import account_key_map, usage_source_get
from tests.factories import World


@pytest.fixture(autouse=True)
def usage_dir(settings: Any, tmp_path: Path) -> Path:
    settings.USAGE_DIR = tmp_path / "usage"
    return settings.USAGE_DIR


@pytest.fixture
def source(world: World) -> UsageSource:
    """The default source: ``yamada`` → world.account; ``hokuto`` → world.other_account."""
    src = usage_source_get(code="default")
    account_key_map(source=src, account_key="yamada", account_id=world.account.pk)
    account_key_map(source=src, account_key="hokuto", account_id=world.other_account.pk)
    FeatureDefinition.objects.create(
        event="expense.create", feature="expense", product=world.product, is_key=True
    )
    FeatureDefinition.objects.create(
        event="expense.approve", feature="approval", product=world.product, is_key=True
    )
    return src


def event(
    key: str = "yamada",
    user: str = "u1",
    name: str = "expense.create",
    at: str = "2026-03-02T10:00:00+09:00",
    **extra: Any,
) -> dict[str, Any]:
    return {"account_key": key, "user_id": user, "event": name, "occurred_at": at, **extra}
