"""Survey answers in the health score and in the model page's backtest: the sentence saying
whether NPS improves the AUC, on the page and through the API."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.test import Client
from django.utils import translation

from kizuna.apps.health.frames import input_frames
from kizuna.apps.health.models import HealthScore, ScoreModelVersion, StoredBacktest
from kizuna.apps.health.selectors import voc_sentence
from kizuna.apps.health.services import (
    backtest_as_json,
    backtest_from_json,
    health_scores_refresh,
)
from kizuna.apps.org.services import api_token_create
from kizuna.apps.surveys.models import SurveyAnswer
from kizuna.apps.surveys.services import program_defaults_ensure
from kizuna.core.health.backtest import VocEffect
from kizuna.core.health.inputs import inputs_on
from tests.apps.health.conftest import TODAY
from tests.apps.health.test_stored_backtest import BACKTEST
from tests.factories import World

pytestmark = pytest.mark.django_db
UTC = dt.UTC
IMPROVES = VocEffect(90, 1200, 40, 12, 0.655, 0.612, "improves")


def _answer(world: World, when: dt.datetime, score: int, kind: str = "nps") -> SurveyAnswer:
    return SurveyAnswer.objects.create(
        program=program_defaults_ensure(),
        kind=kind,
        account=world.account,
        score=score,
        answered_at=when,
    )


def test_the_inputs_read_answers_by_their_company_day_and_nothing_later(
    scored_world: World,
) -> None:
    # given an answer late on 29 June in UTC (30 June in Tokyo), one on 1 July, and a CSAT
    _answer(scored_world, dt.datetime(2026, 6, 29, 16, tzinfo=UTC), 3)
    _answer(scored_world, dt.datetime(2026, 7, 1, 1, tzinfo=UTC), 10)
    _answer(scored_world, dt.datetime(2025, 7, 1, 1, tzinfo=UTC), 4, kind="csat")
    # when the inputs of 29 and 30 June are computed from the database
    frames = input_frames(first=TODAY - dt.timedelta(days=1), last=TODAY)
    before = inputs_on(TODAY - dt.timedelta(days=1), **frames).row(0, named=True)
    on = inputs_on(TODAY, **frames).row(0, named=True)
    # then the answer counts from its Tokyo day on, the July one never
    assert (before["nps_last"], before["csat_mean"], before["voc_answers"]) == (None, 4.0, 1)
    assert (on["nps_last"], on["csat_mean"], on["voc_answers"]) == (3.0, 4.0, 2)
    assert on["data_until"] == TODAY


def test_an_answer_moves_the_score_and_no_answer_leaves_it_as_before(
    scored_world: World,
) -> None:
    # given the day's score without any answer
    health_scores_refresh(day=TODAY)
    without = HealthScore.objects.get(account=scored_world.account, day=TODAY)
    assert without.points["nps"] is None and without.inputs["nps_last"] is None
    # when a detractor's answer arrives and the day is scored again
    _answer(scored_world, dt.datetime(2026, 6, 1, 1, tzinfo=UTC), 2)
    health_scores_refresh(day=TODAY)
    scored = HealthScore.objects.get(account=scored_world.account, day=TODAY)
    # then the NPS component is there with 0 points, and the others' share shrinks
    assert scored.inputs["nps_last"] == 2.0 and scored.points["nps"] == 0.0
    assert without.score is not None and scored.score is not None
    assert scored.score < without.score


def test_the_verdict_reads_back_from_storage_and_an_older_backtest_has_none() -> None:
    result = dataclasses.replace(BACKTEST, voc=IMPROVES)
    assert backtest_from_json(backtest_as_json(result)).voc == IMPROVES
    older = backtest_as_json(BACKTEST)
    del older["voc"]
    assert backtest_from_json(older).voc is None


def test_the_sentence_in_both_languages() -> None:
    not_enough = VocEffect(90, 0, 0, 0, None, None, "not_enough_data")
    worse = VocEffect(180, 10, 2, 7, 0.5, 0.75, "does_not_improve")
    with translation.override("ja"):
        assert voc_sentence(IMPROVES) == (
            "NPSを加えるとAUC（90日以内の解約）が0.612から0.655に改善します"
            "（アンケート回答のあった顧客: 12社）。"
        )
        assert voc_sentence(not_enough) == (
            "NPSがAUC（90日以内の解約）を改善するか判断するにはデータが足りません"
            "（アンケート回答のあった顧客: 0社）。"
        )
    with translation.override("en"):
        assert voc_sentence(IMPROVES) == (
            "NPS improves the AUC (churn within 90 days) from 0.612 to 0.655;"
            " 12 accounts had a survey answer."
        )
        assert voc_sentence(worse) == (
            "NPS does not improve the AUC (churn within 180 days): 0.750 without it,"
            " 0.500 with it; 7 accounts had a survey answer."
        )


def _store(version: ScoreModelVersion) -> None:
    StoredBacktest.objects.create(
        model=version,
        as_of=TODAY,
        result=backtest_as_json(dataclasses.replace(BACKTEST, voc=IMPROVES)),
    )


def test_the_model_page_says_whether_nps_improves_the_auc(scored_world: World) -> None:
    version = ScoreModelVersion.objects.get(name="adoption")
    _store(version)
    client = Client()
    client.force_login(scored_world.csm)
    page = client.get(f"/health/models/{version.pk}/").content.decode()
    assert 'id="voc-effect"' in page
    assert "NPSを加えるとAUC（90日以内の解約）が0.612から0.655に改善します" in page


def test_the_api_gives_the_stored_backtest_with_the_verdict(scored_world: World) -> None:
    version = ScoreModelVersion.objects.get(name="adoption")
    _token, raw = api_token_create(user=scored_world.csm, name="test")
    headers = {"Authorization": f"Bearer {raw}"}
    path = f"/api/v1/health/models/{version.pk}/backtest"
    # before the daily job stored one: 404; without a token: 401
    assert Client().get(path, headers=headers).status_code == 404
    assert Client().get(path).status_code == 401
    _store(version)
    body = Client().get(path, headers=headers, HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["auc"] == {"90": 0.7071067811865476, "180": None}
    assert body["voc"]["verdict"] == "improves"
    assert (body["voc"]["auc_with"], body["voc"]["auc_without"]) == (0.655, 0.612)
    assert body["voc"]["accounts_answered"] == 12
    assert body["voc"]["sentence"].startswith(("NPS improves", "NPSを加えると"))
    assert Client().get("/api/v1/health/models/999999/backtest", headers=headers).status_code == 404
