"""The ops list of import runs: read-only, written by ``imports.services`` (the command line
``kizuna import`` and the import page)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kizuna.apps.front.admin import ServiceOwnedAdmin
from kizuna.apps.imports.models import ImportRun, SavedMapping


@admin.register(ImportRun)
class ImportRunAdmin(ServiceOwnedAdmin[ImportRun]):
    list_display = [
        "started_at",
        "kind",
        "source",
        "file_name",
        "status",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "missing",
        "actor",
        "via",
    ]
    list_filter = ["kind", "source", "status"]
    raw_id_fields = ["actor"]
    readonly_fields = ["rejects", "unmatched_owners", "unknown_parents", "parent_loops", "error"]
    page_url_name = "imports:accounts"
    page_label = _("Import accounts")


@admin.register(SavedMapping)
class SavedMappingAdmin(ServiceOwnedAdmin[SavedMapping]):
    list_display = ["kind", "source", "updated_at"]
    readonly_fields = ["mapping", "columns"]
    page_url_name = "imports:accounts"
    page_label = _("Import accounts")
