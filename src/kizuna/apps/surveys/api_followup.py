"""REST endpoints of the detractor follow-ups (docs/surveys.md): the list a member sees
(``GET /api/v1/surveys/detractors``, scoped as the page) and a status change
(``PATCH /api/v1/surveys/detractors/{id}``: mark contacted, or resolve with a note)."""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from kizuna.apps.api.schemas import Pages, errors
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import (
    WorkScope,
    access_member,
    can_view_detractor_followups,
    detractor_followup_scope,
)
from kizuna.apps.surveys import followups as services
from kizuna.apps.surveys.followup_selectors import FollowUpFilters, followups_filtered
from kizuna.apps.surveys.models import DetractorFollowUp, FollowUpStatus
from kizuna.apps.tenant.selectors import tenant_today

router = Router(tags=["surveys"])


class FollowUpOut(Schema):
    id: int
    answer_id: int
    account_id: int
    owner: str | None = Field(description="the owner's username when it was opened")
    score: int
    answered_at: dt.datetime
    status: str = Field(description="new, contacted or resolved")
    sla_due_on: dt.date | None = Field(description="first contact due (business days)")
    overdue: bool
    first_contact_at: dt.datetime | None
    first_contact_via: str = Field(description="touchpoint, task, manual or empty")
    hours_to_first_contact: float | None
    task_id: int | None
    resolved_at: dt.datetime | None
    resolved_by: str | None
    resolution_note: str
    withdrawn_at: dt.datetime | None = Field(
        description="set when the answer was replaced by one no longer a detractor's"
    )

    @staticmethod
    def resolve_owner(obj: DetractorFollowUp) -> str | None:
        return obj.owner.username if obj.owner else None

    @staticmethod
    def resolve_resolved_by(obj: DetractorFollowUp) -> str | None:
        return obj.resolved_by.username if obj.resolved_by else None

    @staticmethod
    def resolve_overdue(obj: DetractorFollowUp) -> bool:
        return bool(getattr(obj, "is_overdue", False))


class FollowUpFiltersIn(Schema):
    status: Literal["open", "new", "contacted", "resolved"] | None = None
    owner: str | None = Field(
        None, max_length=150, description="a member's username (managers and admins)"
    )
    overdue: bool = False
    withdrawn: bool = Field(False, description="include the withdrawn follow-ups")


class FollowUpPatchIn(Schema):
    status: Literal["contacted", "resolved"]
    note: str = Field("", max_length=services.NOTE_MAX, description="required to resolve")


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _with_overdue(found: QuerySet[DetractorFollowUp], today: dt.date) -> Any:
    """Each row's overdue flag: new (not contacted, not resolved), SLA due day before today."""
    overdue = Q(status=FollowUpStatus.NEW, sla_due_on__lt=today)
    return found.annotate(is_overdue=Case(When(overdue, then=Value(True)), default=Value(False)))


@router.get("/surveys/detractors", response={200: list[FollowUpOut], **errors(403, 404)})
@paginate(Pages, page_size=50)
def list_detractor_followups(request: AuthedRequest, filters: Query[FollowUpFiltersIn]) -> Any:
    """The detractor follow-ups a member sees, newest answer first: a CSM their accounts',
    a manager their team's, an admin all; ``owner`` picks a member (403 for a CSM)."""
    _require(can_view_detractor_followups(request.user))
    if filters.owner:
        scope = WorkScope(member=access_member(request.user, filters.owner))
    else:
        scope = detractor_followup_scope(request.user)
    today = tenant_today()
    found = followups_filtered(
        scope,
        FollowUpFilters(
            status=filters.status or "", overdue=filters.overdue, withdrawn=filters.withdrawn
        ),
        today=today,
    ).select_related("resolved_by")
    return _with_overdue(found, today)


@router.patch(
    "/surveys/detractors/{followup_id}", response={200: FollowUpOut, **errors(400, 403, 404)}
)
def patch_detractor_followup(
    request: AuthedRequest, followup_id: int, payload: FollowUpPatchIn
) -> Status[Any]:
    """Mark the follow-up contacted (now) or resolve it with a note: its owner or the
    account's, a manager of its team, an admin (403 otherwise). 400 ``invalid`` when already
    resolved (or contacted, to mark contacted) or the note is missing."""
    _require(can_view_detractor_followups(request.user))
    followup = get_object_or_404(
        DetractorFollowUp.objects.select_related("account"), pk=followup_id
    )
    try:
        if payload.status == "contacted":
            followup = services.followup_mark_contacted(
                actor=request.user, followup=followup, via="api"
            )
        else:
            followup = services.followup_resolve(
                actor=request.user, followup=followup, note=payload.note, via="api"
            )
    except ValidationError as error:
        message = "; ".join(m for found in error.message_dict.values() for m in found)
        return Status(400, {"error": {"code": "invalid", "message": message}})
    again = DetractorFollowUp.objects.select_related("owner", "resolved_by").filter(pk=followup.pk)
    return Status(200, _with_overdue(again, tenant_today()).get())
