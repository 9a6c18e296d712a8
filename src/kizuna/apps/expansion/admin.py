"""CSQLs in Django's admin, read-only: a CSQL changes through its services (the CSQL pages
and the API), which check permissions and keep the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kizuna.apps.expansion.models import Csql, CsqlMonth


@admin.register(Csql)
class CsqlAdmin(admin.ModelAdmin[Csql]):
    list_display = ["id", "account", "raised_by", "raised_on", "state", "attributed_mrr"]
    list_filter = ["state"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a CSQL is moved (and audited) through expansion.services


@admin.register(CsqlMonth)
class CsqlMonthAdmin(admin.ModelAdmin[CsqlMonth]):
    list_display = ["csql", "month", "mrr"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a CSQL is moved (and audited) through expansion.services
