"""The diagnosis in Django's admin, read-only: thresholds change on their page (audited), runs
are written by the daily job."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kizuna.apps.diagnosis.models import DiagnosisRuleSetting, DiagnosisRun


class _ReadOnly[M: Any](admin.ModelAdmin[M]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DiagnosisRuleSetting)
class DiagnosisRuleSettingAdmin(_ReadOnly[DiagnosisRuleSetting]):
    list_display = ["rule_key", "thresholds", "updated_at", "updated_by"]


@admin.register(DiagnosisRun)
class DiagnosisRunAdmin(_ReadOnly[DiagnosisRun]):
    list_display = ["day", "phase", "level", "computed_at"]
