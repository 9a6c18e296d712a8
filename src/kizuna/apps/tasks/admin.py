"""Tasks in Django's admin, read-only: a task changes through its services (the task pages and
the API), which keep its history and the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kizuna.apps.tasks.models import Task, TaskComment, TaskEvent


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TaskCommentInline(_ReadOnly, admin.TabularInline[TaskComment, Task]):
    model = TaskComment
    extra = 0


class TaskEventInline(_ReadOnly, admin.TabularInline[TaskEvent, Task]):
    model = TaskEvent
    extra = 0


@admin.register(Task)
class TaskAdmin(_ReadOnly, admin.ModelAdmin[Task]):
    list_display = ("title", "account", "owner", "priority", "state", "due_date", "origin")
    list_filter = ("state", "priority", "origin")
    search_fields = ("title", "account__name", "dedup_key")
    inlines = [TaskCommentInline, TaskEventInline]
