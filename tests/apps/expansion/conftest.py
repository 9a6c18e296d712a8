"""A fixed company today for the CSQL tests: Monday 2026-06-15."""

from __future__ import annotations

import datetime as dt

import pytest

TODAY = dt.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    from kizuna.apps.expansion import api, services, views

    for module in (services, views, api):
        monkeypatch.setattr(module, "tenant_today", lambda *args: TODAY)
    return TODAY
