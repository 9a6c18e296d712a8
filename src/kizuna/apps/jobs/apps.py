from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class JobsConfig(AppConfig):
    default = True  # the app's config ("kizuna.apps.jobs"), of the two here
    name = "kizuna.apps.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        from kizuna.apps.jobs import registry, signals  # noqa: F401  (connects the receivers)

        registry.schedule_load()


class TaskResultsConfig(TasksAppConfig):
    """django-tasks-db (the task queue and every task's result) under a translated name."""

    default = False
    verbose_name = _("Task results")  # type: ignore[assignment]  # the package types it str
