"""In a real browser: a CSM signs in through the login form and lands on 今日, which shows
their onboardings to push and their accounts whose health fell a grade, each with why."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kizuna.apps.health.models import HealthScore, ScoreModelVersion
from kizuna.apps.health.services import score_models_ensure_defaults
from kizuna.apps.onboarding.models import Onboarding
from kizuna.apps.onboarding.services import (
    onboardings_evaluate,
    onboardings_start,
    template_version_create,
)
from kizuna.apps.tenant.selectors import tenant_today
from tests.apps.onboarding.conftest import phases
from tests.factories import SubscriptionLineFactory, World, build_world


def stalled_onboarding_and_grade_drop() -> World:
    """The CSM's account: an onboarding whose kickoff is 3 days late (stalled), and a health
    score that fell from grade 4 to grade 2 in a week because active users fell."""
    world = build_world()
    world.account.mrr = 100_000
    world.account.save()
    template_version_create(actor=None, product=world.product, phases=phases())
    today = tenant_today()
    SubscriptionLineFactory(
        account=world.account, product=world.product, start_date=today - dt.timedelta(days=10)
    )
    onboardings_start(as_of=today)
    onboardings_evaluate(as_of=today)
    assert Onboarding.objects.get().state == "stalled"
    score_models_ensure_defaults()
    model = ScoreModelVersion.objects.get(name="adoption")
    before = {"active_users": 30.0, "adoption": 20.0, "trend": 15.0, "touch": 5.0}
    now = {"active_users": 3.0, "adoption": 20.0, "trend": 10.0, "touch": 5.0}
    for day, points, grade in ((today - dt.timedelta(days=7), before, 4), (today, now, 2)):
        HealthScore.objects.create(
            account=world.account,
            day=day,
            model=model,
            score=sum(points.values()),
            grade=grade,
            points=points,
        )
    return world


def test_a_csm_logs_in_and_lands_on_today_with_reasons(
    transactional_db: Any, page: Any, shot: Any, log_in: Any
) -> None:
    # given a stalled onboarding and a grade drop on the CSM's account
    world = stalled_onboarding_and_grade_drop()

    # when the CSM signs in through the login form
    log_in("csm")

    # then they land on 今日
    page.wait_for_url("**/today/")
    assert page.get_by_role("heading", name="今日のワークリスト").is_visible()
    assert page.locator("nav.mainnav a[aria-current=page]").inner_text() == "今日"

    # with the onboarding to push and why (the phase, its target and what is not met)
    to_push = page.locator("#onboardings-to-push")
    assert world.account.name in to_push.inner_text()
    reason = to_push.locator(".reason").first.inner_text()
    assert "キックオフ" in reason and "未達" in reason, reason

    # and the grade drop and why (the component that lost the points)
    drops = page.locator("#grade-drops")
    assert world.account.name in drops.inner_text()
    assert "グレード 4 → 2" in drops.inner_text()
    reason = drops.locator(".reason").first.inner_text()
    assert "アクティブ" in reason and "-27.0" in reason, reason
    shot("10-today-csm")
