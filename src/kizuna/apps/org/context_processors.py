from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from kizuna.apps.org.access import MemberPermissions, member_permissions


def permissions(request: HttpRequest) -> dict[str, SimpleLazyObject[MemberPermissions]]:
    """``can``: what the signed-in member may do, for the layout (no template reads a role)."""
    return {"can": SimpleLazyObject(lambda: member_permissions(request.user))}
