"""REST endpoints for notifications (each member their own), notification preferences, and
for CS ops admins webhook endpoints and the delivery log (``/api/v1/…``)."""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from kizuna.apps.api.schemas import Id, Pages, errors, omittable
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.notify import selectors, services
from kizuna.apps.notify.events import EVENT_TYPES
from kizuna.apps.notify.models import (
    Channel,
    Delivery,
    DeliveryState,
    Mode,
    NotificationPreference,
    WebhookEndpoint,
)
from kizuna.apps.org.access import can_manage_webhooks, can_use_notifications, can_view_deliveries

router = Router(tags=["notifications"])

EventType = Literal[
    "task.created", "task.completed", "health.grade_changed", "onboarding.state_changed",
    "account.segment_changed", "coverage.lost", "rule.fired",
]  # fmt: skip
assert set(EventType.__args__) == set(EVENT_TYPES)  # type: ignore[attr-defined]


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    link: str
    priority: Literal["low", "medium", "high"]
    account_id: int | None
    created_at: dt.datetime
    read_at: dt.datetime | None
    held_for_digest: bool  # shown in the app only; its message comes in the morning digest


@router.get("/notifications", response={200: list[NotificationOut], **errors(403)})
@paginate(Pages, page_size=50)
def list_notifications(request: AuthedRequest, unread: bool = False) -> Any:
    """The token's member's own notifications, newest first (``unread=true``: unread only)."""
    _require(can_use_notifications(request.user))
    return selectors.notifications_for(request.user, unread_only=unread)


class MarkReadIn(Schema):
    ids: list[Id] = Field(default_factory=list, max_length=500)
    all: bool = False


class MarkReadOut(Schema):
    marked: int = Field(description="how many unread notifications were marked read")


@router.post("/notifications/read", response={200: MarkReadOut, **errors(403)})
def mark_notifications_read(request: AuthedRequest, payload: MarkReadIn) -> MarkReadOut:
    """Mark ``ids`` read, or every unread notification with ``all``; ids of other members'
    notifications change nothing. Neither given: 400."""
    _require(can_use_notifications(request.user))
    if not payload.all and not payload.ids:
        raise ValidationError({"ids": [_("Give the notifications' ids, or all: true.")]})
    ids = None if payload.all else payload.ids
    return MarkReadOut(marked=services.notifications_mark_read(member=request.user, ids=ids))


class PreferenceOut(Schema):
    email: bool
    slack: bool
    slack_webhook_url: str
    teams: bool
    teams_webhook_url: str
    mode: Literal["immediate", "digest"]
    quiet_start: dt.time | None = Field(description="company time, e.g. 22:00")
    quiet_end: dt.time | None = Field(description="company time, e.g. 07:00")
    digest: bool


class PreferenceIn(Schema):
    """The fields to change; the others keep their value."""

    email: bool = omittable()
    slack: bool = omittable()
    slack_webhook_url: str = omittable(max_length=500)
    teams: bool = omittable()
    teams_webhook_url: str = omittable(max_length=500)
    mode: Literal["immediate", "digest"] = omittable()
    quiet_start: dt.time | None = Field(None, description="company time; null: no quiet hours")
    quiet_end: dt.time | None = Field(None, description="company time; null: no quiet hours")
    digest: bool = omittable()


@router.get("/notifications/preferences", response={200: PreferenceOut, **errors(403)})
def get_notification_preferences(request: AuthedRequest) -> NotificationPreference:
    _require(can_use_notifications(request.user))
    return selectors.preference_for(request.user)


@router.put("/notifications/preferences", response={200: PreferenceOut, **errors(403)})
def update_notification_preferences(
    request: AuthedRequest, payload: PreferenceIn
) -> NotificationPreference:
    """Change the token's member's own preferences. A channel switched on needs its URL (or,
    for e-mail, nothing); quiet hours need both ends, different (400 otherwise)."""
    _require(can_use_notifications(request.user))
    current = selectors.preference_for(request.user)
    values = {name: getattr(current, name) for name in services.PREFERENCE_FIELDS}
    values.update(payload.dict(exclude_unset=True))
    problems: dict[str, list[str]] = {}
    if values["slack"] and not values["slack_webhook_url"]:
        problems["slack_webhook_url"] = [_("Give the Slack incoming-webhook URL.")]
    if values["teams"] and not values["teams_webhook_url"]:
        problems["teams_webhook_url"] = [_("Give the Teams incoming-webhook URL.")]
    if (values["quiet_start"] is None) != (values["quiet_end"] is None):
        problems["quiet_end"] = [_("Give both ends of the quiet hours, or neither.")]
    elif values["quiet_start"] is not None and values["quiet_start"] == values["quiet_end"]:
        problems["quiet_end"] = [_("The quiet hours must end at another time.")]
    if problems:
        raise ValidationError(problems)
    return services.preference_update(member=request.user, **values)


class EndpointOut(Schema):
    id: int
    url: str
    description: str
    event_types: list[str]
    active: bool
    created_at: dt.datetime
    deactivated_at: dt.datetime | None


class EndpointCreatedOut(EndpointOut):
    secret: str = Field(description="whsec_…: shown in this answer only")


class EndpointIn(Schema):
    url: str = Field(max_length=500, pattern=r"^https?://\S+$")
    description: str = Field("", max_length=200)
    event_types: list[EventType] = Field(min_length=1, max_length=len(EVENT_TYPES) * 2)


@router.get("/webhook-endpoints", response={200: list[EndpointOut], **errors(403)})
@paginate(Pages, page_size=50)
def list_webhook_endpoints(request: AuthedRequest) -> Any:
    _require(can_manage_webhooks(request.user))
    return selectors.webhook_endpoints_list()


@router.post("/webhook-endpoints", response={201: EndpointCreatedOut, **errors(403)})
def create_webhook_endpoint(request: AuthedRequest, payload: EndpointIn) -> Status[WebhookEndpoint]:
    """A new endpoint; its signing secret is in this answer and never again."""
    _require(can_manage_webhooks(request.user))
    endpoint = services.webhook_endpoint_create(
        url=payload.url,
        description=payload.description,
        event_types=list(payload.event_types),
        by=request.user,
    )
    return Status(201, endpoint)


@router.post(
    "/webhook-endpoints/{endpoint_id}/deactivate", response={200: EndpointOut, **errors(403, 404)}
)
def deactivate_webhook_endpoint(request: AuthedRequest, endpoint_id: Id) -> WebhookEndpoint:
    _require(can_manage_webhooks(request.user))
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    return services.webhook_endpoint_deactivate(endpoint=endpoint)


class DeliveryOut(Schema):
    id: int
    channel: str
    target: str = Field(
        description="the e-mail address or endpoint URL; a member's Slack or Teams webhook URL "
        "shows its host only (the URL is a credential)"
    )
    event_type: str
    event_id: str
    state: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_status_code: int | None
    last_error: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    endpoint_id: int | None
    replay_of_id: int | None

    @staticmethod
    def resolve_target(obj: Delivery) -> str:
        return obj.shown_target


StateFilter = Literal["pending", "sent", "failed", "dead"]
ChannelFilter = Literal["inapp", "email", "slack", "teams", "webhook"]
assert set(StateFilter.__args__) == set(DeliveryState.values)  # type: ignore[attr-defined]
assert set(ChannelFilter.__args__) == set(Channel.values)  # type: ignore[attr-defined]
assert set(Mode.values) == {"immediate", "digest"}


@router.get("/deliveries", response={200: list[DeliveryOut], **errors(403)})
@paginate(Pages, page_size=50)
def list_deliveries(
    request: AuthedRequest,
    state: StateFilter | None = None,
    channel: ChannelFilter | None = None,
    failing: bool = False,
) -> Any:
    """Every delivery, newest first (``failing=true``: failed or dead ones only)."""
    _require(can_view_deliveries(request.user))
    return selectors.deliveries_list(state=state or "", channel=channel or "", failing=failing)


@router.post(
    "/deliveries/{delivery_id}/replay", response={201: DeliveryOut, **errors(403, 404, 409)}
)
def replay_delivery(request: AuthedRequest, delivery_id: Id) -> Status[Delivery]:
    """Send the delivery's payload again as a new delivery (a webhook keeps its
    ``webhook-id``). 409 for an in-app notification or a deactivated endpoint."""
    _require(can_view_deliveries(request.user))
    delivery = get_object_or_404(Delivery, pk=delivery_id)
    try:
        return Status(201, services.delivery_replay(delivery=delivery))
    except services.CannotReplay as refusal:
        raise HttpError(409, str(refusal)) from refusal
