"""The audit trail of answers: an answer through the link is created, a second one through the
same link replaces it (old and new values), a posted one is created by the token's member; the
account's change history shows them in Japanese."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.surveys.models import SurveyAnswer
from tests.apps.surveys.helpers import survey_world
from tests.apps.surveys.test_answers_api import api
from tests.apps.surveys.test_public_page import sent, url
from tests.factories import World

pytestmark = pytest.mark.django_db


def _history(world: World) -> list[str]:
    """The account's change history as its lines of text (tags dropped)."""
    client = Client()
    client.force_login(world.admin)
    page = client.get(reverse("customers:account_detail", args=[world.account.pk])).text
    section = page.split('id="change-history"', 1)[1].split("</ul>", 1)[0]
    items = section.split("<li>")[1:]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip() for item in items]


def test_a_link_answer_and_its_replacement_are_audited_and_read_in_japanese(
    world: World,
) -> None:
    survey = survey_world(world)
    invitation = sent(survey)
    client = Client()
    link = url(invitation)
    client.post(link, {"score": "3", "comment": "導入が大変でした"})
    answer = SurveyAnswer.objects.get()
    first_time = answer.answered_at
    created = AuditEvent.objects.get(entity="surveyanswer", action="create")
    assert (created.entity_id, created.account_id, created.actor, created.via) == (
        answer.pk,
        survey.account.pk,
        None,
        "link",
    )
    contact = f"佐藤 一郎 (#{survey.decision_maker.pk})"
    assert created.changes == {
        "program": [None, "nps-30-90"],
        "contact": [None, contact],
        "kind": [None, "nps"],
        "score": [None, 3],
        "comment": [None, "導入が大変でした"],
        "answered_at": [None, first_time.isoformat()],
        "source": [None, "link"],
    }
    client.post(link, {"score": "9", "comment": "サポートに助けられました"})
    answer.refresh_from_db()
    replaced = AuditEvent.objects.get(entity="surveyanswer", action="update")
    assert (replaced.entity_id, replaced.account_id, replaced.via) == (
        answer.pk,
        survey.account.pk,
        "link",
    )
    assert replaced.changes == {
        "score": [3, 9],
        "comment": ["導入が大変でした", "サポートに助けられました"],
        "answered_at": [first_time.isoformat(), answer.answered_at.isoformat()],
        "replaced": [False, True],
    }
    history = [line.split(" · ", 2)[2] for line in _history(world)[:2]]
    # each change once, in the stored order (PostgreSQL's JSON keeps its own key order)
    head = "アンケートの回答 更新 "
    assert history[0].startswith(head)
    parts = sorted(history[0].removeprefix(head).split("; "))
    assert [part.split(": ", 1)[0] for part in parts] == sorted(
        ["スコア", "コメント", "回答日時", "回答し直し"]
    )
    assert {"スコア: 3 → 9", "コメント: 導入が大変でした → サポートに助けられました"} < set(parts)
    assert "回答し直し: いいえ → はい" in parts
    created = "アンケートの回答 作成 "
    assert history[1].startswith(created)
    parts = set(history[1].removeprefix(created).split("; "))
    assert {
        "アンケート: — → nps-30-90",
        f"担当者: — → {contact}",
        "種別: — → NPS（0〜10）",
        "スコア: — → 3",
        "コメント: — → 導入が大変でした",
        "回答経路: — → アンケートのリンク",
    } < parts
    assert any(part.startswith("回答日時: — → ") for part in parts)
    # no English word in the Japanese history (program codes and NPS are names)
    for line in history:
        words = re.findall(r"[A-Za-z]{3,}", line.replace("nps-30-90", "").replace("NPS", ""))
        assert words == [], line


def test_a_posted_answer_is_audited_as_the_tokens_member(world: World) -> None:
    survey = survey_world(world)
    response = api(
        world.admin,
        "post",
        "/surveys/answers",
        {"email": "sato@example.jp", "score": 10, "answered_at": "2026-03-02T10:00:00+09:00"},
    )
    assert response.status_code == 201
    event = AuditEvent.objects.get(entity="surveyanswer")
    assert (event.action, event.actor, event.via, event.account_id) == (
        "create",
        world.admin,
        "api",
        survey.account.pk,
    )
    assert event.changes["score"] == [None, 10]
    assert event.changes["source"] == [None, "api"]
    assert event.changes["answered_at"] == [
        None,
        dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC).isoformat(),
    ]
    # a refused answer records nothing
    response = api(
        world.admin,
        "post",
        "/surveys/answers",
        {"email": "sato@example.jp", "score": 11},
    )
    assert response.status_code in (400, 422)
    assert AuditEvent.objects.filter(entity="surveyanswer").count() == 1
