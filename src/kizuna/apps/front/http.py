"""The request type views see after the middleware: a signed-in member, the company settings
and htmx details. (Views behind ``login_required`` and the API's token auth get a ``User``.)"""

from __future__ import annotations

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
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if forwarded[-1]:
            return forwarded[-1]
    address = request.META.get("REMOTE_ADDR")
    return str(address) if address else None
