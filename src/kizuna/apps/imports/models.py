"""Imports of a company's own records from CRM exports (docs/imports.md).

``ImportRun``: one import of one file (a real one, or one refused whole), with its counts, its
rejected rows and its unmatched owners; dry runs write nothing, so they have no run.
``SavedMapping``: per kind and source, the mapping file last used and the columns the last
import found (field → header), which the next import checks for schema drift.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

#: rejected rows kept on a run (the CLI and the dry run show every one)
REJECTS_KEPT = 1000


class ImportKind(models.TextChoices):
    ACCOUNTS = "accounts", _("Accounts")
    CONTACTS = "contacts", _("Contacts")
    LINES = "lines", _("Subscription lines")
    MEMBERS = "members", _("Members and teams")
    #: registered by ``apps.surveys`` (``services.register_kind``)
    ANSWERS = "answers", _("Survey answers")


class ImportFormat(models.TextChoices):
    SALESFORCE = "salesforce", "Salesforce"
    HUBSPOT = "hubspot", "HubSpot"
    KIZUNA = "kizuna", _("Kizuna CSV")


class RunStatus(models.TextChoices):
    IMPORTED = "imported", _("Imported")
    REFUSED = "refused", _("Refused")


class SavedMapping(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    source = models.CharField(_("source"), max_length=16, choices=ImportFormat.choices)
    mapping = models.JSONField(_("mapping"), default=dict)
    columns = models.JSONField(_("columns last imported"), default=dict)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("saved mapping")
        verbose_name_plural = _("saved mappings")
        constraints = [
            models.UniqueConstraint(fields=["kind", "source"], name="saved_mapping_kind_source")
        ]

    def __str__(self) -> str:
        return f"{self.kind} / {self.source}"


class ImportRun(models.Model):
    """``rejects``: ``[{"line": 3, "code": "no_name", "value": "…"}]`` (the first
    ``REJECTS_KEPT``); ``unmatched_owners``: ``[["田中 太郎", 12]]``; ``unknown_parents`` and
    ``parent_loops``: ``[["SF-2", "SF-9"]]`` (an account and the parent company not set, the
    first ``REJECTS_KEPT``); ``missing``: the count of
    accounts of this source the file did not name; ``error``: why a refused file was refused
    (``code: detail``)."""

    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    source = models.CharField(_("source"), max_length=16, choices=ImportFormat.choices)
    status = models.CharField(_("status"), max_length=16, choices=RunStatus.choices)
    via = models.CharField(_("via"), max_length=16, default="cli")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_runs",
    )
    file_name = models.CharField(_("file name"), max_length=255)
    encoding = models.CharField(_("encoding"), max_length=16, blank=True)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"))
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    missing = models.PositiveIntegerField(_("missing from the file"), default=0)
    rejects = models.JSONField(_("rejected rows"), default=list)
    unmatched_owners = models.JSONField(_("unmatched owners"), default=list)
    unknown_parents = models.JSONField(_("unknown parent companies"), default=list)
    parent_loops = models.JSONField(_("parent companies making a loop"), default=list)
    error = models.CharField(_("refused because"), max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self) -> str:
        return f"{self.kind} {self.source} {self.file_name}"
