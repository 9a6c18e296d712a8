"""The request type views see after the middleware: a signed-in member, the company settings
and htmx details. (Views behind ``login_required`` and the API's token auth get a ``User``.)"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from kizuna.apps.org.models import User
from kizuna.apps.tenant.models import TenantSettings


class AuthedRequest(HttpRequest):
    user: User
    tenant: TenantSettings
    htmx: HtmxDetails
