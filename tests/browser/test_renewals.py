"""In a real browser, on the demo company: the demo manager opens the renewal pipeline, sees
this quarter's renewals at stake with their plan status and an overdue plan, opens it and
signs off its review (in Japanese)."""

from __future__ import annotations

from typing import Any

from kizuna.apps.demo.services import demo_load_if_empty
from kizuna.apps.renewals.models import ClosingPlan, PlanReview
from kizuna.apps.tenant.selectors import tenant_today
from tests.factories import PASSWORD


def test_the_manager_signs_off_an_overdue_plan(
    transactional_db: Any, page: Any, shot: Any, log_in: Any
) -> None:
    # given the demo company (200 accounts): its renewals, plans and reviews
    demo_load_if_empty(accounts=200, seed=7, password=PASSWORD)
    today = tenant_today()
    overdue = (
        ClosingPlan.objects.filter(
            next_review_on__lt=today,
            renewal__date__gte=today,
            renewal__account__team__code="strategic",
        )
        .select_related("renewal__account")
        .order_by("renewal__date")
        .first()
    )
    assert overdue is not None, "the demo has an overdue plan in the manager's team"
    reviews_before = PlanReview.objects.filter(plan=overdue).count()
    # when the demo manager opens the pipeline
    log_in("manager", password=PASSWORD)
    page.goto("/renewals/")
    page.get_by_role("heading", name="リニューアルパイプライン").wait_for()
    shot("renewals-01-pipeline")
    # then the quarter's renewals are there with the amount at stake and their plan status
    assert page.locator("#by-status").get_by_text("レビュー期限切れ").count() == 1
    assert page.locator("#renewals tr[data-status]").count() > 3
    row = page.locator("#renewals tr", has_text=overdue.renewal.account.name)
    assert "レビュー期限切れ" in row.inner_text()
    # when the manager opens it and signs off, confirming
    row.get_by_role("link", name=overdue.renewal.account.name).click()
    page.locator("#flag-review-overdue").wait_for()
    shot("renewals-02-overdue-renewal")
    page.get_by_label("メモ").fill("決裁者との面談日程を確認。次回は価格条件を確認する。")
    page.get_by_role("button", name="レビューを承認").click()
    assert page.locator("input[name=confirm]:invalid").count() == 1
    page.get_by_label("承認は取り消せません").check()
    page.get_by_role("button", name="レビューを承認").click()
    page.get_by_text("レビューを承認しました").wait_for()
    shot("renewals-03-signed-off")
    # then the review is recorded, the plan is no longer overdue, and the history shows it
    overdue.refresh_from_db()
    assert overdue.next_review_on is not None and overdue.next_review_on > today
    assert PlanReview.objects.filter(plan=overdue).count() == reviews_before + 1
    assert page.locator("#flag-review-overdue").count() == 0
    assert "決裁者との面談日程を確認" in page.locator("#review-history").inner_text()
