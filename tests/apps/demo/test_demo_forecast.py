"""The demo's renewal forecast (``renewals.demo_forecast``): renewals derived, monthly scores
back-filled so that past quarters have grades, open renewals called; the forecast page shows
past quarters' forecasts beside their actuals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client

from kizuna.apps.health.models import HealthScore
from kizuna.apps.org.models import User
from kizuna.apps.renewals.forecast import forecast_compute
from kizuna.apps.renewals.models import Renewal
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.calendar import month_start_before


@pytest.fixture
def demo(demo_company: None, db: object) -> None:
    cache.clear()


def test_past_quarters_have_graded_renewals_to_compare(demo: None) -> None:
    today = tenant_today()
    # the monthly back-fill: a score on the first of each of the last 27 months
    days = {month_start_before(today, n) for n in range(1, 28)}
    scored = set(HealthScore.objects.filter(day__in=days).values_list("day", flat=True))
    assert scored == days
    found = forecast_compute(today=today)
    with_renewals = [q for q in found.backtest.quarters if q.renewals]
    assert len(found.backtest.quarters) == 8 and len(with_renewals) >= 4
    assert all(q.actual_grr is not None and q.forecast_grr is not None for q in with_renewals)
    assert any(row.grade is not None for row in found.backtest.reliability)
    assert found.backtest.brier is not None and 0 <= found.backtest.brier <= 1


def test_open_renewals_are_mostly_called(demo: None) -> None:
    today = tenant_today()
    open_ = Renewal.objects.filter(date__gt=today, date__lte=today + dt.timedelta(days=180))
    called = open_.exclude(forecast_call="").count()
    assert 0.6 * open_.count() <= called < open_.count()


def test_the_manager_sees_the_forecast_page(demo: None) -> None:
    client = Client()
    client.force_login(User.objects.get(username="manager"))
    page = client.get("/renewals/forecast/")
    assert page.status_code == 200
    assert page.content.decode().count("年度 Q") >= 10
