"""The feature request a member asks for by its id, for views and API endpoints. What they may
do to it is ``kizuna.apps.org.access``'s to say (``can_decide_feature_request``,
``can_edit_feature_request``)."""

from __future__ import annotations

from django.http import Http404

from kizuna.apps.feedback.models import FeatureRequest
from kizuna.apps.org.access import (
    can_decide_feature_request,
    can_edit_feature_request,
    can_view_feedback,
)
from kizuna.apps.org.models import User


def access_feature_request(user: User, request_id: int) -> FeatureRequest:
    """The request with what its pages show, or 404 (every active member reads every one)."""
    if not can_view_feedback(user):
        raise Http404
    try:
        return FeatureRequest.objects.select_related("product", "product__owner", "created_by").get(
            pk=request_id
        )
    except (FeatureRequest.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def may_decide(user: User, feature_request: FeatureRequest) -> bool:
    return can_decide_feature_request(user, product_owner_id=feature_request.product.owner_id)


def may_edit(user: User, feature_request: FeatureRequest) -> bool:
    return can_edit_feature_request(
        user,
        product_owner_id=feature_request.product.owner_id,
        created_by_id=feature_request.created_by_id,
        status=feature_request.status,
    )
