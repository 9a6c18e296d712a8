from __future__ import annotations

from django.http import HttpRequest

from kizuna.apps.tenant.models import TenantSettings
from kizuna.apps.tenant.selectors import tenant_settings_get


def tenant(request: HttpRequest) -> dict[str, TenantSettings | str]:
    settings = getattr(request, "tenant", None) or tenant_settings_get()
    return {"tenant": settings, "currency": settings.currency}
