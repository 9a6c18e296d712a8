"""The touchpoint a member asks for by its id, for views and API endpoints. Whether they may
correct it is ``kizuna.apps.org.access.can_edit_touchpoint``'s to say."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from kizuna.apps.org.access import can_edit_touchpoint
from kizuna.apps.org.models import User
from kizuna.apps.touchpoints.models import Touchpoint


def access_touchpoint(user: User, touchpoint_id: int, *, write: bool = False) -> Touchpoint:
    """The touchpoint (with its account, owner and CSM), or 404 if it does not exist; 403 if
    ``write`` and ``user`` may not edit it (``can_edit_touchpoint``)."""
    try:
        touchpoint = Touchpoint.objects.select_related("account__owner", "csm").get(
            pk=touchpoint_id
        )
    except (Touchpoint.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if write and not can_edit_touchpoint(user, touchpoint):
        raise PermissionDenied
    return touchpoint
