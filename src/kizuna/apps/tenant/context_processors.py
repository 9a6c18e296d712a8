from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kizuna.apps.tenant.selectors import tenant_settings_get


def tenant(request: HttpRequest) -> dict[str, Any]:
    settings = getattr(request, "tenant", None) or tenant_settings_get()
    return {"tenant": settings, "currency": settings.currency}
