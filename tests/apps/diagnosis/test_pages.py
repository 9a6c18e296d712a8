"""The diagnosis page and its settings: who reads them (managers, admins, viewers; CSMs are
refused), what they say, and the thresholds admins edit (errors in the member's language,
audited)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.diagnosis.models import DiagnosisFinding, DiagnosisRuleSetting
from kizuna.apps.diagnosis.selectors import (
    changes_to,
    diagnosis_changes,
    diagnosis_latest,
    latest_run,
)
from kizuna.apps.diagnosis.services import diagnosis_run
from kizuna.apps.org.models import User
from tests.factories import World

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 30)
PAGE = "/kpis/diagnosis/"


def client_for(user: User, language: str = "ja") -> Client:
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def test_the_page_is_mounted_under_kpis() -> None:
    assert reverse("diagnosis:page") == PAGE
    assert reverse("diagnosis:settings") == PAGE + "settings/"


@pytest.mark.parametrize(
    ("persona", "status"),
    [("csm", 403), ("outsider", 403), ("viewer", 200), ("manager", 200), ("admin", 200)],
)
def test_who_reads_the_page(world: World, persona: str, status: int) -> None:
    diagnosis_run(day=DAY)
    client = client_for(getattr(world, persona))
    assert client.get(PAGE).status_code == status
    assert client.get(PAGE + "settings/").status_code == status


def test_signed_out_is_sent_to_sign_in() -> None:
    response = Client().get(PAGE)
    assert response.status_code == 302 and "login" in response["Location"]


def test_before_the_first_run_the_page_says_so(world: World) -> None:
    body = client_for(world.viewer).get(PAGE).content.decode()
    assert "診断はまだありません" in body


def test_the_page_says_as_of_the_phase_the_fixes_and_every_rule_in_japanese(world: World) -> None:
    # given a stored run
    diagnosis_run(day=DAY)
    # when the viewer reads it (in Japanese, the default)
    client = client_for(world.viewer)
    client.get(PAGE)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PAGE)
    body = response.content.decode()
    # then
    assert "2026-11-30 時点" in body
    assert "組織の立ち上げ(0→3人)" in body  # the phase shown
    assert "次に直すべき3つ" in body
    assert "オペレーションを担うメンバー・チームがいる" in body
    assert "有効な CS オペレーション管理者 1 人" in body  # an evidence line with its count
    assert reverse("assignments:capacity") in body  # a rule's link
    assert "Not enough data" not in body and "Holds" not in body
    assert len(queries) <= 10  # the run, its findings, the changes' two runs, the layout


def test_the_page_in_english(world: World) -> None:
    diagnosis_run(day=DAY)
    body = client_for(world.manager, "en").get(PAGE).content.decode()
    assert "As of 2026-11-30" in body
    assert "Start-up (0 to 3 people)" in body
    assert "1 active CS ops admins" in body


def test_team_names_follow_the_readers_language(world: World) -> None:
    world.strategic.name_ja, world.strategic.name_en = "戦略チーム", "Strategic team"
    world.strategic.save()
    diagnosis_run(day=DAY)
    ja = client_for(world.viewer).get(PAGE).content.decode()
    en = client_for(world.manager, "en").get(PAGE).content.decode()
    assert "戦略チーム:CSM 2 人、マネージャー 1 人" in ja and "Strategic team" not in ja
    assert "Strategic team: 2 CSMs, 1 managers" in en


def test_changes_since_last_month(world: World) -> None:
    # given a run a month ago where the ops team rule failed, and today's where it holds
    old = diagnosis_run(day=dt.date(2026, 10, 31))
    DiagnosisFinding.objects.filter(run=old, rule_key="ops_team").update(holds=False)
    diagnosis_run(day=DAY)
    # when
    changes = diagnosis_changes(dt.date(2026, 10, 30))
    # then
    assert changes is not None
    assert (changes.since_day, changes.latest_day) == (dt.date(2026, 10, 31), DAY)
    assert [(c.key, c.before, c.after) for c in changes.changes] == [("ops_team", False, True)]
    body = client_for(world.admin).get(PAGE).content.decode()
    assert "先月からの変化" in body and "2026-10-31 の診断から 2026-11-30 の診断まで" in body


def test_changes_need_two_runs(world: World) -> None:
    assert diagnosis_changes(DAY) is None
    diagnosis_run(day=DAY)
    assert diagnosis_changes(DAY) is None
    latest = diagnosis_latest()
    assert latest is not None and latest.day == DAY


def test_the_nearest_run_is_chosen_ties_to_the_earlier(world: World) -> None:
    for day in (dt.date(2026, 10, 1), dt.date(2026, 10, 21), DAY):
        diagnosis_run(day=day)
    changes = diagnosis_changes(dt.date(2026, 10, 11))  # 10 days from each
    assert changes is not None and changes.since_day == dt.date(2026, 10, 1)
    changes = diagnosis_changes(dt.date(2026, 10, 12))
    assert changes is not None and changes.since_day == dt.date(2026, 10, 21)


def test_changes_to_a_past_run_ignore_the_later_runs(world: World) -> None:
    # given runs on 31 August, 30 September and today, the ops team rule failing in August only
    august = diagnosis_run(day=dt.date(2026, 8, 31))
    DiagnosisFinding.objects.filter(run=august, rule_key="ops_team").update(holds=False)
    for day in (dt.date(2026, 9, 30), DAY):
        diagnosis_run(day=day)
    # when September's changes are asked (its last run, since its eve)
    september = latest_run(until=dt.date(2026, 9, 30))
    assert september is not None and september.day == dt.date(2026, 9, 30)
    changes = changes_to(september, dt.date(2026, 8, 31))
    # then today's run is not read, and the August run is the one compared
    assert changes is not None
    assert (changes.since_day, changes.latest_day) == (dt.date(2026, 8, 31), dt.date(2026, 9, 30))
    assert [(c.key, c.before, c.after) for c in changes.changes] == [("ops_team", False, True)]
    # and with a single run on or before the day, nothing to compare
    first = latest_run(until=dt.date(2026, 9, 1))
    assert first is not None and changes_to(first, dt.date(2026, 8, 1)) is None
    assert latest_run(until=dt.date(2026, 7, 31)) is None


def test_only_admins_edit_thresholds(world: World) -> None:
    url = reverse("diagnosis:setting_edit", args=["leaders_span"])
    for persona in ("csm", "viewer", "manager"):
        client = client_for(getattr(world, persona))
        assert client.get(url).status_code == 403
        assert client.post(url, {"max_csms_per_manager": "3"}).status_code == 403
    assert not DiagnosisRuleSetting.objects.exists()
    admin = client_for(world.admin)
    assert admin.get(reverse("diagnosis:setting_edit", args=["nope"])).status_code == 404


def test_an_admin_edits_a_threshold_audited(world: World) -> None:
    url = reverse("diagnosis:setting_edit", args=["leaders_span"])
    admin = client_for(world.admin)
    form = admin.get(url)
    assert form.status_code == 200
    # the breadcrumb leads back to the thresholds, not to the account list
    crumbs = f'<p class="crumbs"><a href="{reverse("diagnosis:settings")}">診断の閾値</a></p>'
    assert crumbs in form.content.decode()
    response = admin.post(url, {"max_csms_per_manager": "10"})
    assert response.status_code == 302
    setting = DiagnosisRuleSetting.objects.get(rule_key="leaders_span")
    assert setting.thresholds == {"max_csms_per_manager": 10.0}
    event = AuditEvent.objects.get(entity="diagnosisrulesetting")
    assert (event.action, event.actor_id, event.changes) == (
        "create",
        world.admin.pk,
        {"max_csms_per_manager": [None, 10.0]},
    )
    # back to the default: nothing is kept, and the change is audited
    assert admin.post(url, {"max_csms_per_manager": "8"}).status_code == 302
    assert DiagnosisRuleSetting.objects.get(rule_key="leaders_span").thresholds == {}
    last = AuditEvent.objects.filter(entity="diagnosisrulesetting").order_by("-pk").first()
    assert last is not None and last.changes == {"max_csms_per_manager": [10.0, None]}
    # the next run uses it; the settings page shows the value
    settings = admin.get(PAGE + "settings/").content.decode()
    assert "マネージャー1人あたりの CSM 数(上限)" in settings


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1.5", "この値は 1.0 以下でなければなりません。"),
        ("-1", "この値は 0.0 以上でなければなりません。"),
        ("abc", "数値で入力してください。"),
        ("nan", "数値で入力してください。"),
        ("", "このフィールドは必須です"),
    ],
)
def test_a_bad_threshold_is_refused_in_japanese(world: World, value: str, message: str) -> None:
    url = reverse("diagnosis:setting_edit", args=["managers_own_book"])
    response = client_for(world.admin).post(url, {"max_share": value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not DiagnosisRuleSetting.objects.exists()
    assert not AuditEvent.objects.filter(entity="diagnosisrulesetting").exists()


def test_the_nav_link_shows_for_readers_only(world: World) -> None:
    link = f'href="{PAGE}"'
    assert link in client_for(world.viewer).get("/kpis/diagnosis/").content.decode()
    assert link not in client_for(world.csm).get(reverse("coverage:dashboard")).content.decode()
