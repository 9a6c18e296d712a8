from django.contrib import admin

from kizuna.apps.jobs.models import JobState


@admin.register(JobState)
class JobStateAdmin(admin.ModelAdmin[JobState]):
    list_display = ["name", "last_run_on", "last_status", "last_finished_at", "last_message"]
    readonly_fields = ("name", "last_run_on", "last_status", "last_finished_at", "last_message")
