from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from kizuna.apps.org.access import member_permissions


def permissions(request: HttpRequest) -> dict[str, Any]:
    """``can``: what the signed-in member may do, for the layout (no template reads a role)."""
    return {"can": SimpleLazyObject(lambda: member_permissions(request.user))}
