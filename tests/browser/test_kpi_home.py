"""The KPI home in Chromium: a manager lands on it, reads each KPI against its target, switches
to the company, follows what drags GRR, and an admin sets a target through the form."""

from __future__ import annotations

from typing import Any

import pytest

from kizuna.apps.kpis.models import KpiTarget
from kizuna.apps.kpis.services import kpi_snapshots_refresh, kpi_target_save
from kizuna.apps.revenue.models import RevenueSnapshot
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.calendar import fiscal_year
from tests.factories import build_world

pytestmark = pytest.mark.browser


def test_a_manager_reads_the_kpis_and_an_admin_sets_a_target(
    transactional_db: Any, page: Any, shot: Any, log_in: Any
) -> None:
    # given a company whose high-touch GRR is below the company's target
    world = build_world()
    today = tenant_today()
    month = today.replace(day=1)
    RevenueSnapshot.objects.create(month=month, grr_12m=0.88, nrr_12m=1.01, start_mrr=10**6)
    RevenueSnapshot.objects.create(
        month=month, dimension="segment", value="high", grr_12m=0.7, start_mrr=6 * 10**5
    )
    year = fiscal_year(today, 4)
    kpi_target_save(
        actor=world.admin, fiscal_year=year, kpi="grr", cut="company", value="", target=0.9
    )
    kpi_snapshots_refresh(today=today)
    # when the manager signs in, they land on the KPI home of their team
    log_in("manager")
    page.wait_for_url("**/kpis/")
    assert "KPIホーム" in page.locator("h1").inner_text()
    # and switch to the whole company
    page.select_option("#kpi-for", "company:")
    page.get_by_role("button", name="表示").click()
    page.wait_for_url("**/kpis/?for=company*")
    card = page.locator("#kpi-grr")
    assert "88.0%" in card.inner_text() and "目標 90.0%" in card.inner_text()
    assert "目標未達" in card.inner_text()
    assert "ハイタッチ" in page.locator("#drag-grr").inner_text()
    shot("kpi-home-company")
    # the card's link opens the revenue dashboard
    card.get_by_role("link", name="詳しく説明するページへ →").click()
    page.wait_for_url("**/revenue/**")
    # then an admin sets the NPS target; a bad value is refused in Japanese first
    page.context.clear_cookies()
    log_in("admin")
    page.goto("/kpis/targets/")
    page.select_option("#id_kpi", "nps")
    page.fill("#id_target", "150")
    page.get_by_role("button", name="保存").click()
    assert "-100 から 100 の範囲" in page.locator("#kpi-target-form").inner_text()
    page.fill("#id_target", "25")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/kpis/targets/?year=*")
    assert "目標を保存しました" in page.content()
    assert KpiTarget.objects.get(kpi="nps", cut="company").target == 25.0
    shot("kpi-targets")
