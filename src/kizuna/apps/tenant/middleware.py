"""Load the company settings once per request and use the company's time zone for it."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from kizuna.apps.tenant.selectors import tenant_settings_get


class TenantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = tenant_settings_get()
        request.tenant = tenant  # type: ignore[attr-defined]
        timezone.activate(zoneinfo.ZoneInfo(tenant.time_zone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
