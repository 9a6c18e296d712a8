"""Company-wide business settings, kept as data an admin edits (not Django settings)."""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kizuna.core.money import CURRENCIES


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(value)s"), params={"value": value})


#: The primary key of the one ``TenantSettings`` row.
SETTINGS_PK = 1


class TenantSettings(models.Model):
    """One row (pk=1): the company that runs this Kizuna."""

    company_name = models.CharField(_("company name"), max_length=200, default="Kizuna")
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default="JPY",
        choices=[(code, code) for code in CURRENCIES],
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Tokyo", validators=[validate_time_zone]
    )
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        _("fiscal year start month"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    year_end_closure = models.BooleanField(
        _("closed for the year end (12/29-1/3)"),
        default=True,
        help_text=_(
            "Task due dates count business days: weekends and national holidays are never "
            "counted, and 12/29-1/3 is not counted while this is on."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("company settings")
        verbose_name_plural = _("company settings")

    def __str__(self) -> str:
        return str(self.company_name)
