"""A fixed company today for the churn-reason tests: Monday 2026-11-30."""

from __future__ import annotations

import datetime as dt

import pytest

TODAY = dt.date(2026, 11, 30)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    from kizuna.apps.churnreasons import receivers, services

    for module in (services, receivers):
        monkeypatch.setattr(module, "tenant_today", lambda *args: TODAY)
    return TODAY
