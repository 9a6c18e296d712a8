"""A CSM's first day, in a real browser: log in, switch language, find an account by kana,
log a meeting and see it on the timeline."""

from __future__ import annotations

from typing import Any

from kizuna.apps.touchpoints.models import Touchpoint
from tests.factories import ContactFactory, SubscriptionLineFactory, World


def test_it_logs_in_switches_language_finds_by_kana_and_logs_a_meeting(
    transactional_db: Any, page: Any, shot: Any, log_in: Any
) -> None:
    from tests.factories import build_world

    world: World = build_world()
    ContactFactory(account=world.account, name="山田 花子")
    SubscriptionLineFactory(account=world.account, product=world.product, billing_amount=250_000)
    world.account.mrr = 250_000
    world.account.save()

    # given the login page, in Japanese although the browser prefers English
    page.goto("/login/")
    assert page.locator("html").get_attribute("lang") == "ja"
    shot("01-login-ja")
    log_in("csm")
    page.wait_for_url("**/today/")
    page.get_by_role("link", name="顧客一覧").click()
    assert page.get_by_role("heading", name="顧客一覧").is_visible()

    # when the CSM switches to English and back to Japanese
    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Accounts").wait_for()
    shot("02-accounts-en")
    page.get_by_role("button", name="日本語").click()
    page.get_by_role("heading", name="顧客一覧").wait_for()

    # and searches by kana (htmx updates the results as they type)
    page.fill("#id_q", "ヤマダ")
    page.locator("#account-table").get_by_text("合同会社北斗").wait_for(state="detached")
    shot("03-search-kana")
    page.get_by_role("link", name="株式会社山田製作所").click()
    page.get_by_role("heading", name="株式会社山田製作所").wait_for()
    assert page.get_by_text("¥250,000").first.is_visible()

    # and logs a meeting, first forgetting the date
    page.get_by_role("link", name="接点を記録").first.click()
    page.select_option("#id_kind", "meeting")
    page.fill("#id_occurred_at", "")
    page.fill("#id_summary", "活用状況レビュー：承認フローの設定を支援")
    page.get_by_role("button", name="保存").click()
    page.get_by_text("まだ何も保存されていません").wait_for()
    shot("04-touchpoint-error-ja")
    assert Touchpoint.objects.count() == 0
    page.fill("#id_occurred_at", "2026-11-20T10:00")
    page.get_by_label("山田 花子").check()
    page.get_by_role("button", name="保存").click()

    # then the meeting is on the account's timeline, with the contact met
    page.get_by_text("接点を記録しました。").wait_for()
    timeline = page.locator("#touchpoint-timeline")
    assert "活用状況レビュー" in timeline.inner_text()
    assert "山田 花子" in timeline.inner_text()
    shot("05-account-timeline")
    touchpoint = Touchpoint.objects.get()
    assert touchpoint.csm == world.csm
    assert touchpoint.occurred_at.isoformat() == "2026-11-20T01:00:00+00:00"  # 10:00 in Tokyo


def test_it_shows_a_viewer_no_edit_buttons(
    transactional_db: Any, page: Any, shot: Any, log_in: Any
) -> None:
    from tests.factories import build_world

    world: World = build_world()
    log_in("viewer")
    page.goto(f"/accounts/{world.account.pk}/")
    page.get_by_role("heading", name="株式会社山田製作所").wait_for()
    assert page.get_by_role("link", name="接点を記録").count() == 0
    assert page.get_by_role("link", name="編集").count() == 0
    response = page.goto(f"/accounts/{world.account.pk}/touchpoints/new/")
    assert response.status == 403
