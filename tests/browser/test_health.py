"""In a real browser: a CSM reads why an account scores what it does; CS ops tries a new
weighting and sees its backtest before publishing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kizuna.apps.health.models import ScoreModelVersion
from kizuna.apps.health.services import health_scores_refresh_days, score_models_ensure_defaults
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.apps.usage.models import UsageDay
from tests.factories import SubscriptionLineFactory, TouchpointFactory, build_world


def _scored() -> Any:
    world = build_world()
    world.account.phase = "adoption"
    world.account.save()
    today = tenant_today()
    SubscriptionLineFactory(
        account=world.account,
        product=world.product,
        start_date=today - dt.timedelta(days=400),
        seats=10,
    )
    for n, users in ((9, 8), (2, 3)):
        UsageDay.objects.create(
            account=world.account,
            day=today - dt.timedelta(days=n),
            events=40,
            quantity=40,
            active_users=users,
            features=0,
            feature_counts={},
        )
    TouchpointFactory(
        account=world.account,
        csm=world.csm,
        occurred_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=3),
    )
    score_models_ensure_defaults()
    health_scores_refresh_days(days=[today - dt.timedelta(days=7), today])
    return world


def test_a_csm_reads_the_score_and_records_sentiment(
    transactional_db: Any, page: Any, shot: Any, log_in: Any
) -> None:
    world = _scored()
    log_in("csm")
    page.goto(f"/accounts/{world.account.pk}/")
    section = page.locator("#health")
    section.wait_for()
    assert "グレード" in section.inner_text()
    shot("30-account-health")
    page.fill("#sentiment-reason", "決裁者が交代し関係を再構築中")
    page.select_option("#sentiment-value", "2")
    section.get_by_role("button", name="保存").click()
    page.locator("#health").wait_for()
    assert world.account.sentiments.get().value == 2


def test_cs_ops_previews_a_new_weighting(
    transactional_db: Any, page: Any, shot: Any, log_in: Any
) -> None:
    _scored()
    model = ScoreModelVersion.objects.get(name="adoption")
    log_in("admin")
    page.goto(f"/health/models/{model.pk}/")
    page.get_by_role("button", name="今すぐバックテストを計算").click()
    page.locator("svg.xy").wait_for()
    page.goto(f"/health/models/{model.pk}/edit/")
    page.fill("#id_c-0-weight", "60")
    page.get_by_role("button", name="プレビュー").click()
    page.wait_for_load_state()
    shot("31-health-model-preview")
    page.get_by_role("heading", name="この重みのバックテスト").wait_for()
    shot("31-health-model-preview")
    assert ScoreModelVersion.objects.filter(name="adoption").count() == 1
