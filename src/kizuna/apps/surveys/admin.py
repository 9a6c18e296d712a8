"""Surveys in Django's admin, read-only: programs change through their pages (checked and
audited), invitations and answers through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from kizuna.apps.surveys.models import (
    SurveyAnswer,
    SurveyAnswerRevision,
    SurveyContactSetting,
    SurveyInvitation,
    SurveyProgram,
    SurveySchedule,
)


class ReadOnlyAdmin[M: models.Model](admin.ModelAdmin[M]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SurveyProgram)
class SurveyProgramAdmin(ReadOnlyAdmin[SurveyProgram]):
    list_display = ["id", "name_ja", "kind", "throttle_days", "active"]
    list_filter = ["kind", "active"]


@admin.register(SurveySchedule)
class SurveyScheduleAdmin(ReadOnlyAdmin[SurveySchedule]):
    list_display = ["id", "program", "trigger", "offset_days", "every_months", "active"]


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(ReadOnlyAdmin[SurveyInvitation]):
    list_display = ["id", "program", "account", "contact", "due_on", "status", "skip_reason"]
    list_filter = ["status", "program"]
    exclude = ["nonce"]  # the secret part of the link is never shown


@admin.register(SurveyAnswer)
class SurveyAnswerAdmin(ReadOnlyAdmin[SurveyAnswer]):
    list_display = ["id", "program", "account", "score", "answered_at", "source"]
    list_filter = ["kind", "source"]


@admin.register(SurveyAnswerRevision)
class SurveyAnswerRevisionAdmin(ReadOnlyAdmin[SurveyAnswerRevision]):
    list_display = ["id", "answer", "score", "answered_at", "replaced_at"]


@admin.register(SurveyContactSetting)
class SurveyContactSettingAdmin(ReadOnlyAdmin[SurveyContactSetting]):
    list_display = ["contact", "language", "opted_out"]
