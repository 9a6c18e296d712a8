from django.contrib import admin

from kizuna.apps.tasks.models import Task, TaskComment, TaskEvent


class TaskCommentInline(admin.TabularInline[TaskComment, Task]):
    model = TaskComment
    extra = 0
    readonly_fields = ("author", "body", "created_at")


class TaskEventInline(admin.TabularInline[TaskEvent, Task]):
    model = TaskEvent
    extra = 0
    readonly_fields = ("kind", "actor", "at", "detail")


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin[Task]):
    list_display = ("title", "account", "owner", "priority", "state", "due_date", "origin")
    list_filter = ("state", "priority", "origin")
    search_fields = ("title", "account__name", "dedup_key")
    raw_id_fields = ("account", "owner")
    readonly_fields = ("created_at", "first_action_at", "closed_at", "closed_by", "created_by")
    inlines = [TaskCommentInline, TaskEventInline]
