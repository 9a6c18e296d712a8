"""In a real browser: a CSM ticks an onboarding criterion on the board; a manager reads the
dashboard and an onboarding's Gantt."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kizuna.apps.onboarding.models import CriterionCheck, Onboarding
from kizuna.apps.onboarding.services import (
    onboardings_evaluate,
    onboardings_start,
    template_version_create,
)
from kizuna.apps.tenant.selectors import tenant_today
from tests.apps.onboarding.conftest import phases
from tests.factories import SubscriptionLineFactory, build_world


def test_a_csm_ticks_a_criterion_on_the_board(
    transactional_db: Any, page: Any, shot: Any, log_in: Any
) -> None:
    # given: an onboarding that started 10 days ago, kickoff (target day 7) not done
    world = build_world()
    template_version_create(actor=None, product=world.product, phases=phases())
    today = tenant_today()
    SubscriptionLineFactory(
        account=world.account, product=world.product, start_date=today - dt.timedelta(days=10)
    )
    onboardings_start(as_of=today)
    onboardings_evaluate(as_of=today)
    onboarding = Onboarding.objects.get()
    assert onboarding.state == "stalled"
    # when
    log_in("csm")
    page.goto("/onboarding/")
    row = page.locator(f"#onb-{onboarding.pk}")
    row.wait_for()
    shot("20-onboarding-board")
    row.locator("button.tick", has_text="キックオフ実施").click()
    # then: the row is swapped in place, kickoff done, the state back in progress
    page.locator(f"#onb-{onboarding.pk} button.tick", has_text="承認フロー作成").wait_for()
    assert page.locator(f"#onb-{onboarding.pk} button.tick", has_text="キックオフ実施").count() == 0
    assert CriterionCheck.objects.get().checked_by == world.csm
    onboarding.refresh_from_db()
    assert onboarding.state == "in_progress"
    page.goto(f"/onboarding/{onboarding.pk}/")
    page.locator("svg.gantt").wait_for()
    shot("21-onboarding-gantt")


def test_a_manager_reads_the_dashboard(
    transactional_db: Any, page: Any, shot: Any, log_in: Any
) -> None:
    world = build_world()
    template_version_create(actor=None, product=world.product, phases=phases())
    SubscriptionLineFactory(
        account=world.account, product=world.product, start_date=dt.date(2026, 1, 5)
    )
    today = tenant_today()
    onboardings_start(as_of=today)
    onboardings_evaluate(as_of=today)
    log_in("manager")
    page.goto("/onboarding/dashboard/")
    page.locator("svg.hbars").wait_for()
    shot("22-onboarding-dashboard")
    assert "株式会社山田製作所" in page.content()
