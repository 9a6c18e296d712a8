"""In a real browser: a manager logs a touch, then the coverage dashboard and its drill-down
count the same accounts, and both say when they were computed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kizuna.apps.coverage.services import coverage_snapshots_refresh
from kizuna.apps.customers.models import Account
from kizuna.apps.segments.services import segment_history_initialise
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.apps.touchpoints.models import Touchpoint
from tests.factories import AccountFactory, SubscriptionLineFactory, build_world


def test_a_manager_logs_a_touch_and_the_dashboard_agrees_with_its_drill_down(
    transactional_db: Any, page: Any, shot: Any, log_in: Any
) -> None:
    # given five high-touch accounts of the strategic team, none touched, and this morning's
    # coverage snapshot
    world = build_world()
    for i in range(5):
        account = AccountFactory(
            name=f"株式会社カバー{i}", kana=f"カバー{i}", segment="high", owner=world.csm,
            team=world.strategic, mrr=100_000 * (i + 1),
        )  # fmt: skip
        SubscriptionLineFactory(
            account=account, product=world.product, start_date=dt.date(2026, 1, 1)
        )
    segment_history_initialise(on=dt.date(2026, 1, 1))
    coverage_snapshots_refresh(today=tenant_today(), months=1)
    target = Account.objects.get(name="株式会社カバー3")
    # when the manager logs a meeting on one of them in the UI
    log_in("manager")
    page.wait_for_url("**/")
    page.goto(f"/accounts/{target.pk}/")
    page.get_by_role("link", name="接点を記録").first.click()
    page.select_option("#id_kind", "meeting")
    page.fill("#id_occurred_at", dt.datetime.now().strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_summary", "定例ミーティング")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert Touchpoint.objects.filter(account=target, kind="meeting").count() == 1
    # and opens the coverage dashboard
    page.goto("/coverage/")
    tile = page.locator("#coverage-high")
    covered, total = int(tile.get_attribute("data-covered")), int(tile.get_attribute("data-total"))
    shot("15-coverage-dashboard")
    # then the meeting is counted, and the page says when its figures were computed
    assert (covered, total) == (1, 5)
    assert f"{total} 件中 {covered} 件" in tile.inner_text()
    assert "時点" in page.locator("#coverage-as-of .as-of").inner_text()
    # when the manager opens the tile's drill-down
    tile.click()
    heading = page.locator("h1[data-count]")
    heading.wait_for()
    shot("15-coverage-drill-down")
    # then it lists exactly the accounts the tile says are not covered
    assert int(heading.get_attribute("data-count")) == total - covered
    assert f"{total - covered} 件" in heading.inner_text()
    names = page.locator("#uncovered tbody tr td:first-child").all_inner_texts()
    assert len(names) == total - covered
    assert "株式会社カバー3" not in names
    assert "時点" in page.locator("#uncovered-as-of .as-of").inner_text()
