"""Lists that grow with the company are paged and ordered by what to act on first; the
uncovered-accounts list offers the next action each member may take."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse

from kizuna.apps.health.models import HealthScore, ScoreModelVersion
from kizuna.apps.health.services import score_models_ensure_defaults
from kizuna.apps.tenant.selectors import tenant_today
from tests.factories import AccountFactory, SubscriptionLineFactory, TouchpointFactory, World


def test_the_account_timeline_is_paged_newest_first(world: World) -> None:
    # given 30 touchpoints, one a day
    start = dt.datetime(2026, 10, 1, 1, 0, tzinfo=dt.UTC)
    for n in range(30):
        TouchpointFactory(
            account=world.account,
            csm=world.csm,
            summary=f"接点{n:02d}",
            occurred_at=start + dt.timedelta(days=n),
        )
    client = Client()
    client.force_login(world.csm)
    url = reverse("customers:account_detail", args=[world.account.pk])
    # when the account page is opened
    first = client.get(url).content.decode()
    # then the 25 newest are shown, with a pager to the rest
    assert "接点29" in first and "接点05" in first and "接点04" not in first
    assert "2 ページ中 1 ページ目（全 30 件）" in first
    assert "?timeline_page=2#touchpoint-timeline" in first
    # and the next page holds the 5 oldest, the header still tells the last touch
    second = client.get(url, {"timeline_page": "2"}).content.decode()
    assert "接点04" in second and "接点00" in second and "接点05" not in second
    assert "2026/10/30" in second
    # and a silly page number shows the last page instead of failing
    assert client.get(url, {"timeline_page": "99999999999999999999"}).status_code == 200


def _uncovered(world: World) -> None:
    account = AccountFactory(
        name="未接触商事", segment="high", owner=world.csm, team=world.strategic, mrr=100_000
    )
    SubscriptionLineFactory(account=account, product=world.product)


def test_the_uncovered_list_offers_the_owner_to_log_a_touch(world: World) -> None:
    _uncovered(world)
    client = Client()
    client.force_login(world.csm)
    body = client.get(reverse("coverage:uncovered"), {"segment": "high"}).content.decode()
    assert "未接触商事" in body
    assert "接点を記録" in body
    assert "/reassign/" not in body


def test_the_uncovered_list_offers_the_teams_manager_to_reassign(world: World) -> None:
    _uncovered(world)
    client = Client()
    client.force_login(world.manager)
    body = client.get(reverse("coverage:uncovered"), {"segment": "high"}).content.decode()
    assert "/reassign/" in body and "担当を変更" in body


def test_the_uncovered_list_tells_a_viewer_whom_to_ask(world: World) -> None:
    _uncovered(world)
    client = Client()
    client.force_login(world.viewer)
    body = client.get(reverse("coverage:uncovered"), {"segment": "high"}).content.decode()
    assert "/reassign/" not in body and "/touchpoints/new/" not in body
    assert f"{world.csm} さんに連絡を依頼してください" in body


def test_grade_drops_are_paged_lowest_grade_first(world: World) -> None:
    # given 60 accounts that fell from grade 5: 10 to grade 1, 50 to grade 3
    score_models_ensure_defaults()
    model = ScoreModelVersion.objects.get(name="adoption")
    today = tenant_today()
    scores = []
    for n in range(60):
        account = AccountFactory(name=f"下落{n:02d}", owner=world.csm)
        grade = 1 if n >= 50 else 3
        scores += [
            HealthScore(
                account=account, day=today - dt.timedelta(days=7), model=model, score=90, grade=5
            ),
            HealthScore(
                account=account, day=today, model=model, score=grade * 20 - 10, grade=grade
            ),
        ]
    HealthScore.objects.bulk_create(scores)
    client = Client()
    client.force_login(world.manager)
    # when the portfolio is opened
    body = client.get(reverse("health:portfolio")).content.decode()
    # then the first page starts with the grade-1 accounts and pages the rest
    assert body.index("下落50") < body.index("下落00")
    assert "2 ページ中 1 ページ目（全 60 件）" in body
    second = client.get(reverse("health:portfolio"), {"dropped_page": "2"}).content.decode()
    assert "下落59" not in second and "下落49" in second


def test_the_stalled_list_puts_expected_churn_first_and_is_paged(db: object) -> None:
    from kizuna.apps.onboarding.models import Onboarding
    from kizuna.apps.onboarding.selectors import STUCK_PAGE_SIZE, dashboard_data
    from tests.browser.test_today import stalled_onboarding_and_grade_drop

    # given one stalled onboarding, and a second one expected to churn with a later target
    world = stalled_onboarding_and_grade_drop()
    stalled = Onboarding.objects.get()
    today = tenant_today()
    late = Onboarding.objects.create(
        account=AccountFactory(owner=world.csm),
        product=stalled.product,
        template=stalled.template,
        started_on=stalled.started_on,
        target_on=stalled.target_on,
        state="expected_churn",
        state_since=today,
        current_target_on=today + dt.timedelta(days=30),
    )
    # when the dashboard is read
    data = dashboard_data(today=today, by="product")
    # then expected churn comes first although its target is later
    assert [o.pk for o, _why in data.stuck] == [late.pk, stalled.pk]
    assert data.stuck_page.paginator.per_page == STUCK_PAGE_SIZE
