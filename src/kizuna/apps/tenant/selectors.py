"""Reads of the company settings."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone

from kizuna.apps.tenant.models import SETTINGS_PK, TenantSettings
from kizuna.core.calendar import local_day


def tenant_settings_get() -> TenantSettings:
    """The company settings row (pk=1, seeded by the migration ``tenant/0002_default_settings``).
    A read never writes: should the row be missing (a database emptied by hand or by a test's
    flush), the answer is an unsaved row with the model's defaults, which
    ``services.tenant_settings_update`` saves on the first change."""
    settings = TenantSettings.objects.filter(pk=SETTINGS_PK).first()
    return settings if settings is not None else TenantSettings(pk=SETTINGS_PK)


def tenant_today(settings: TenantSettings | None = None) -> dt.date:
    """Today's date in the company's time zone (business periods use this, not UTC)."""
    zone = zoneinfo.ZoneInfo((settings or tenant_settings_get()).time_zone)
    return local_day(timezone.now(), zone)
