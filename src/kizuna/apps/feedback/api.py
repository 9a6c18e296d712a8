"""REST endpoints for feedback and feature requests: list and log feedback
(``/api/v1/feedback``), list, open, read and correct feature requests with their weight
(``/api/v1/feature-requests``), and move a request's status. docs/feedback.md."""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from kizuna.apps.api.schemas import Id, Pages, errors
from kizuna.apps.customers.access import access_account
from kizuna.apps.customers.models import Contact, Product
from kizuna.apps.feedback import selectors, services
from kizuna.apps.feedback.access import access_feature_request
from kizuna.apps.feedback.models import MAX_TEXT, MAX_TITLE, FeatureRequest, Feedback
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.models import User
from kizuna.apps.touchpoints.models import Touchpoint

router = Router(tags=["feedback"])

Status_ = Literal["new", "planned", "shipped", "declined"]


class FeedbackOut(Schema):
    id: int
    account_id: int
    contact_id: int | None
    touchpoint_id: int | None
    product: str | None = Field(description="product code, or null")
    feature_request_id: int | None
    text: str
    source: str = Field(description="touchpoint, account_page or api")
    created_by: str | None = Field(description="username of the member who logged it")
    created_at: dt.datetime

    @staticmethod
    def resolve_product(obj: Feedback) -> str | None:
        return obj.product.code if obj.product else None

    @staticmethod
    def resolve_created_by(obj: Feedback) -> str | None:
        return obj.created_by.username if obj.created_by else None


class FeedbackFiltersIn(Schema):
    account_id: Id | None = None
    product: str | None = Field(None, max_length=50, description="product code")
    feature_request_id: Id | None = None


class FeedbackIn(Schema):
    account_id: Id
    text: str = Field(max_length=MAX_TEXT)
    contact_id: Id | None = None
    touchpoint_id: Id | None = None
    feature_request_id: Id | None = None
    product: str | None = Field(
        None, max_length=50, description="product code, for feedback without a request"
    )


class FeatureRequestOut(Schema):
    id: int
    product: str = Field(description="product code")
    product_owner: str | None = Field(description="username of the product's owner")
    title: str
    description: str
    status: str
    decided_at: dt.datetime | None = Field(description="when shipped or declined")
    created_by: str | None
    created_at: dt.datetime
    accounts: int = Field(description="requesting accounts, each counted once")
    mrr_weight: int = Field(description="their current MRR summed, minor units")
    feedback: int = Field(description="linked feedback, repeats included")

    @staticmethod
    def resolve_id(obj: selectors.RequestRow) -> int:
        return obj.request.pk

    @staticmethod
    def resolve_product(obj: selectors.RequestRow) -> str:
        return str(obj.request.product.code)

    @staticmethod
    def resolve_product_owner(obj: selectors.RequestRow) -> str | None:
        owner = obj.request.product.owner
        return owner.username if owner else None

    @staticmethod
    def resolve_title(obj: selectors.RequestRow) -> str:
        return obj.request.title

    @staticmethod
    def resolve_description(obj: selectors.RequestRow) -> str:
        return obj.request.description

    @staticmethod
    def resolve_status(obj: selectors.RequestRow) -> str:
        return obj.request.status

    @staticmethod
    def resolve_decided_at(obj: selectors.RequestRow) -> dt.datetime | None:
        return obj.request.decided_at

    @staticmethod
    def resolve_created_by(obj: selectors.RequestRow) -> str | None:
        return obj.request.created_by.username if obj.request.created_by else None

    @staticmethod
    def resolve_created_at(obj: selectors.RequestRow) -> dt.datetime:
        return obj.request.created_at

    @staticmethod
    def resolve_mrr_weight(obj: selectors.RequestRow) -> int:
        return obj.mrr


class RequestFiltersIn(Schema):
    status: Status_ | None = None
    product: str | None = Field(None, max_length=50, description="product code")
    owner: str | None = Field(None, max_length=150, description="username of a product owner")


class FeatureRequestIn(Schema):
    product: str = Field(max_length=50, description="product code")
    title: str = Field(max_length=MAX_TITLE)
    description: str = Field("", max_length=MAX_TEXT)


class FeatureRequestPatch(Schema):
    product: str | None = Field(None, max_length=50, description="product code")
    title: str | None = Field(None, max_length=MAX_TITLE)
    description: str | None = Field(None, max_length=MAX_TEXT)


class StatusIn(Schema):
    status: Status_
    note: str = Field("", max_length=1000)


def _product(code: str | None) -> Product | None:
    if not code:
        return None
    product = Product.objects.filter(code=code).first()
    if product is None:
        raise ValidationError({"product": _("Unknown product: %(value)s") % {"value": code}})
    return product


def _row(request: FeatureRequest) -> selectors.RequestRow:
    weight = selectors.request_weight(request)
    return selectors.RequestRow(request, weight.accounts, weight.mrr, weight.feedback)


@router.get("/feedback", response={200: list[FeedbackOut]})
@paginate(Pages, page_size=50)
def list_feedback(request: AuthedRequest, filters: Query[FeedbackFiltersIn]) -> Any:
    """Every feedback (every member reads every one), newest first; filtered by account,
    product and feature request."""
    return selectors.feedback_filtered(
        selectors.FeedbackFilters(
            account_id=filters.account_id,
            product=_product(filters.product),
            feature_request_id=filters.feature_request_id,
        )
    )


def _part[M: (Contact, Touchpoint, FeatureRequest)](
    model: type[M], pk: int | None, field: str
) -> M | None:
    if pk is None:
        return None
    found: M | None = model._default_manager.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: _("Unknown id: %(value)s") % {"value": pk}})
    return found


@router.post("/feedback", response={201: FeedbackOut, **errors(403, 404)})
def create_feedback(request: AuthedRequest, payload: FeedbackIn) -> Status[Feedback]:
    """Log what an account said (source ``api``): whoever works the account (its owner CSM,
    a manager of its team, an admin), else 403. The contact and the touchpoint must be the
    account's; a declined request takes no more feedback (400)."""
    account = access_account(request.user, payload.account_id)
    feedback = services.feedback_log(
        actor=request.user,
        account=account,
        text=payload.text,
        source="api",
        contact=_part(Contact, payload.contact_id, "contact_id"),
        touchpoint=_part(Touchpoint, payload.touchpoint_id, "touchpoint_id"),
        feature_request=_part(FeatureRequest, payload.feature_request_id, "feature_request_id"),
        product=_product(payload.product),
        via="api",
    )
    return Status(201, feedback)


class FeedbackPatch(Schema):
    feature_request_id: Id = Field(description="the request the feedback asks for")


@router.patch("/feedback/{feedback_id}", response={200: FeedbackOut, **errors(403, 404)})
def update_feedback(request: AuthedRequest, feedback_id: Id, payload: FeedbackPatch) -> Feedback:
    """Name the feature request a logged feedback asks for: whoever may log feedback on its
    account, the owner of the request's product, an admin (else 403)."""
    feedback = Feedback.objects.filter(pk=feedback_id).first()
    if feedback is None:
        raise Http404
    target = _part(FeatureRequest, payload.feature_request_id, "feature_request_id")
    assert target is not None
    return services.feedback_link(
        actor=request.user, feedback=feedback, feature_request=target, via="api"
    )


@router.get("/feature-requests", response={200: list[FeatureRequestOut]})
@paginate(Pages, page_size=50)
def list_feature_requests(request: AuthedRequest, filters: Query[RequestFiltersIn]) -> Any:
    """Every feature request the filters keep, with its weight, heaviest (MRR weight) first."""
    owner = None
    if filters.owner:
        owner = User.objects.filter(username=filters.owner).first()
        if owner is None:
            raise ValidationError(
                {"owner": _("Unknown user: %(value)s") % {"value": filters.owner}}
            )
    return selectors.request_rows(
        selectors.RequestFilters(
            status=filters.status, product=_product(filters.product), owner=owner
        )
    )


@router.post("/feature-requests", response={201: FeatureRequestOut, **errors(403)})
def create_feature_request(
    request: AuthedRequest, payload: FeatureRequestIn
) -> Status[selectors.RequestRow]:
    """Open a feature request on a product (any member but a viewer), status new."""
    product = _product(payload.product)
    if product is None:
        raise ValidationError({"product": _("This field is required.")})
    created = services.feature_request_create(
        actor=request.user,
        product=product,
        title=payload.title,
        description=payload.description,
        via="api",
    )
    return Status(201, _row(access_feature_request(request.user, created.pk)))


@router.get("/feature-requests/{request_id}", response={200: FeatureRequestOut, **errors(404)})
def get_feature_request(request: AuthedRequest, request_id: Id) -> selectors.RequestRow:
    return _row(access_feature_request(request.user, request_id))


@router.patch(
    "/feature-requests/{request_id}", response={200: FeatureRequestOut, **errors(403, 404)}
)
def update_feature_request(
    request: AuthedRequest, request_id: Id, payload: FeatureRequestPatch
) -> selectors.RequestRow:
    """Correct the title, description or product: the product's owner, an admin, or the
    author while the request is new (else 403). Omitted or null fields stay as they are."""
    found = access_feature_request(request.user, request_id)
    services.feature_request_update(
        actor=request.user,
        feature_request=found,
        title=payload.title,
        description=payload.description,
        product=_product(payload.product),
        via="api",
    )
    return _row(access_feature_request(request.user, request_id))


@router.post(
    "/feature-requests/{request_id}/status",
    response={200: FeatureRequestOut, **errors(403, 404)},
)
def set_feature_request_status(
    request: AuthedRequest, request_id: Id, payload: StatusIn
) -> selectors.RequestRow:
    """Move the status (new → planned → shipped, or declined from new or planned): the
    product's owner or an admin (else 403); another move answers 400 ``invalid``. The first
    move to shipped notifies every requester once."""
    found = access_feature_request(request.user, request_id)
    services.feature_request_set_status(
        actor=request.user,
        feature_request=found,
        status=payload.status,
        note=payload.note,
        via="api",
    )
    return _row(access_feature_request(request.user, request_id))
