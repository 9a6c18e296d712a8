"""Writes to the company settings: checked (CS ops admins) and written to the audit trail."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from kizuna.apps.audit.services import audited_save, model_snapshot
from kizuna.apps.org.access import can_manage_tenant
from kizuna.apps.org.models import User
from kizuna.apps.tenant.models import SETTINGS_PK, TenantSettings

TENANT_FIELDS = [
    "company_name",
    "currency",
    "time_zone",
    "fiscal_year_start_month",
    "year_end_closure",
]


def tenant_settings_ensure() -> bool:
    """Put the company settings row back with the defaults if it is missing (the demo loader;
    the migration ``tenant/0002_default_settings`` seeds it). True when it was created."""
    _settings, created = TenantSettings.objects.get_or_create(pk=SETTINGS_PK)
    return created


@transaction.atomic
def tenant_settings_update(
    *, actor: User, data: Mapping[str, Any], via: str = "web"
) -> TenantSettings:
    """Change the company name, currency, time zone, fiscal year start or year-end closure
    (ValidationError, nothing saved, on an unknown time zone or month); PermissionDenied unless
    a CS ops admin."""
    if not can_manage_tenant(actor):
        raise PermissionDenied
    settings, _created = TenantSettings.objects.select_for_update().get_or_create(pk=SETTINGS_PK)
    before = model_snapshot(settings, TENANT_FIELDS)
    for name in TENANT_FIELDS:
        if name in data:
            setattr(settings, name, data[name])
    audited_save(settings, actor=actor, fields=TENANT_FIELDS, before=before, via=via)
    return settings
