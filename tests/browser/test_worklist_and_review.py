"""In a real browser: a CSM works the worklist; CS ops previews and applies a review."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kizuna.apps.customers.models import Account
from kizuna.apps.segments.models import ReviewStatus, SegmentReview
from kizuna.apps.segments.services import segment_history_initialise
from kizuna.apps.touchpoints.models import Touchpoint
from tests.factories import AccountFactory, SubscriptionLineFactory, World, build_world


def _book(world: World) -> None:
    for i in range(10):
        account = AccountFactory(
            name=f"株式会社ワーク{i}", kana=f"ワーク{i}", segment="tech", owner=world.csm,
            team=world.strategic, mrr=10_000 * (i + 1),
        )  # fmt: skip
        SubscriptionLineFactory(
            account=account, product=world.product, start_date=dt.date(2026, 1, 1)
        )
    segment_history_initialise(on=dt.date(2026, 1, 1))


def test_it_logs_a_touchpoint_from_the_worklist_and_returns_to_it(
    transactional_db: Any, page: Any, shot: Any, log_in: Any
) -> None:
    world = build_world()
    _book(world)
    Account.objects.filter(name="株式会社ワーク9").update(segment="high")
    log_in("csm")
    page.goto("/today/")
    page.get_by_role("heading", name="今日のワークリスト").wait_for()
    shot("10-worklist")
    row = page.locator("#worklist tr", has_text="株式会社ワーク9")
    assert "カバー外" in row.inner_text()
    row.get_by_role("link", name="接点を記録").click()
    page.select_option("#id_kind", "call")
    page.fill("#id_occurred_at", dt.datetime.now().strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_summary", "更新前の状況確認")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("heading", name="今日のワークリスト").wait_for()
    assert "カバー外" not in page.locator("#worklist tr", has_text="株式会社ワーク9").inner_text()
    assert Touchpoint.objects.filter(account__name="株式会社ワーク9", kind="call").count() == 1


def test_it_previews_and_applies_a_segmentation_review(
    transactional_db: Any, page: Any, shot: Any, log_in: Any
) -> None:
    world = build_world()
    _book(world)
    log_in("admin")
    page.goto("/segments/")
    page.get_by_role("button", name="見直しをプレビュー").click()
    page.get_by_role("heading", name="移動する顧客", exact=True).wait_for()
    shot("11-review-preview")
    # a preview saves nothing; applying asks for a confirmation first (no JavaScript needed)
    assert not SegmentReview.objects.exists()
    page.get_by_role("button", name="件の顧客を移動して適用").click()
    assert page.locator("input[name=confirm]:invalid").count() == 1
    assert not SegmentReview.objects.exists()
    page.get_by_label("一括では元に戻せない").check()
    page.get_by_role("button", name="件の顧客を移動して適用").click()
    page.get_by_text("見直しを適用しました").wait_for()
    review = SegmentReview.objects.get()
    assert review.status == ReviewStatus.APPLIED
    assert Account.objects.get(name="株式会社ワーク9").segment == "high"
