"""REST endpoints of health: an account's latest score with its parts, the scores of a day, and
a model's stored backtest."""

import dataclasses
import datetime as dt
from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from kizuna.apps.api.schemas import Day, Offset, errors
from kizuna.apps.customers.models import Account
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.health.models import HealthScore, ScoreModelVersion
from kizuna.apps.health.selectors import latest_score_day, voc_sentence
from kizuna.apps.health.services import backtest_from_json, health_backtest_stored
from kizuna.apps.tenant.selectors import tenant_today

router = Router(tags=["health"])


class HealthScoreOut(Schema):
    account_id: int
    day: dt.date
    model: str = Field(description="name and version of the model that made the score")
    score: float | None
    rag: str
    grade: int | None
    forced_red: bool
    points: dict[str, float | None] = Field(description="component key → points (sum = score)")
    inputs: dict[str, Any] = Field(description="input name → value on that day")

    @staticmethod
    def resolve_model(obj: HealthScore) -> str:
        return str(obj.model)


class ScoresQuery(Schema):
    day: Day | None = None
    grade: int | None = Field(None, ge=1, le=5)
    limit: int = Field(500, ge=1, le=5000)
    offset: Offset = 0


class HistoryQuery(Schema):
    days: int = Field(90, ge=1, le=730)


@router.get("/health/scores", response=list[HealthScoreOut], summary="Health scores of a day")
def list_health_scores(request: AuthedRequest, query: Query[ScoresQuery]) -> Any:
    """The scores of ``day`` (default: the latest scored day), optionally of one grade."""
    day = query.day or latest_score_day()
    if day is None:
        return []
    rows = HealthScore.objects.filter(day=day).select_related("model").order_by("account_id")
    if query.grade is not None:
        rows = rows.filter(grade=query.grade)
    return rows[query.offset : query.offset + query.limit]


@router.get(
    "/accounts/{account_id}/health",
    response={200: list[HealthScoreOut], **errors(404)},
    summary="An account's score history (newest first)",
)
def list_account_health_scores(
    request: AuthedRequest, account_id: int, query: Query[HistoryQuery]
) -> Any:
    account = get_object_or_404(Account, pk=account_id)
    since = tenant_today() - dt.timedelta(days=query.days)
    return account.health_scores.filter(day__gte=since).select_related("model").order_by("-day")


class VocEffectOut(Schema):
    horizon_days: int
    rows: int = Field(description="labelled account-weeks both models scored")
    accounts_answered: int = Field(description="accounts with a survey answer on those rows")
    auc_with: float | None = Field(description="AUC of the model with NPS and CSAT")
    auc_without: float | None = Field(description="AUC of the model without them")
    verdict: str = Field(description="improves, does_not_improve or not_enough_data")
    sentence: str = Field(description="the verdict as the page words it")


class BacktestOut(Schema):
    model: str
    as_of: dt.date = Field(description="the day whose data the backtest used")
    auc: dict[str, float | None] = Field(description="horizon in days → churn AUC")
    voc: VocEffectOut | None = Field(description="what the survey components change")


@router.get(
    "/health/models/{model_id}/backtest",
    response={200: BacktestOut, **errors(404)},
    summary="A score model's stored backtest",
)
def get_model_backtest(request: AuthedRequest, model_id: int) -> Any:
    """The backtest the daily job stored for the model version (404 until one is stored)."""
    version = get_object_or_404(ScoreModelVersion, pk=model_id)
    stored = health_backtest_stored(version=version)
    if stored is None:
        raise Http404
    result = backtest_from_json(stored.result)
    voc = result.voc
    return {
        "model": str(version),
        "as_of": stored.as_of,
        "auc": {str(h): r.auc for h, r in sorted(result.churn.items())},
        "voc": None if voc is None else {**dataclasses.asdict(voc), "sentence": voc_sentence(voc)},
    }
