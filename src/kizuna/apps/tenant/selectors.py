"""Reads of the company settings."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone

from kizuna.apps.tenant.models import TenantSettings
from kizuna.core.calendar import local_day


def tenant_settings_get() -> TenantSettings:
    """The company settings row, created with the defaults on first use."""
    settings, _created = TenantSettings.objects.get_or_create(pk=1)
    return settings


def tenant_today(settings: TenantSettings | None = None) -> dt.date:
    """Today's date in the company's time zone (business periods use this, not UTC)."""
    zone = zoneinfo.ZoneInfo((settings or tenant_settings_get()).time_zone)
    return local_day(timezone.now(), zone)
