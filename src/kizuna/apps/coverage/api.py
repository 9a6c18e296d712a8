"""REST endpoints of coverage: snapshot figures and a CSM's worklist."""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema

from kizuna.apps.api.schemas import Day, errors
from kizuna.apps.coverage import selectors
from kizuna.apps.coverage.models import CoverageSnapshot
from kizuna.apps.customers.models import Account
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.models import Role, User
from kizuna.apps.tenant.selectors import tenant_today

router = Router(tags=["coverage"])


class CoverageRowOut(Schema):
    as_of: dt.date
    scope: str
    segment: str
    team: str | None
    csm: str | None
    covered: int
    total: int
    rate: float | None
    target: float

    @staticmethod
    def resolve_team(obj: CoverageSnapshot) -> str | None:
        return obj.team.code if obj.team else None

    @staticmethod
    def resolve_csm(obj: CoverageSnapshot) -> str | None:
        return obj.csm.username if obj.csm else None


class CoverageQuery(Schema):
    as_of: Day | None = None
    scope: Literal["segment", "team", "csm", ""] = ""


class DueOut(Schema):
    account_id: int
    name: str
    segment: str
    mrr: int
    last_touch: dt.date | None
    falls_out_on: dt.date | None
    days_left: int | None
    covered: bool


class WorklistQuery(Schema):
    csm: str = ""


@router.get("/coverage", response=list[CoverageRowOut], summary="Coverage snapshot rows")
def list_coverage(request: AuthedRequest, query: Query[CoverageQuery]) -> Any:
    """Rows of the snapshot as of ``as_of`` (default: the latest snapshot)."""
    day = query.as_of or selectors.latest_snapshot_day()
    if day is None:
        return []
    rows = CoverageSnapshot.objects.filter(as_of=day).select_related("team", "csm")
    if query.scope:
        rows = rows.filter(scope=query.scope)
    return rows.order_by("scope", "segment", "id")


@router.get(
    "/worklist",
    response={200: list[DueOut], **errors(403, 404)},
    summary="A CSM's accounts by coverage due date",
)
def get_worklist(request: AuthedRequest, query: Query[WorklistQuery]) -> list[dict[str, Any]]:
    member = request.user
    if query.csm and query.csm != member.username:
        if member.role not in {Role.ADMIN, Role.MANAGER}:
            raise PermissionDenied
        member = get_object_or_404(User, username=query.csm)
    rows = selectors.due_list(
        accounts=Account.objects.filter(owner=member, mrr__gt=0), today=tenant_today()
    )
    return [
        {
            "account_id": account.pk,
            "name": account.name,
            "segment": due.segment,
            "mrr": due.mrr,
            "last_touch": due.last_touch,
            "falls_out_on": due.falls_out_on,
            "days_left": due.days_left,
            "covered": due.covered,
        }
        for due, account in rows
    ]
