"""A fixed company today for the tasks tests: Tuesday 2026-04-28, the eve of Golden Week."""

from __future__ import annotations

import datetime as dt

import pytest

TODAY = dt.date(2026, 4, 28)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    from kizuna.apps.pages import views as pages_views
    from kizuna.apps.tasks import api, services, views

    for module in (services, views, api, pages_views):
        monkeypatch.setattr(module, "tenant_today", lambda *args: TODAY)
    return TODAY
