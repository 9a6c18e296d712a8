"""REST endpoints of health: an account's latest score with its parts, and the scores of a day."""

import datetime as dt
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from kizuna.apps.api.schemas import Day, Offset, errors
from kizuna.apps.customers.models import Account
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.health.models import HealthScore
from kizuna.apps.health.selectors import latest_score_day
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
