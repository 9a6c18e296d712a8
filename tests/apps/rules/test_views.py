"""Rule pages: who sees and does what, the editor (preview without saving, save as a new
version), enabling with confirmation, the alert settings, Japanese and English."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from kizuna.apps.rules import services
from kizuna.apps.rules.models import AlertSettings, Rule, RuleVersion
from tests.factories import World

pytestmark = pytest.mark.django_db

PERSONAS = ["csm", "teammate", "manager", "outsider", "viewer", "admin"]


def client_for(user: Any, language: str = "ja") -> Client:
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def form(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "更新60日前",
        "trigger": "renewal_due",
        "threshold": "60",
        "actions": ["task", "notify"],
        "priority": "2",
        "cooldown_days": "14",
        "due_in_business_days": "2",
        "note": "",
        "action": "save",
        **overrides,
    }


@pytest.fixture
def rule(world: World) -> Rule:
    return services.rule_create(
        actor=world.admin, name="更新60日前", data={"trigger": "renewal_due", "threshold": 60}
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_member_reads_the_list_and_the_rule(world: World, rule: Rule, persona: str) -> None:
    client = client_for(getattr(world, persona))
    listing = client.get("/rules/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert f'href="/rules/{rule.pk}/"' in html
    assert 'href="/rules/"' in html  # the navigation's ルール
    assert ">ルール</a>" in html
    page = client.get(f"/rules/{rule.pk}/")
    assert page.status_code == 200
    admin = persona == "admin"
    body = page.content.decode()
    assert ('id="editor"' in body) is admin
    assert (f'action="/rules/{rule.pk}/enable/"' in body) is admin
    assert ('href="/rules/new/"' in html) is admin
    assert 'id="preview"' in body and 'id="history"' in body


def test_signed_out_visitors_are_sent_to_sign_in(rule: Rule) -> None:
    for url in ("/rules/", f"/rules/{rule.pk}/", "/rules/new/", "/rules/settings/"):
        assert Client().get(url).status_code == 302


@pytest.mark.parametrize("persona", ["csm", "teammate", "manager", "outsider", "viewer"])
def test_only_admins_write_through_the_pages(world: World, rule: Rule, persona: str) -> None:
    client = client_for(getattr(world, persona))
    assert client.get("/rules/new/").status_code == 403
    assert client.post("/rules/new/", form()).status_code == 403
    assert client.post(f"/rules/{rule.pk}/", form(threshold="30")).status_code == 403
    assert client.post(f"/rules/{rule.pk}/enable/", {"confirm": "yes"}).status_code == 403
    assert client.post(f"/rules/{rule.pk}/disable/").status_code == 403
    assert client.get("/rules/settings/").status_code == 403
    assert client.post("/rules/settings/", {"weekly_budget": "1"}).status_code == 403
    assert Rule.objects.count() == 1
    assert RuleVersion.objects.count() == 1
    assert not Rule.objects.get().enabled
    assert not AlertSettings.objects.exists()


def test_unknown_rules_are_404(world: World) -> None:
    client = client_for(world.admin)
    assert client.get("/rules/999999/").status_code == 404
    assert client.post("/rules/999999/enable/", {"confirm": "yes"}).status_code == 404
    assert client.get("/rules/99999999999999999999999/").status_code == 404


def test_the_new_rule_previews_without_saving_then_saves(world: World) -> None:
    client = client_for(world.admin)
    assert client.get("/rules/new/").status_code == 200
    preview = client.post("/rules/new/", form(action="preview"))
    assert preview.status_code == 200
    assert 'id="preview"' in preview.content.decode()
    assert "編集中のルールのプレビュー（未保存）" in preview.content.decode()
    assert not Rule.objects.exists()
    saved = client.post("/rules/new/", form(segments=["high"], note="最初"))
    rule = Rule.objects.get()
    assert saved.status_code == 302 and saved["Location"] == f"/rules/{rule.pk}/"
    version = RuleVersion.objects.get(rule=rule)
    assert (version.threshold, version.segments, version.note) == (60, ["high"], "最初")
    assert not rule.enabled


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"trigger": "health_red", "threshold": "3"}, "このトリガーにはしきい値を指定できません。"),
        ({"threshold": "99999999999999999999999"}, "以下でなければなりません"),
        ({"threshold": "3651"}, "0 から 3650 までの数を入力してください。"),
        ({"mrr_min": "10", "mrr_max": "9"}, "MRR の上限は下限以上にしてください。"),
        ({"actions": []}, "このフィールドは必須です。"),
        ({"trigger": "nope"}, "正しく選択してください"),
        ({"teams": ["no-such-team"]}, "正しく選択してください"),
        ({"name": "a\x00b"}, "field-error"),
    ],
)
def test_the_editor_refuses_bad_input_in_japanese(
    world: World, overrides: dict[str, Any], message: str
) -> None:
    response = client_for(world.admin).post("/rules/new/", form(**overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert "入力内容を確認してください" in html or "修正" in html
    assert message in html
    assert not Rule.objects.exists()


def test_an_edit_saves_the_next_version_and_the_history_shows_both(
    world: World, rule: Rule
) -> None:
    client = client_for(world.admin)
    preview = client.post(f"/rules/{rule.pk}/", form(threshold="30", action="preview"))
    assert preview.status_code == 200
    assert RuleVersion.objects.filter(rule=rule).count() == 1
    saved = client.post(f"/rules/{rule.pk}/", form(threshold="30", note="30日に短縮"))
    assert saved.status_code == 302
    assert list(
        RuleVersion.objects.filter(rule=rule)
        .order_by("version")
        .values_list("threshold", flat=True)
    ) == [60, 30]
    html = client.get(f"/rules/{rule.pk}/").content.decode()
    assert "バージョン 2（現在）" in html
    assert "30日に短縮" in html
    history = html[html.index('id="history"') :]
    assert history.index("30 以下") < history.index("60 以下")
    again = client.post(f"/rules/{rule.pk}/", form(threshold="30"), follow=True)
    assert "変更がないため" in again.content.decode()
    assert RuleVersion.objects.filter(rule=rule).count() == 2


def test_enabling_asks_for_confirmation(world: World, rule: Rule) -> None:
    client = client_for(world.admin)
    html = client.get(f"/rules/{rule.pk}/").content.decode()
    assert 'name="confirm"' in html
    unconfirmed = client.post(f"/rules/{rule.pk}/enable/", follow=True)
    assert "確認" in unconfirmed.content.decode()
    assert not Rule.objects.get(pk=rule.pk).enabled
    client.post(f"/rules/{rule.pk}/enable/", {"confirm": "yes"})
    assert Rule.objects.get(pk=rule.pk).enabled
    assert ">有効</span>" in client.get("/rules/").content.decode()
    client.post(f"/rules/{rule.pk}/disable/")
    assert not Rule.objects.get(pk=rule.pk).enabled
    assert client.get(f"/rules/{rule.pk}/enable/").status_code == 405


def test_the_alert_settings_form(world: World) -> None:
    client = client_for(world.admin)
    assert client.get("/rules/settings/").status_code == 200
    bad = client.post("/rules/settings/", {"weekly_budget": "1001", "digest_time": "08:00"})
    assert bad.status_code == 400
    assert not AlertSettings.objects.exists()
    good = client.post("/rules/settings/", {"weekly_budget": "3", "digest_time": "07:45"})
    assert good.status_code == 302
    settings = AlertSettings.objects.get()
    assert (settings.weekly_budget, settings.digest_time) == (3, dt.time(7, 45))
    assert "週 3 件まで" in client.get("/rules/").content.decode()


ENGLISH_WORDS = re.compile(
    r">[^<>{}]*\b(Trigger|Threshold|Preview|Enable|Save|Rules|Tasks|Alerts|History|Open a task|"
    r"Renewal within|High|Medium|Low|Notify|webhook)\b[^<>]*<"
)


def test_no_english_in_the_japanese_pages(world: World, rule: Rule) -> None:
    client = client_for(world.admin)
    for url in ("/rules/", f"/rules/{rule.pk}/", "/rules/new/", "/rules/settings/"):
        html = client.get(url).content.decode()
        assert not ENGLISH_WORDS.search(html), (url, ENGLISH_WORDS.search(html))
    html = client.get(f"/rules/{rule.pk}/").content.decode()
    assert "更新まで N 日以内" in html or "更新" in html
    assert "タスクを作成" in html or "タスク" in html


def test_the_pages_in_english(world: World, rule: Rule) -> None:
    client = client_for(world.admin, "en")
    html = client.get(f"/rules/{rule.pk}/").content.decode()
    assert "Version 1 (current)" in html
    assert "Renewal within N days" in html
    assert "at most 60" in html
    assert "Accounts matching today: 0" in html
    assert ">Rules</a>" in client.get("/rules/").content.decode()


@pytest.mark.parametrize(
    ("trigger", "threshold", "japanese", "english"),
    [
        ("setup_not_done", 14, "14日目までに初期設定未完了", "Setup not done by day 14"),
        ("setup_not_done", None, "キックオフ後も初期設定未完了",
         "Setup not done after the kick-off"),
        ("coverage_due", 30, "30日以内にカバー外になる", "Falls out of coverage within 30 days"),
        ("coverage_due", None, "120日以内にカバー外になる",
         "Falls out of coverage within 120 days"),
        ("renewal_due", 3650, "3,650日以内に更新", "Renewal within 3,650 days"),
        ("health_fell", 2, "ヘルスが2段階以上低下", "Health fell 2 grade(s) or more"),
        ("mrr_contraction", 9_223_372_036_854_775_807, "MRRが月9,223,372,036,854,775,807以上縮小",
         "MRR contracted by 9,223,372,036,854,775,807 or more a month"),
        ("health_red", None, "ヘルスが赤に", "Health turned red"),
    ],
)  # fmt: skip
def test_the_trigger_says_the_rules_own_threshold_not_n(
    world: World, trigger: str, threshold: int | None, japanese: str, english: str
) -> None:
    # given a rule with a threshold (or none: "within N days" reads 120 days ahead)
    rule = services.rule_create(
        actor=world.admin, name="閾値", data={"trigger": trigger, "threshold": threshold}
    )
    for language, text in (("ja", japanese), ("en", english)):
        client = client_for(world.csm, language)
        # when the list and the rule's page are read, then each says the threshold
        listed = client.get("/rules/").content.decode()
        assert f"<td>{text}</td>" in listed, (language, text)
        detail = client.get(f"/rules/{rule.pk}/").content.decode()
        assert f"<dd>{text}</dd>" in detail, (language, text)
        assert " N " not in listed and "N日" not in listed and "N days" not in detail
