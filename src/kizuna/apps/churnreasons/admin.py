"""Churn reasons in Django's admin, read-only: the taxonomy changes on its page and reasons
through their services (the churn-reason pages and the API), which check permissions and keep
the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kizuna.apps.churnreasons.models import ChurnLoss, ChurnReason, ChurnReasonCategory


class _ReadOnly[M: Any](admin.ModelAdmin[M]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # changed (and audited) through churnreasons.services


@admin.register(ChurnReasonCategory)
class ChurnReasonCategoryAdmin(_ReadOnly[ChurnReasonCategory]):
    list_display = ["key", "name_ja", "name_en", "active", "order"]


@admin.register(ChurnReason)
class ChurnReasonAdmin(_ReadOnly[ChurnReason]):
    list_display = ["id", "account", "line", "churned_on", "category", "lost_mrr"]
    list_filter = ["category"]


@admin.register(ChurnLoss)
class ChurnLossAdmin(_ReadOnly[ChurnLoss]):
    list_display = ["reason", "product", "mrr"]
