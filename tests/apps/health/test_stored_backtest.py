"""The model page's backtest is computed by the daily job and stored per version and day; the
page reads it ("as of" its computation) and never replays the history while it answers,
unless someone asks for it with the button."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

import pytest
from django.test import Client

from kizuna.apps.health import services
from kizuna.apps.health.models import ModelStatus, ScoreModelVersion, StoredBacktest
from kizuna.apps.health.services import (
    Backtest,
    backtest_as_json,
    backtest_from_json,
    health_backtest_recent,
    health_backtests_store,
    score_model_create,
)
from kizuna.apps.health.tasks import backtest_models
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.health.backtest import BacktestResult, GradeRate
from kizuna.core.health.suggest import Suggestion
from tests.apps.health.conftest import TODAY
from tests.factories import World


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _result(horizon: int, auc: float | None) -> BacktestResult:
    return BacktestResult(
        horizon_days=horizon,
        rows=1_000_000_000,
        positives=3,
        base_rate=3 / 1_000_000_000,
        auc=auc,
        by_grade=tuple(GradeRate(g, 10 * g, g - 1, (g - 1) / (10 * g)) for g in range(1, 6)),
        worst_grade_lift=None,
        roc=((0.0, 0.0), (0.25, 0.5), (1.0, 1.0)),
        lead_days=(0, 7, 365),
        not_warned=1,
        expansion_auc=0.123456789012345,
    )


BACKTEST = Backtest(
    churn={90: _result(90, 0.7071067811865476), 180: _result(180, None)},
    suggestion=Suggestion(
        weights={"active_users": 62.5, "touch": 0.0},
        coefficients={"active_users": -1.25, "touch": 1e-300},
        cv_auc=0.75,
        rows=9,
        positives=2,
    ),
    rows=None,
    first=dt.date(1, 1, 1),
    last=dt.date(9999, 12, 31),
)


def test_a_backtest_reads_back_as_it_was_stored_without_its_rows() -> None:
    # when a backtest is turned into JSON and back
    again = backtest_from_json(backtest_as_json(BACKTEST))
    # then it is the same backtest (tuples stay tuples, horizons numbers), rows left out
    assert again == BACKTEST
    assert isinstance(again.churn[90].roc[1], tuple)
    assert dataclasses.replace(BACKTEST, suggestion=None) == backtest_from_json(
        backtest_as_json(dataclasses.replace(BACKTEST, suggestion=None))
    )


def test_a_field_stored_by_an_earlier_version_is_ignored() -> None:
    # given a stored result with a field the result no longer has
    data = backtest_as_json(BACKTEST)
    data["churn"]["90"]["extra"] = {}
    # when it is read back: the same backtest
    assert backtest_from_json(data) == BACKTEST


def test_a_figure_that_is_not_a_number_is_stored_as_none() -> None:
    # given a backtest whose AUC and cross-validated AUC are not numbers
    nan = dataclasses.replace(
        BACKTEST,
        churn={90: dataclasses.replace(_result(90, math.nan), worst_grade_lift=math.inf)},
        suggestion=dataclasses.replace(BACKTEST.suggestion, cv_auc=math.nan),  # type: ignore[type-var]
    )
    # when it is stored and read back: the figures are None (the page shows "—")
    again = backtest_from_json(backtest_as_json(nan))
    assert again.churn[90].auc is None and again.churn[90].worst_grade_lift is None
    assert again.suggestion is not None and again.suggestion.cv_auc is None


def test_the_daily_job_stores_each_version_in_use_and_keeps_the_latest(
    scored_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the published default models, a draft and a retired version
    draft = score_model_create(
        actor=None, name="adoption", phase="adoption", segment="", spec=_spec(), note=""
    )
    retired = score_model_create(
        actor=None, name="adoption-low", phase="adoption", segment="low", spec=_spec(), note=""
    )
    ScoreModelVersion.objects.filter(pk=retired.pk).update(status=ModelStatus.RETIRED)
    reads: list[Any] = []
    samples = services.backtest_samples
    monkeypatch.setattr(
        services, "backtest_samples", lambda **kw: reads.append(kw) or samples(**kw)
    )

    # when the job runs on two days
    report = backtest_models.call(TODAY.isoformat())
    backtest_models.call((TODAY + dt.timedelta(days=1)).isoformat())

    # then every version but the retired one has one stored backtest, of the later day; the
    # history was read once per run, over 265 … 90 days before the day
    in_use = ScoreModelVersion.objects.exclude(status=ModelStatus.RETIRED)
    assert report == f"backtests of {in_use.count()} score model versions"
    assert draft in in_use and in_use.count() == 4
    stored = StoredBacktest.objects.all()
    assert sorted(s.model_id for s in stored) == sorted(v.pk for v in in_use)
    assert {s.as_of for s in stored} == {TODAY + dt.timedelta(days=1)}
    assert reads == [
        {"first": dt.date(2025, 10, 8), "last": dt.date(2026, 4, 1)},
        {"first": dt.date(2025, 10, 9), "last": dt.date(2026, 4, 2)},
    ]
    # and what is stored is what the backtest of that day computes, rows left out
    version = ScoreModelVersion.objects.get(name="adoption", version=1)
    computed = services.health_backtest(
        model=version.as_core(),
        first=dt.date(2025, 10, 9),
        last=dt.date(2026, 4, 2),
        data_until=TODAY + dt.timedelta(days=1),
    )
    kept = backtest_from_json(stored.get(model=version).result)
    assert kept == dataclasses.replace(computed, rows=None)


def test_the_stored_backtest_of_today_serves_the_editor_too(
    scored_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given today's stored backtests
    health_backtests_store(today=TODAY)
    version = ScoreModelVersion.objects.get(name="adoption")
    monkeypatch.setattr(services, "health_backtest", _must_not_run)
    # when the editor asks for the version's backtest of today: it is the stored one
    result = health_backtest_recent(model=version.as_core(), today=TODAY, version=version)
    assert result == backtest_from_json(StoredBacktest.objects.get(model=version).result)


def test_the_page_says_none_is_stored_and_offers_to_compute_it(
    scored_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a version without a stored backtest
    version = ScoreModelVersion.objects.get(name="adoption")
    client = client_for(scored_world.csm)
    # when its page is read: no history is replayed, the page says so and offers the button
    monkeypatch.setattr(services, "backtest_samples", _must_not_run)
    page = client.get(f"/health/models/{version.pk}/").content.decode()
    assert 'id="backtest-missing"' in page
    assert "バックテストはまだ保存されていません" in page
    assert f'action="/health/models/{version.pk}/backtest/"' in page
    assert "AUC" not in page
    # when the reader asks for it (a GET does nothing)
    monkeypatch.undo()
    assert client.get(f"/health/models/{version.pk}/backtest/").status_code == 405
    response = client.post(f"/health/models/{version.pk}/backtest/")
    # then it is computed with today's data, stored, and the page shows it as of then
    assert response.status_code == 302
    assert response["Location"] == f"/health/models/{version.pk}/"
    stored = StoredBacktest.objects.get(model=version)
    assert stored.as_of == tenant_today()
    monkeypatch.setattr(services, "backtest_samples", _must_not_run)
    page = client.get(f"/health/models/{version.pk}/").content.decode()
    assert 'id="backtest-missing"' not in page
    assert 'id="backtest-as-of"' in page and "時点" in page
    assert "AUC" in page


def test_asking_for_a_backtest_needs_a_login(scored_world: World) -> None:
    version = ScoreModelVersion.objects.get(name="adoption")
    response = Client().post(f"/health/models/{version.pk}/backtest/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not StoredBacktest.objects.exists()
    assert client_for(scored_world.csm).post("/health/models/999999/backtest/").status_code == 404


def _spec() -> dict[str, Any]:
    return dict(ScoreModelVersion.objects.get(name="adoption", version=1).spec)


def _must_not_run(**kwargs: Any) -> Any:
    raise AssertionError("the history was replayed while the page answered")
