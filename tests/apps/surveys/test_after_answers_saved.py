"""Every way of saving answers tells ``after_answers_saved`` of them once, after they exist."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from kizuna.apps.surveys import answers as answers_module
from kizuna.apps.surveys import services
from kizuna.apps.surveys.answers import answer_post, answers_import
from kizuna.apps.surveys.models import InvitationStatus, SurveyAnswer, SurveyInvitation
from kizuna.apps.surveys.services import answer_through_link
from tests.apps.surveys.helpers import DUE, MORNING, survey_world
from tests.apps.surveys.test_answer_import import GOOD, TODAY, _file
from tests.factories import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def told(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    calls: list[list[int]] = []

    def record(*, answers: Sequence[SurveyAnswer]) -> None:
        assert all(SurveyAnswer.objects.filter(pk=a.pk).exists() for a in answers)
        calls.append(sorted(a.pk for a in answers))

    monkeypatch.setattr(services, "after_answers_saved", record)
    monkeypatch.setattr(answers_module, "after_answers_saved", record)
    return calls


def test_an_import_tells_of_its_answers_once(world: World, told: list[list[int]]) -> None:
    survey_world(world)
    answers_import(data=_file(*GOOD[:2]), today=TODAY)
    assert told == [sorted(SurveyAnswer.objects.values_list("pk", flat=True))]
    assert len(told[0]) == 2
    # a dry run saves nothing and tells nothing
    answers_import(data=_file(*GOOD[:2]), dry_run=True, today=TODAY)
    assert len(told) == 1


def test_a_posted_answer_and_a_link_answer_are_told(world: World, told: list[list[int]]) -> None:
    survey = survey_world(world)
    posted = answer_post(
        contact=survey.decision_maker,
        email="",
        program_code="nps-30-90",
        score=2,
        comment="",
        answered_at=MORNING,
        now=MORNING,
    )
    invitation = SurveyInvitation.objects.create(
        program=survey.program,
        schedule=survey.program.schedules.first(),
        account=survey.account,
        contact=survey.admin,
        due_on=DUE,
        status=InvitationStatus.SENT,
        sent_at=MORNING,
        expires_at=MORNING + dt.timedelta(days=14),
    )
    linked = answer_through_link(
        invitation=invitation, score=9, comment="", now=MORNING + dt.timedelta(hours=1)
    )
    assert told == [[posted.pk], [linked.pk]]
