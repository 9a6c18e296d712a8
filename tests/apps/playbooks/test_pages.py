"""The playbook pages in Japanese and English: the list, a playbook's page with its runs'
progress, the editor (admins only), starting from the account page, cancelling (with the
confirmation box); the personas who may not get 403."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from kizuna.apps.org.models import User
from kizuna.apps.playbooks.models import Playbook, PlaybookRun
from kizuna.apps.playbooks.services import playbook_start
from kizuna.apps.tasks.models import Task
from tests.factories import World

pytestmark = pytest.mark.django_db


def client_for(user: User, language: str = "ja") -> Client:
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def test_list_and_detail_in_japanese_and_english(
    world: World, playbook: Playbook, renewing: dt.date
) -> None:
    playbook_start(account=world.account, playbook=playbook, by=world.csm)
    ja = client_for(world.viewer).get("/playbooks/").content.decode()
    assert "プレイブック" in ja and "オンボーディング" in ja and "Playbooks" not in ja
    page = client_for(world.viewer).get(f"/playbooks/{playbook.pk}/").content.decode()
    assert "更新日の 120 日前" in page and "開始日の 3 日後" in page
    assert "0 / 4" in page and "株式会社山田製作所" in page and "キックオフ" in page
    assert "実行を中止" not in page  # the viewer may not cancel
    for english in ("Steps", "Running", "days before the renewal", "Cancel the run"):
        assert english not in page
    en = client_for(world.csm, "en").get(f"/playbooks/{playbook.pk}/").content.decode()
    assert "120 days before the renewal" in en and "Cancel the run" in en


def test_unknown_playbook_is_404(world: World) -> None:
    assert client_for(world.csm).get("/playbooks/999999/").status_code == 404


@pytest.mark.parametrize("persona", ["csm", "manager", "viewer"])
def test_the_editor_is_for_admins(world: World, playbook: Playbook, persona: str) -> None:
    client = client_for(getattr(world, persona))
    assert client.get("/playbooks/new/").status_code == 403
    assert client.get(f"/playbooks/{playbook.pk}/edit/").status_code == 403


def test_an_admin_creates_a_playbook_with_the_form(world: World) -> None:
    client = client_for(world.admin)
    assert client.get("/playbooks/new/").status_code == 200
    data = {
        "name": "更新準備",
        "description": "",
        "active": "on",
        "steps-TOTAL_FORMS": "3",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "50",
        "steps-0-order": "1",
        "steps-0-title_ja": "更新の打診",
        "steps-0-offset_days": "-120",
        "steps-0-anchor": "renewal",
        "steps-0-rounding": "auto",
        "steps-0-priority": "high",
        "steps-1-anchor": "start",
        "steps-1-rounding": "auto",
        "steps-1-priority": "medium",
        "steps-2-anchor": "start",
        "steps-2-rounding": "auto",
        "steps-2-priority": "medium",
    }
    response = client.post("/playbooks/new/", data)
    book = Playbook.objects.get(name="更新準備")
    assert response.status_code == 302 and response["Location"] == f"/playbooks/{book.pk}/"
    assert [(s.order, s.offset_days, s.anchor) for s in book.steps.all()] == [(1, -120, "renewal")]
    data["steps-0-offset_days"] = "99999999999"
    response = client.post(f"/playbooks/{book.pk}/edit/", data)
    assert response.status_code == 400
    assert "ステップ" in response.content.decode()


def test_start_from_the_account_page_and_cancel_with_confirmation(
    world: World, playbook: Playbook, renewing: dt.date
) -> None:
    client = client_for(world.csm)
    account_page = client.get(f"/accounts/{world.account.pk}/").content.decode()
    assert "プレイブックを開始" in account_page
    response = client.post(f"/playbooks/start/{world.account.pk}/", {"playbook": playbook.pk})
    assert response.status_code == 302
    run = PlaybookRun.objects.get()
    assert Task.objects.filter(origin="playbook", origin_id=run.pk).count() == 4
    client.post(f"/playbooks/start/{world.account.pk}/", {"playbook": playbook.pk})
    assert PlaybookRun.objects.count() == 1
    assert "4 件中 0 件完了" in client.get(f"/accounts/{world.account.pk}/").content.decode()
    # without the confirmation box nothing changes
    client.post(f"/playbooks/runs/{run.pk}/cancel/")
    run.refresh_from_db()
    assert run.state == "running"
    client.post(f"/playbooks/runs/{run.pk}/cancel/", {"confirm": "yes"})
    run.refresh_from_db()
    assert run.state == "cancelled"


@pytest.mark.parametrize("persona", ["teammate", "outsider", "viewer"])
def test_who_may_not_start_or_cancel_gets_403(
    world: World, playbook: Playbook, renewing: dt.date, persona: str
) -> None:
    client = client_for(getattr(world, persona))
    page = client.get(f"/accounts/{world.account.pk}/").content.decode()
    assert "プレイブックを開始" not in page
    response = client.post(f"/playbooks/start/{world.account.pk}/", {"playbook": playbook.pk})
    assert response.status_code == 403
    run, _ = playbook_start(account=world.account, playbook=playbook, by=world.csm)
    response = client.post(f"/playbooks/runs/{run.pk}/cancel/", {"confirm": "yes"})
    assert response.status_code == 403


def test_a_start_without_renewal_says_why(world: World, playbook: Playbook) -> None:
    client = client_for(world.csm)
    response = client.post(
        f"/playbooks/start/{world.account.pk}/", {"playbook": playbook.pk}, follow=True
    )
    assert "顧客に今後の更新日がありません" in response.content.decode()
    response = client.post(
        f"/playbooks/start/{world.account.pk}/",
        {"playbook": playbook.pk, "anchor_date": "9999-12-31"},
        follow=True,
    )
    assert "営業日カレンダーの範囲外" in response.content.decode()
    assert PlaybookRun.objects.count() == 0
