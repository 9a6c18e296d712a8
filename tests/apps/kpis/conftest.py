"""A fixed company today for the KPI tests: Monday 2026-11-30 (fiscal year FY2026 from April)."""

from __future__ import annotations

import datetime as dt

import pytest

TODAY = dt.date(2026, 11, 30)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    from kizuna.apps.kpis import api, services, views

    for module in (services, views, api):
        monkeypatch.setattr(module, "tenant_today", lambda *args: TODAY)
    return TODAY
