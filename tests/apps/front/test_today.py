"""Signing in lands each member on their start page; 今日 shows a CSM's onboardings to push
and health drops, each with its reason, the most urgent first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from kizuna.apps.health.selectors import grade_drop_rows, grade_drops
from kizuna.apps.onboarding.models import Onboarding
from kizuna.apps.onboarding.selectors import onboardings_to_push
from kizuna.apps.tenant.selectors import tenant_today
from tests.browser.test_today import stalled_onboarding_and_grade_drop
from tests.factories import PASSWORD, World


@pytest.mark.parametrize(
    ("username", "landing"),
    [
        ("csm", "coverage:worklist"),
        ("manager", "kpis:home"),
        ("admin", "kpis:home"),
        ("viewer", "kpis:home"),
    ],
)
def test_it_lands_each_role_on_its_start_page(world: World, username: str, landing: str) -> None:
    # given a member on the login page
    client = Client()
    # when they sign in through the form
    response = client.post(reverse("front:login"), {"username": username, "password": PASSWORD})
    # then they are sent home, and home sends them to their start page
    assert response.status_code == 302
    home = client.get(response["Location"])
    assert home["Location"] == reverse(landing)


def test_it_keeps_the_next_page_asked_for(world: World) -> None:
    client = Client()
    response = client.post(
        reverse("front:login") + "?next=/health/",
        {"username": "csm", "password": PASSWORD, "next": "/health/"},
    )
    assert response["Location"] == "/health/"


def test_it_sends_a_visitor_home_to_the_login_page(db: object) -> None:
    response = Client().get("/")
    assert response["Location"] == reverse("front:login")


def test_today_shows_onboardings_to_push_and_grade_drops_with_reasons(db: object) -> None:
    # given a stalled onboarding and a grade drop on the CSM's account
    world = stalled_onboarding_and_grade_drop()
    client = Client()
    client.force_login(world.csm)
    # when the CSM opens 今日
    body = client.get(reverse("coverage:worklist")).content.decode()
    # then both are there with why, in Japanese, dates in the Japanese format
    assert "フェーズ「キックオフ」の目標日" in body
    target = tenant_today() - dt.timedelta(days=3)
    assert f"{target.year}年{target.month}月{target.day}日" in body
    assert "アクティブユーザー ÷ 契約席数 -27.0 点" in body
    assert "グレード 4 → 2" in body


def test_an_in_progress_onboarding_past_its_phase_target_is_to_push(db: object) -> None:
    # given an onboarding still in progress whose current phase target has passed
    world = stalled_onboarding_and_grade_drop()
    onboarding = Onboarding.objects.get()
    today = tenant_today()
    Onboarding.objects.filter(pk=onboarding.pk).update(
        state="in_progress", current_target_on=today - dt.timedelta(days=1)
    )
    # when
    rows, total = onboardings_to_push(owner=world.csm, today=today)
    # then it is listed, with how late it is
    assert total == 1
    late = today - dt.timedelta(days=1)
    on = f"{late.year}年{late.month}月{late.day}日"
    assert rows[0][1] == f"フェーズ「キックオフ」が目標日（{on}）を 1 日過ぎています。"
    # and an onboarding on track is not
    Onboarding.objects.filter(pk=onboarding.pk).update(current_target_on=today)
    assert onboardings_to_push(owner=world.csm, today=today) == ([], 0)
    # and another CSM sees none of it
    assert onboardings_to_push(owner=world.teammate, today=today) == ([], 0)


def test_grade_drop_rows_name_the_components_that_lost_points(db: object) -> None:
    world = stalled_onboarding_and_grade_drop()
    [row] = grade_drop_rows(grade_drops(owner=world.csm))
    assert row.was == 4 and row.score.grade == 2
    assert [(str(label), delta) for label, delta in row.reasons] == [
        ("アクティブユーザー ÷ 契約席数", -27.0),
        ("利用の傾向（直近 7 日 ÷ 通常の週）", -5.0),
    ]
    assert grade_drop_rows(grade_drops(owner=world.teammate)) == []
