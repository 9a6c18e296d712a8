"""Feedback and feature requests in Django's admin, read-only: they change through
``feedback.services`` (the feedback pages and the API), which check permissions, keep the
status history and tell the requesters when a request ships."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kizuna.apps.feedback.models import FeatureRequest, FeatureRequestChange, Feedback


class _ReadOnly[M: Any](admin.ModelAdmin[M]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # moved (and its requesters told) through feedback.services


@admin.register(FeatureRequest)
class FeatureRequestAdmin(_ReadOnly[FeatureRequest]):
    list_display = ["id", "title", "product", "status", "decided_at"]
    list_filter = ["status", "product"]


@admin.register(FeatureRequestChange)
class FeatureRequestChangeAdmin(_ReadOnly[FeatureRequestChange]):
    list_display = ["feature_request", "from_status", "to_status", "changed_by", "changed_at"]


@admin.register(Feedback)
class FeedbackAdmin(_ReadOnly[Feedback]):
    list_display = ["id", "account", "feature_request", "source", "created_by", "created_at"]
    list_filter = ["source"]
