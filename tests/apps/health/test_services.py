"""Scoring job, model versions, sentiment, and the backtest over the app's own history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kizuna.apps.health.models import HealthScore, ModelStatus, ScoreModelVersion, Sentiment
from kizuna.apps.health.services import (
    DEFAULT_MODELS,
    health_backtest,
    health_scores_refresh,
    score_model_create,
    score_model_publish,
    score_models_ensure_defaults,
    sentiment_set,
)
from tests.apps.health.conftest import TODAY
from tests.factories import World

D = dt.date


def test_the_defaults_are_published_once(db: Any) -> None:
    assert score_models_ensure_defaults() == len(DEFAULT_MODELS)
    assert score_models_ensure_defaults() == 0
    assert set(ScoreModelVersion.objects.values_list("name", "status")) == {
        ("onboarding", "published"),
        ("adoption", "published"),
        ("renewal", "published"),
    }


def test_it_scores_each_active_account_once_a_day(scored_world: World) -> None:
    assert health_scores_refresh(day=TODAY) == 1
    assert health_scores_refresh(day=TODAY) == 1  # again: replaced, not added
    s = HealthScore.objects.get()
    assert (s.account, s.day, s.model.name) == (scored_world.account, TODAY, "adoption")
    # active users 5 of 10 seats → full 30 × 100 / 85 (no sentiment, no adoption key features:
    # adoption 0 of none is null; trend null: no baseline) …
    assert s.inputs["active_user_ratio"] == 0.5
    assert s.inputs["days_since_touch"] == 20
    assert round(sum(v for v in s.points.values() if v is not None), 1) == s.score


def test_publishing_a_new_version_keeps_the_old_scores(scored_world: World) -> None:
    health_scores_refresh(day=TODAY)
    before = HealthScore.objects.get()
    old = ScoreModelVersion.objects.get(name="adoption", status="published")
    spec = {**old.spec, "components": [{**c, "weight": 1} for c in old.spec["components"]]}
    draft = score_model_create(
        actor=scored_world.admin, name="adoption", phase="adoption", segment="", spec=spec
    )
    score_model_publish(actor=scored_world.admin, model=draft)
    health_scores_refresh(day=TODAY + dt.timedelta(days=1))
    # then: yesterday's score is untouched and still names the old version
    kept = HealthScore.objects.get(day=TODAY)
    assert (kept.model_id, kept.score, kept.points) == (old.pk, before.score, before.points)
    assert HealthScore.objects.get(day=TODAY + dt.timedelta(days=1)).model_id == draft.pk
    old.refresh_from_db()
    assert old.status == ModelStatus.RETIRED
    with pytest.raises(ValidationError):
        score_model_publish(actor=scored_world.admin, model=draft)


def test_only_admins_make_models_and_bad_specs_are_refused(scored_world: World) -> None:
    spec = ScoreModelVersion.objects.get(name="adoption").spec
    with pytest.raises(PermissionDenied):
        score_model_create(
            actor=scored_world.manager, name="adoption", phase="adoption", segment="", spec=spec
        )
    with pytest.raises(ValidationError):
        score_model_create(
            actor=scored_world.admin,
            name="x",
            phase="adoption",
            segment="",
            spec={"components": []},
        )


def test_sentiment_needs_a_reason_an_expiry_and_edit_rights(scored_world: World) -> None:
    args = {"account": scored_world.account, "value": 2, "today": TODAY}
    with pytest.raises(PermissionDenied):
        sentiment_set(actor=scored_world.outsider, reason="x", until=TODAY, **args)
    with pytest.raises(ValidationError) as error:
        sentiment_set(
            actor=scored_world.csm, reason=" ", until=TODAY + dt.timedelta(days=400), **args
        )
    assert set(error.value.message_dict) == {"reason", "until"}
    first = sentiment_set(
        actor=scored_world.csm, reason="担当者が退職", until=TODAY + dt.timedelta(days=30), **args
    )
    second = sentiment_set(
        actor=scored_world.csm,
        reason="後任と関係構築",
        until=TODAY + dt.timedelta(days=30),
        **{**args, "value": 4},
    )
    first.refresh_from_db()
    assert first.until_day == TODAY - dt.timedelta(days=1) and second.value == 4
    health_scores_refresh(day=TODAY)
    assert HealthScore.objects.get().inputs["sentiment"] == 4.0
    assert Sentiment.objects.count() == 2


def test_the_backtest_never_reads_data_after_its_prediction_days(scored_world: World) -> None:
    model = ScoreModelVersion.objects.get(name="adoption").as_core()
    result = health_backtest(
        model=model, first=D(2026, 3, 1), last=D(2026, 6, 1), data_until=TODAY, horizons=(30,)
    )
    # the usage of 20 June is after every prediction day up to 1 June: never an input
    assert result.rows["data_until"].max() <= D(2026, 6, 1)
    assert result.rows.filter(result.rows["active_user_ratio"].is_not_null()).height == 0


def test_a_published_model_for_the_touch_model_wins_over_the_general_one(
    scored_world: World,
) -> None:
    scored_world.account.segment = "high"
    scored_world.account.save()
    spec = ScoreModelVersion.objects.get(name="adoption").spec
    high = score_model_create(
        actor=scored_world.admin, name="adoption-high", phase="adoption", segment="high", spec=spec
    )
    score_model_publish(actor=scored_world.admin, model=high)
    health_scores_refresh(day=TODAY)
    assert HealthScore.objects.get().model == high
    assert (
        ScoreModelVersion.objects.get(name="adoption").status == "published"
    )  # other segments keep it
