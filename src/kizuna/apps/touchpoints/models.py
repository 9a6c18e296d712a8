"""Touchpoints (接点): logged contacts between the CS team and an account."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TouchpointKind(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    CALL = "call", _("Call")
    EMAIL = "email", _("E-mail")
    ONSITE = "onsite", _("On-site visit")
    WEBINAR = "webinar", _("Webinar (1:N)")
    OTHER = "other", _("Other")
    NOTE = "note", _("Internal note")


class Touchpoint(models.Model):
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="touchpoints",
    )
    csm = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("CSM"),
        on_delete=models.PROTECT,
        related_name="touchpoints",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=TouchpointKind.choices)
    occurred_at = models.DateTimeField(_("when"))
    summary = models.TextField(_("summary"), max_length=4000, blank=True)
    contacts = models.ManyToManyField(
        "customers.Contact", verbose_name=_("contacts met"), blank=True, related_name="touchpoints"
    )
    external_id = models.CharField(
        _("external ID"),
        max_length=200,
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text=_("Set by a CSV import (source:id) so a re-import adds nothing twice."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text=_("The author: the member who logged it (or imported it)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("touchpoint")
        verbose_name_plural = _("touchpoints")
        indexes = [
            # kind last: "has the account a touch of these kinds in this window" (coverage's
            # drill-downs, the last touch) is read from the index alone
            models.Index(fields=["account", "-occurred_at", "kind"]),
            models.Index(fields=["csm", "-occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"


class ImportSource(models.TextChoices):
    SALESFORCE = "salesforce", _("Salesforce activities")
    CALENDAR = "calendar", _("Calendar export (Outlook / Google)")
    CSV = "csv", _("Other CSV")


class ImportStatus(models.TextChoices):
    DRY_RUN = "dry_run", _("Preview (nothing imported)")
    IMPORTED = "imported", _("Imported")


class TouchpointImport(models.Model):
    """One uploaded file: its text, the column mapping, and the outcome of the last dry run or
    of the import. ``rejected_rows`` is ``[{"line": 3, "code": "unknown_account", "value": …}]``;
    the reasons are translated when shown (see ``imports.rejection_reason``)."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        related_name="touchpoint_imports",
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    imported_at = models.DateTimeField(_("imported"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=ImportSource.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    encoding = models.CharField(_("encoding"), max_length=16)
    raw_csv = models.TextField(_("file contents"))
    mapping = models.JSONField(_("column mapping"), default=dict)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.DRY_RUN
    )
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    duplicate_count = models.PositiveIntegerField(_("duplicates skipped"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    rejected_rows = models.JSONField(_("rejected rows"), default=list)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("touchpoint import")
        verbose_name_plural = _("touchpoint imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def encoding_label(self) -> str:
        """The encoding as people know it (Excel says Shift_JIS, Python says cp932)."""
        labels = {
            "utf-8-sig": "UTF-8 (BOM)",
            "utf-8": "UTF-8",
            "utf-16-le": "UTF-16 LE",
            "utf-16-be": "UTF-16 BE",
            "cp932": "Shift_JIS",
        }
        return labels.get(self.encoding, self.encoding)
