"""Answers written straight into the table, for the follow-up tests."""

from __future__ import annotations

import datetime as dt

from kizuna.apps.surveys.followups import followups_for_answers
from kizuna.apps.surveys.models import DetractorFollowUp, SurveyAnswer
from tests.apps.surveys.helpers import Survey

#: Thursday 2026-04-30 10:00 in Tokyo: two business days later is 5/7 (Golden Week)
BEFORE_GW = dt.datetime(2026, 4, 30, 1, 0, tzinfo=dt.UTC)


def answer(
    survey: Survey, score: int, *, when: dt.datetime = BEFORE_GW, comment: str = "", **kw: object
) -> SurveyAnswer:
    """An NPS answer of the decision maker, its follow-up opened as the services do."""
    row = SurveyAnswer.objects.create(
        program=survey.program,
        kind=survey.program.kind,
        account=survey.account,
        contact=survey.decision_maker,
        score=score,
        comment=comment,
        answered_at=when,
        **kw,
    )
    followups_for_answers(answer_ids=[row.pk])
    return row


def followup_of(row: SurveyAnswer) -> DetractorFollowUp:
    return DetractorFollowUp.objects.get(answer=row)
