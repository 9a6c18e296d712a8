"""A step's two titles: the task a run opens is titled (and its reason written) in its owner's
language, falling back to the other title; the run keeps both, read in the reader's language;
the editor takes both; activating and deactivating; the migration that split the one title."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.playbooks.models import Playbook, PlaybookStep
from kizuna.apps.playbooks.services import (
    playbook_create,
    playbook_set_active,
    playbook_start,
    playbook_update,
)
from tests.apps.playbooks.test_pages import client_for
from tests.factories import World

pytestmark = pytest.mark.django_db

STEPS: list[dict[str, Any]] = [
    {"order": 1, "title_ja": "キックオフ", "title_en": "Kick-off meeting", "offset_days": 0},
    {"order": 2, "title_ja": "管理者設定の確認", "title_en": "", "offset_days": 7},
    {"order": 3, "title_ja": "", "title_en": "First usage review", "offset_days": 30},
]


@pytest.fixture
def kick_off(world: World) -> Playbook:
    return playbook_create(actor=world.admin, name="キックオフ", steps=STEPS)


@pytest.mark.parametrize(
    ("language", "titles", "reason"),
    [
        (
            "ja",
            ["キックオフ", "管理者設定の確認", "First usage review"],
            "プレイブック「キックオフ」のステップ 1。",
        ),
        (
            "en",
            ["Kick-off meeting", "管理者設定の確認", "First usage review"],
            "Step 1 of the playbook “キックオフ”.",
        ),
    ],
)
def test_the_tasks_take_the_owners_language(
    world: World, kick_off: Playbook, language: str, titles: list[str], reason: str
) -> None:
    # given the account's owner reads Kizuna in ``language``
    world.csm.language = language
    world.csm.save(update_fields=["language"])
    # when a rule starts the playbook (no member, so no request language) while the process
    # speaks the other language
    other = "en" if language == "ja" else "ja"
    with translation.override(other):
        run, _created = playbook_start(account=world.account, playbook=kick_off, by=None)
    # then each task is titled in the owner's language, else in the other one, and its
    # reason is in the owner's language
    tasks = [s.task for s in run.steps.select_related("task").order_by("order")]
    assert [t.title for t in tasks] == titles
    assert tasks[0].reason == reason
    # and the run keeps both titles of each step, read in the reader's language
    copied = [(s.title_ja, s.title_en) for s in run.steps.order_by("order")]
    assert copied == [(s["title_ja"], s["title_en"]) for s in STEPS]
    with translation.override("en"):
        assert [s.title for s in run.steps.order_by("order")] == [
            "Kick-off meeting",
            "管理者設定の確認",
            "First usage review",
        ]


def test_a_step_needs_a_title_in_one_language(world: World, kick_off: Playbook) -> None:
    blank = [{"order": 1, "title_ja": " ", "title_en": "", "offset_days": 0}]
    with pytest.raises(ValidationError) as refused:
        playbook_update(actor=world.admin, playbook=kick_off, name="K", steps=blank)
    assert refused.value.message_dict == {
        "steps": ["ステップ1: 日本語か英語のタイトルを入力してください。"]
    }
    assert kick_off.steps.count() == 3
    # the database refuses one too
    with pytest.raises(IntegrityError), transaction.atomic():
        PlaybookStep.objects.create(playbook=kick_off, order=9, offset_days=0, anchor="start")


def test_a_lone_title_is_the_japanese_one(world: World) -> None:
    # callers written before the two languages (a rule's tests, scripts) still create steps
    playbook = playbook_create(
        actor=world.admin,
        name="P",
        steps=[
            {"order": 1, "title": "電話", "offset_days": 0},
            {"order": 2, "title": "無視", "title_ja": "", "title_en": "Mail", "offset_days": 1},
        ],
    )
    assert [(s.title_ja, s.title_en) for s in playbook.steps.all()] == [("電話", ""), ("", "Mail")]


def test_deactivate_and_activate_are_audited_and_admins_only(
    world: World, kick_off: Playbook
) -> None:
    for member in (world.csm, world.manager, world.viewer):
        with pytest.raises(PermissionDenied):
            playbook_set_active(actor=member, playbook=kick_off, active=False)
    playbook_set_active(actor=world.admin, playbook=kick_off, active=False)
    playbook_set_active(actor=world.admin, playbook=kick_off, active=False)  # no change
    kick_off.refresh_from_db()
    assert kick_off.active is False
    playbook_set_active(actor=world.admin, playbook=kick_off, active=True)
    audits = AuditEvent.objects.filter(entity="playbook", action="update").order_by("pk")
    assert [a.changes for a in audits] == [{"active": [True, False]}, {"active": [False, True]}]


def test_the_editor_takes_both_titles_and_shows_them(world: World, kick_off: Playbook) -> None:
    client = client_for(world.admin)
    page = client.get(f"/playbooks/{kick_off.pk}/edit/").content.decode()
    assert "タイトル（日本語）" in page and "タイトル（英語）" in page
    assert 'value="Kick-off meeting"' in page and 'value="キックオフ"' in page
    data = {
        "name": "キックオフ",
        "description": "",
        "active": "on",
        "steps-TOTAL_FORMS": "2",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "50",
        "steps-0-order": "1",
        "steps-0-title_ja": "",
        "steps-0-title_en": "Kick-off",
        "steps-0-offset_days": "0",
        "steps-0-anchor": "start",
        "steps-0-rounding": "auto",
        "steps-0-priority": "high",
        "steps-1-order": "2",
        "steps-1-title_ja": "",
        "steps-1-title_en": "",
        "steps-1-offset_days": "3",
        "steps-1-anchor": "start",
        "steps-1-rounding": "auto",
        "steps-1-priority": "medium",
    }
    # a row without any title is refused on the row, nothing saved
    refused = client.post(f"/playbooks/{kick_off.pk}/edit/", data)
    assert refused.status_code == 400
    assert "日本語か英語のタイトルを入力してください。" in refused.content.decode()
    assert kick_off.steps.count() == 3
    data["steps-1-title_ja"] = "フォロー"
    saved = client.post(f"/playbooks/{kick_off.pk}/edit/", data)
    assert saved.status_code == 302
    assert [(s.title_ja, s.title_en) for s in kick_off.steps.all()] == [
        ("", "Kick-off"),
        ("フォロー", ""),
    ]
    # each reader sees the titles in their language, else the other one
    ja = client_for(world.viewer).get(f"/playbooks/{kick_off.pk}/").content.decode()
    en = client_for(world.csm, "en").get(f"/playbooks/{kick_off.pk}/").content.decode()
    assert "<td>Kick-off</td>" in ja and "<td>フォロー</td>" in ja
    assert "<td>Kick-off</td>" in en and "<td>フォロー</td>" in en


PLAYBOOKS = "playbooks"


def every_app_at(playbooks: str) -> list[tuple[str, str]]:
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    return [leaf for leaf in leaves if leaf[0] != PLAYBOOKS] + [(PLAYBOOKS, playbooks)]


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_one_title_as_the_japanese_one() -> None:
    # given, before the split, a playbook step and a run's step with one title each
    before = every_app_at("0001_playbooks")
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps: Any = executor.loader.project_state(before).apps
    user = apps.get_model("org", "User").objects.create(username="csm", role="csm")
    account = apps.get_model("customers", "Account").objects.create(name="A", kana="エー")
    playbook = apps.get_model(PLAYBOOKS, "Playbook").objects.create(name="P")
    apps.get_model(PLAYBOOKS, "PlaybookStep").objects.create(
        playbook=playbook, order=1, title="Kick-off", offset_days=0, anchor="start"
    )
    run = apps.get_model(PLAYBOOKS, "PlaybookRun").objects.create(
        playbook=playbook, account=account, started_on=dt.date(2026, 4, 28)
    )
    task = apps.get_model("tasks", "Task").objects.create(
        account=account, owner=user, title="Kick-off", due_date=dt.date(2026, 4, 28)
    )
    apps.get_model(PLAYBOOKS, "PlaybookRunStep").objects.create(
        run=run, order=1, title="Kick-off", due_on=dt.date(2026, 4, 28), task=task
    )
    # when the split runs
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    after = every_app_at("0002_step_titles_per_language")
    executor.migrate(after)
    # then the title is the Japanese one, the English one blank: read the same in both
    apps = executor.loader.project_state(after).apps
    step = apps.get_model(PLAYBOOKS, "PlaybookStep").objects.get()
    copied = apps.get_model(PLAYBOOKS, "PlaybookRunStep").objects.get()
    assert (step.title_ja, step.title_en) == ("Kick-off", "")
    assert (copied.title_ja, copied.title_en) == ("Kick-off", "")
