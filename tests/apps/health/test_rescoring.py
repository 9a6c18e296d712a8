"""Scores follow their inputs within a minute: a touch marks the account, the worker's minute
loop (and the account page) rescores it; the explanation shows each part out of its maximum
on that day and names the inputs without data."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from kizuna.apps.customers.models import Account
from kizuna.apps.customers.services import accounts_mark_health_stale
from kizuna.apps.health import services
from kizuna.apps.health.models import HealthScore
from kizuna.apps.health.services import health_scores_refresh, health_scores_rescore_marked
from kizuna.apps.jobs.models import JobState
from kizuna.apps.jobs.registry import daily_jobs
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.apps.touchpoints.services import touchpoint_create
from tests.factories import World

LAST_TOUCH = dt.date(2026, 6, 10)  # the scored world's only touch


@pytest.fixture
def today(scored_world: World) -> dt.date:
    """Today, with the nightly run done: every daily job ran, today's scores exist."""
    day = tenant_today()
    health_scores_refresh(day=day)
    for job in daily_jobs():
        JobState.objects.create(name=job.name, last_run_on=day, last_status="ok")
    return day


def _log_a_call(world: World) -> None:
    touchpoint_create(
        actor=world.csm,
        account=world.account,
        data={"kind": "call", "occurred_at": timezone.now(), "summary": "契約更新の相談"},
    )


def test_the_minute_job_rescores_an_account_after_a_touch(
    scored_world: World, today: dt.date
) -> None:
    # given this morning's score: no usage in 28 days, no sentiment; only the touch counts,
    # and its last touch is months old → 0 points of the whole 100
    before = HealthScore.objects.get(day=today)
    assert before.inputs["days_since_touch"] == (today - LAST_TOUCH).days
    assert (before.points["touch"], before.score) == (0.0, 0.0)
    # when the CSM logs a call, and the worker's minute loop runs
    _log_a_call(scored_world)
    assert Account.objects.get(pk=scored_world.account.pk).health_stale_since is not None
    out = StringIO()
    call_command("run_jobs", "--once", stdout=out)
    # then today's score reflects the touch made today, and the mark is cleared
    after = HealthScore.objects.get(day=today)
    assert after.inputs["days_since_touch"] == 0
    assert (after.points["touch"], after.score, after.grade) == (100.0, 100.0, 5)
    assert "health.rescore_marked: 1 accounts rescored" in out.getvalue()
    assert Account.objects.get(pk=scored_world.account.pk).health_stale_since is None
    # and the account page explains it: 100.0 of a maximum of 100.0 (8.7 with every input:
    # 10 of the weights' 115 with NPS and CSAT), naming the inputs without data
    page = _account_page(scored_world)
    assert "100.0 / 100.0" in page
    assert "(8.7)" in page
    assert "データなし: 計算から除外" in page
    assert "アクティブユーザー ÷ 契約席数" in page.split('id="health-missing"')[1]
    assert "CSMの所感（1〜5）" in page.split('id="health-missing"')[1]


def test_the_account_page_rescores_a_marked_account_before_the_worker(
    scored_world: World, today: dt.date
) -> None:
    # given a call logged a moment ago, the worker not run yet
    _log_a_call(scored_world)
    # when the account page is opened
    page = _account_page(scored_world)
    # then it shows (and keeps) the score the call gives
    assert HealthScore.objects.get(day=today).score == 100.0
    assert Account.objects.get(pk=scored_world.account.pk).health_stale_since is None
    assert '<span class="big">100</span>' in page


def test_a_touch_logged_during_a_rescoring_is_rescored_again(
    scored_world: World, today: dt.date, monkeypatch: Any
) -> None:
    # given an account marked, and another touch marking it again while it is being rescored
    accounts_mark_health_stale(account_ids=[scored_world.account.pk])
    rescore = services.health_scores_rescore

    def rescore_while_touched(*, day: dt.date, account_ids: list[int]) -> int:
        count = rescore(day=day, account_ids=account_ids)
        accounts_mark_health_stale(account_ids=account_ids)
        return count

    monkeypatch.setattr(services, "health_scores_rescore", rescore_while_touched)
    # when the minute job runs
    assert health_scores_rescore_marked(today=today) == 1
    # then the newer mark is kept for the next minute
    assert Account.objects.get(pk=scored_world.account.pk).health_stale_since is not None


def test_nothing_is_rescored_before_the_daily_run_scored_today(scored_world: World) -> None:
    # given yesterday's scores only, and a touch logged today
    today = tenant_today()
    health_scores_refresh(day=today - dt.timedelta(days=1))
    _log_a_call(scored_world)
    # when the minute job runs, then today is left to the daily run (no lone score of today)
    assert health_scores_rescore_marked(today=today) == 0
    assert not HealthScore.objects.filter(day=today).exists()
    assert Account.objects.get(pk=scored_world.account.pk).health_stale_since is not None


def _account_page(world: World) -> str:
    client = Client()
    client.force_login(world.csm)
    response = client.get(f"/accounts/{world.account.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_pages_read_from_snapshots_say_when_they_were_computed(
    scored_world: World, today: dt.date
) -> None:
    # given today's scores
    client = Client()
    client.force_login(scored_world.viewer)
    # when the health portfolio and the onboarding dashboard are opened
    portfolio = client.get("/health/").content.decode()
    onboarding = client.get("/onboarding/dashboard/").content.decode()
    # then each says "as of" a date and time in the company's time zone
    for body, marker in ((portfolio, "portfolio-as-of"), (onboarding, "onboarding-as-of")):
        part = body.split(f'id="{marker}"')[1][:300]
        assert 'class="as-of"' in part
        assert "JST 時点" in part


def test_an_edited_or_deleted_touch_is_rescored_too(scored_world: World, today: dt.date) -> None:
    # given a call logged today and rescored by the minute loop: a perfect touch score
    from kizuna.apps.touchpoints.models import Touchpoint
    from kizuna.apps.touchpoints.services import touchpoint_delete, touchpoint_update

    _log_a_call(scored_world)
    call_command("run_jobs", "--once", stdout=StringIO())
    call = Touchpoint.objects.get(account=scored_world.account, summary="契約更新の相談")
    assert HealthScore.objects.get(day=today).inputs["days_since_touch"] == 0
    # when its author moves it back to the old touch's day, the account is marked again
    touchpoint_update(
        actor=scored_world.csm,
        touchpoint=call,
        data={"occurred_at": dt.datetime(2026, 6, 10, 10, tzinfo=dt.UTC)},
    )
    assert Account.objects.get(pk=scored_world.account.pk).health_stale_since is not None
    call_command("run_jobs", "--once", stdout=StringIO())
    # then the score reads the old touch again
    assert (
        HealthScore.objects.get(day=today).inputs["days_since_touch"] == (today - LAST_TOUCH).days
    )
    # and when it is deleted, the account is marked and rescored once more
    touchpoint_delete(actor=scored_world.csm, touchpoint=call)
    assert Account.objects.get(pk=scored_world.account.pk).health_stale_since is not None
    call_command("run_jobs", "--once", stdout=StringIO())
    assert Account.objects.get(pk=scored_world.account.pk).health_stale_since is None
