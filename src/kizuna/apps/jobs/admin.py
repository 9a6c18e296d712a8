"""The ops view of the periodic jobs and the task queue, read-only: each job's last run (day,
status, attempts, report or error, its task result) and every task result (status, times,
return value, traceback). Both are written by the worker only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_tasks_db.models import DBTaskResult

from kizuna.apps.jobs.models import JobState


class WorkerOwnedAdmin[M: models.Model](admin.ModelAdmin[M]):
    """Nothing is added, changed or deleted here: the worker writes these rows."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False


@admin.register(JobState)
class JobStateAdmin(WorkerOwnedAdmin[JobState]):
    list_display = [
        "name",
        "last_run_on",
        "last_status",
        "attempts",
        "last_finished_at",
        "last_message",
        "task_result",
    ]
    list_filter = ["last_status"]
    fields = readonly_fields = (
        "name",
        "last_run_on",
        "last_status",
        "attempts",
        "last_enqueued_at",
        "last_started_at",
        "last_finished_at",
        "last_message",
        "task_result",
    )

    @admin.display(description=_("task result"))
    def task_result(self, obj: JobState) -> str:
        if not obj.task_id:
            return "-"
        url = reverse("admin:django_tasks_database_dbtaskresult_change", args=[obj.task_id])
        return format_html('<a href="{}">{}</a>', url, obj.task_id)


if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)  # the package's own admin speaks English only


@admin.register(DBTaskResult)
class TaskResultAdmin(WorkerOwnedAdmin[DBTaskResult[..., Any]]):
    list_display = ["task_path", "status", "enqueued_at", "started_at", "finished_at", "tries"]
    list_filter = ["status", "task_path"]
    ordering = ["-enqueued_at"]
    search_fields = ["task_path"]
    fields = readonly_fields = (
        "id",
        "task_path",
        "status",
        "args_kwargs",
        "enqueued_at",
        "started_at",
        "finished_at",
        "tries",
        "return_value",
        "exception_class_path",
        "error",
    )

    @admin.display(description=pgettext_lazy("job", "attempts"))
    def tries(self, obj: DBTaskResult[..., Any]) -> int:
        return len(obj.worker_ids or [])

    @admin.display(description=_("traceback"))
    def error(self, obj: DBTaskResult[..., Any]) -> Any:
        return format_html("<pre>{}</pre>", obj.traceback) if obj.traceback else "-"
