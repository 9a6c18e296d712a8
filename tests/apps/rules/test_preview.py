"""A rule's preview from real data (health scores, usage drops, onboardings): the accounts it
matches today and the tasks and alerts of each of the last 12 weeks, exactly; on the rule page,
in the editor and through the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from kizuna.apps.customers.models import Account
from kizuna.apps.health.models import HealthScore, ScoreModelVersion
from kizuna.apps.health.services import score_models_ensure_defaults
from kizuna.apps.org.services import api_token_create
from kizuna.apps.rules import services
from kizuna.apps.rules.models import RuleVersion
from kizuna.apps.rules.selectors import matching_accounts, rule_preview
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.apps.usage.models import UsageDropSignal
from kizuna.core.rules.preview import Preview
from tests.factories import AccountFactory, World

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 30)


def ago(days: int, today: dt.date = TODAY) -> dt.date:
    return today - dt.timedelta(days=days)


def scores(account: Account, *rows: tuple[dt.date, int, str]) -> None:
    score_models_ensure_defaults()
    model = ScoreModelVersion.objects.filter(name="adoption").first()
    for on, grade, rag in rows:
        HealthScore.objects.create(
            account=account, day=on, model=model, score=50, grade=grade, rag=rag
        )


def red_history(world: World, today: dt.date = TODAY) -> None:
    """The account: red from 30 days ago to 21 days ago, green, red again from 5 days ago.
    The other account: red for one day, 60 days ago."""
    scores(
        world.account,
        (ago(30, today), 1, "red"),
        (ago(20, today), 4, "green"),
        (ago(5, today), 1, "red"),
    )
    scores(world.other_account, (ago(60, today), 1, "red"), (ago(59, today), 5, "green"))


def version(world: World, **data: Any) -> RuleVersion:
    rule = services.rule_create(actor=world.admin, name="赤", data=data)
    return RuleVersion.objects.get(rule=rule)


def weeks(result: Preview) -> list[tuple[int, int]]:
    return [(w.tasks, w.alerts) for w in result.weeks]


def test_health_red_replayed_week_by_week(world: World) -> None:
    # given
    red_history(world)
    every = version(world, trigger="health_red", cooldown_days=14)
    # when
    result = rule_preview(every, today=TODAY)
    # then: the weeks end on today, oldest first
    assert (result.weeks[0].start, result.weeks[-1].end) == (ago(83), TODAY)
    assert result.weeks[-1].start == ago(6)
    # the other account fired 60 days ago (week 3); the account 30 days ago (week 7), its task
    # open while it stayed red, and again 5 days ago (week 11), 25 days later than the first
    expected = [(0, 0)] * 12
    expected[3] = expected[7] = expected[11] = (1, 1)
    assert weeks(result) == expected
    assert result.matching_today == [world.account.pk]


def test_the_filter_and_the_actions_shape_the_counts(world: World) -> None:
    red_history(world)
    strategic = version(world, trigger="health_red", teams=["strategic"], actions=["task"])
    result = rule_preview(strategic, today=TODAY)
    expected = [(0, 0)] * 12
    expected[7] = expected[11] = (1, 0)
    assert weeks(result) == expected
    notify_only = version(world, trigger="health_red", grades=[5], actions=["notify"])
    # today's grade of both accounts is 1 (the other's is 5): only the other passes, and its
    # red day is replayed with today's facts
    result = rule_preview(notify_only, today=TODAY)
    expected = [(0, 0)] * 12
    expected[3] = (0, 1)
    assert weeks(result) == expected
    assert result.matching_today == []


def test_usage_drops_with_and_without_cool_down(world: World) -> None:
    for days in (10, 9, 2):
        UsageDropSignal.objects.create(
            account=world.account, as_of=ago(days), method="share", recent=1, baseline=10.0,
            value=0.1, threshold=0.5,
        )  # fmt: skip
    # 10 days ago fires (week 10); 9 days ago its task is still open; 2 days ago the task had
    # closed (8 days ago: no drop) but the cool-down of 14 days holds
    result = rule_preview(version(world, trigger="usage_drop", cooldown_days=14), today=TODAY)
    expected = [(0, 0)] * 12
    expected[10] = (1, 1)
    assert weeks(result) == expected
    assert result.matching_today == []
    result = rule_preview(version(world, trigger="usage_drop", cooldown_days=0), today=TODAY)
    expected[11] = (1, 1)
    assert weeks(result) == expected


def test_no_signals_no_accounts(db: Any) -> None:
    rule = RuleVersion(version=0, trigger="renewal_due", threshold=30, actions=["task"])
    result = rule_preview(rule, today=TODAY)
    assert weeks(result) == [(0, 0)] * 12
    assert result.matching_today == []


def test_at_most_50_matching_accounts_listed_by_name(db: Any) -> None:
    accounts = [AccountFactory(name=f"株式会社{n:03d}") for n in range(60)]
    result = Preview(matching_today=sorted(a.pk for a in accounts), weeks=[])
    listed = matching_accounts(result)
    assert [m.name for m in listed] == [f"株式会社{n:03d}" for n in range(50)]


def _client(user: Any, language: str = "ja") -> Client:
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def test_the_rule_page_shows_the_preview(world: World) -> None:
    today = tenant_today()
    red_history(world, today)
    rule = version(world, trigger="health_red").rule
    html = _client(world.csm).get(f"/rules/{rule.pk}/").content.decode()
    assert "今日該当する顧客：1 社" in html
    assert f'href="/accounts/{world.account.pk}/">株式会社山田製作所</a>' in html
    assert "直近12週（履歴から再現）：タスク 3 件、アラート 3 件" in html
    table = html[html.index('id="preview-weeks"') :]
    rows = [
        row.split("</td>")[1:3] for row in table.split("<tr>")[2:14]
    ]  # the 12 weeks' rows, oldest first
    counts = [tuple(int(cell.rsplit(">", 1)[1]) for cell in row) for row in rows]
    expected = [(0, 0)] * 12
    expected[3] = expected[7] = expected[11] = (1, 1)
    assert counts == expected
    assert "<svg" in html and "タスク" in html
    english = _client(world.viewer, "en").get(f"/rules/{rule.pk}/").content.decode()
    assert "Accounts matching today: 1" in english
    assert "Last 12 weeks, replayed from history: 3 tasks, 3 alerts" in english


def test_the_editor_previews_what_is_typed(world: World) -> None:
    today = tenant_today()
    red_history(world, today)
    rule = version(world, trigger="usage_drop").rule
    form = {
        "name": "赤", "trigger": "health_red", "actions": ["task"], "priority": "2",
        "cooldown_days": "14", "due_in_business_days": "2", "teams": ["strategic"],
        "action": "preview",
    }  # fmt: skip
    response = _client(world.admin).post(f"/rules/{rule.pk}/", form)
    assert response.status_code == 200
    html = response.content.decode()
    assert "編集中のルールのプレビュー（未保存）" in html
    assert "直近12週（履歴から再現）：タスク 2 件、アラート 0 件" in html
    assert RuleVersion.objects.filter(rule=rule).count() == 1


def test_the_api_preview(world: World) -> None:
    today = tenant_today()
    red_history(world, today)
    rule = version(world, trigger="health_red").rule
    _token, raw = api_token_create(user=world.viewer, name="bi")
    headers = {"Authorization": f"Bearer {raw}"}
    body = Client().get(f"/api/v1/rules/{rule.pk}/preview", headers=headers).json()
    assert body["matching_today"] == [world.account.pk]
    assert [(w["tasks"], w["alerts"]) for w in body["weeks"]] == [
        (0, 0), (0, 0), (0, 0), (1, 1), (0, 0), (0, 0), (0, 0), (1, 1), (0, 0), (0, 0), (0, 0),
        (1, 1),
    ]  # fmt: skip
    assert body["weeks"][-1]["end"] == today.isoformat()
    draft = Client().post(
        "/api/v1/rules/preview",
        {"trigger": "health_red", "teams": ["adoption"]},
        content_type="application/json",
        headers=headers,
    )
    assert [(w["tasks"], w["alerts"]) for w in draft.json()["weeks"]][3] == (1, 1)
    assert sum(w["tasks"] for w in draft.json()["weeks"]) == 1
