"""REST endpoints of assignment: load per CSM, the change log, manual reassignment."""

import datetime as dt
from typing import Annotated, Any

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from kizuna.apps.api.schemas import Pages, errors
from kizuna.apps.assignments import selectors, services
from kizuna.apps.assignments.models import AssignmentChange
from kizuna.apps.customers.access import access_account
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.models import User

router = Router(tags=["assignment"])


class LoadOut(Schema):
    csm: str
    team: str | None
    serves: str
    accounts: dict[str, int] = Field(description="active accounts per segment")
    norm_min: int | None
    norm_max: int | None
    state: str = Field(description="over, under or ok against the norm")


class ChangeOut(Schema):
    id: int
    account_id: int
    from_owner: str | None
    to_owner: str | None
    source: str
    reason: str
    at: dt.datetime

    @staticmethod
    def resolve_from_owner(obj: AssignmentChange) -> str | None:
        return obj.from_owner.username if obj.from_owner else None

    @staticmethod
    def resolve_to_owner(obj: AssignmentChange) -> str | None:
        return obj.to_owner.username if obj.to_owner else None


class ReassignIn(Schema):
    owner: str = Field(description="username of the new owner CSM")
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


@router.get("/assignments/load", response=list[LoadOut], summary="Accounts per CSM vs the norm")
def get_assignment_load(request: AuthedRequest) -> list[dict[str, Any]]:
    return [
        {
            "csm": row.user.username,
            "team": row.user.team.code if row.user.team else None,
            "serves": row.serves,
            "accounts": row.counts,
            "norm_min": row.norm_min,
            "norm_max": row.norm_max,
            "state": row.state,
        }
        for row in selectors.load_rows()
    ]


@router.get("/assignment-changes", response=list[ChangeOut], summary="Owner changes, newest first")
@paginate(Pages, page_size=50)
def list_assignment_changes(request: AuthedRequest) -> Any:
    return AssignmentChange.objects.select_related("from_owner", "to_owner")


@router.post(
    "/accounts/{account_id}/reassign",
    response={200: ChangeOut, **errors(403, 404)},
    summary="Reassign an account",
)
def reassign_account(
    request: AuthedRequest, account_id: int, payload: ReassignIn
) -> AssignmentChange:
    account = access_account(request.user, account_id, write=True)
    owner = get_object_or_404(User, username=payload.owner, is_active=True)
    return services.account_reassign(
        actor=request.user, account=account, owner=owner, reason=payload.reason
    )
