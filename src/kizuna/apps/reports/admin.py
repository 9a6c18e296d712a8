"""The sent reports in Django's admin, read-only (the job writes them; the recipients change on
their own page, ``reports:recipients``, which checks permissions and keeps the audit trail)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kizuna.apps.reports.models import SentReport


@admin.register(SentReport)
class SentReportAdmin(admin.ModelAdmin[SentReport]):
    list_display = ["month", "sent_at", "language", "pdf_bytes"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
