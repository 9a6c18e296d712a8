"""The request type views see after the middleware: a signed-in member, the company settings
and htmx details. (Views behind ``login_required`` and the API's token auth get a ``User``.)"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from kizuna.apps.org.models import User
from kizuna.apps.tenant.models import TenantSettings


class AuthedRequest(HttpRequest):
    user: User
    tenant: TenantSettings
    htmx: HtmxDetails


def client_ip_address(request: HttpRequest) -> str | None:
    """The address a request came from, for login throttling and the audit trail: the
    connection's, or behind a reverse proxy (``KIZUNA_BEHIND_PROXY``) the last address in
    X-Forwarded-For, the one the proxy itself saw (earlier ones are the client's to invent)."""
    if settings.BEHIND_PROXY:
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")[-1].strip()
        if _is_address(forwarded):
            return forwarded
    address = str(request.META.get("REMOTE_ADDR") or "")
    return address if _is_address(address) else None


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def login_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The username a login tried, as login throttling counts it: cut to the longest a member
    can have (a longer one names nobody, and would not fit django-axes' column)."""
    username = (credentials or {}).get("username", request.POST.get("username"))
    if username is None:
        return None
    return str(username)[: User._meta.get_field("username").max_length]
