"""REST endpoints for touchpoints (``/api/v1/…``)."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from kizuna.apps.api.schemas import Id, Pages, errors, omittable
from kizuna.apps.customers.access import access_account
from kizuna.apps.customers.models import Account, Contact
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.models import User
from kizuna.apps.touchpoints import services
from kizuna.apps.touchpoints.access import access_touchpoint
from kizuna.apps.touchpoints.models import Touchpoint
from kizuna.core.touchpoints import TouchKind

router = Router(tags=["touchpoints"])


class TouchpointOut(Schema):
    id: int
    account_id: int
    csm: str = Field(description="username of the CSM who made the contact")
    kind: str
    occurred_at: dt.datetime
    summary: str
    contact_ids: list[int]

    @staticmethod
    def resolve_csm(obj: Touchpoint) -> str:
        return str(obj.csm.username)

    @staticmethod
    def resolve_contact_ids(obj: Touchpoint) -> list[int]:
        return [contact.pk for contact in obj.contacts.all()]


class TouchpointPatch(Schema):
    """The fields to change; none of them can be `null`."""

    csm: str = omittable(max_length=150, description="username; defaults to the token's user")
    kind: TouchKind = omittable()
    occurred_at: dt.datetime = omittable(description="ISO 8601 with a time zone")
    summary: str = omittable(max_length=4000)
    contact_ids: list[Id] = omittable(max_length=100)


class TouchpointIn(TouchpointPatch):
    kind: TouchKind
    occurred_at: dt.datetime


def _resolve(account: Account, data: dict[str, Any]) -> tuple[dict[str, Any], list[Contact] | None]:
    errors: dict[str, str] = {}
    occurred_at = data.get("occurred_at")
    if occurred_at is not None and occurred_at.tzinfo is None:
        errors["occurred_at"] = _("Give the time with a time zone, e.g. 2026-11-25T10:00:00+09:00.")
    if data.get("csm") is not None:
        csm = User.objects.filter(username=data["csm"], is_active=True).first()
        if csm is None:
            errors["csm"] = _("Unknown user: %(value)s") % {"value": data["csm"]}
        data["csm"] = csm
    contacts: list[Contact] | None = None
    contact_ids = data.pop("contact_ids", None)
    if contact_ids is not None:
        contacts = list(account.contacts.filter(pk__in=contact_ids))
        if len(contacts) != len(set(contact_ids)):
            errors["contact_ids"] = _("Contacts must belong to this account.")
    if errors:
        raise ValidationError(errors)
    return data, contacts


@router.get(
    "/accounts/{account_id}/touchpoints", response={200: list[TouchpointOut], **errors(404)}
)
@paginate(Pages, page_size=50)
def list_touchpoints(request: AuthedRequest, account_id: int) -> Any:
    account = access_account(request.user, account_id)
    return account.touchpoints.select_related("csm").prefetch_related("contacts")


@router.post(
    "/accounts/{account_id}/touchpoints", response={201: TouchpointOut, **errors(403, 404)}
)
def create_touchpoint(
    request: AuthedRequest, account_id: int, payload: TouchpointIn
) -> Status[Touchpoint]:
    user = request.user
    account = access_account(user, account_id, write=True)
    data, contacts = _resolve(account, payload.dict(exclude_unset=True))
    touchpoint = services.touchpoint_create(
        actor=user, account=account, data=data, contacts=contacts or [], via="api"
    )
    return Status(201, touchpoint)


@router.get("/touchpoints/{touchpoint_id}", response={200: TouchpointOut, **errors(404)})
def get_touchpoint(request: AuthedRequest, touchpoint_id: int) -> Touchpoint:
    return access_touchpoint(request.user, touchpoint_id)


@router.patch("/touchpoints/{touchpoint_id}", response={200: TouchpointOut, **errors(403, 404)})
def update_touchpoint(
    request: AuthedRequest, touchpoint_id: int, payload: TouchpointPatch
) -> Touchpoint:
    """Correct a touchpoint: its author, a manager of the account's team or an admin (else 403).
    A date after today or before 2000-01-01 (company time) answers 400 on ``occurred_at``."""
    user = request.user
    touchpoint = access_touchpoint(user, touchpoint_id, write=True)
    data, contacts = _resolve(touchpoint.account, payload.dict(exclude_unset=True))
    return services.touchpoint_update(
        actor=user, touchpoint=touchpoint, data=data, contacts=contacts, via="api"
    )


@router.delete("/touchpoints/{touchpoint_id}", response={204: None, **errors(403, 404)})
def delete_touchpoint(request: AuthedRequest, touchpoint_id: int) -> Status[None]:
    """Delete a touchpoint (same permission as the update); the account's change history keeps
    what it said."""
    user = request.user
    touchpoint = access_touchpoint(user, touchpoint_id, write=True)
    services.touchpoint_delete(actor=user, touchpoint=touchpoint, via="api")
    return Status(204, None)
