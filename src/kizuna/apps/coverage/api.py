"""REST endpoints of coverage: snapshot figures and a CSM's worklist."""

import datetime as dt
from typing import Any, Literal

from ninja import Query, Router, Schema

from kizuna.apps.api.schemas import Day, errors
from kizuna.apps.coverage import selectors
from kizuna.apps.coverage.models import CoverageSnapshot
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import access_member
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
    """Rows as of ``as_of``: today (the default) is counted live, like the dashboard; an
    earlier day is read from its snapshot (none: an empty list)."""
    today = tenant_today()
    day = query.as_of or today
    if day == today:
        live = selectors.live_rows(selectors.coverage_live(today=today))
        scopes = [query.scope] if query.scope else ["csm", "segment", "team"]
        return [row for scope in scopes for row in live.of_scope(scope)]
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
    member = access_member(request.user, query.csm)
    rows = selectors.worklist_rows(member=member, today=tenant_today())
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
