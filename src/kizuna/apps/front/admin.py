"""What Django's admin site may change.

Data that has a service (accounts, contacts, subscription lines, touchpoints and their
imports, segment rules, reviews, exceptions and coverage policies, onboardings, revenue
targets, API tokens, the audit trail) is changed only through that service, which checks it
and writes the audit trail. Its admin pages are either read-only (``ServiceOwnedAdmin``: they
say which page changes the data and link to it) or route their writes through the service
(``touchpoints.admin.TouchpointAdmin``). ``tests/apps/front/test_admin.py`` fails when a
model is registered editable without being on its list of models that have no service.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from kizuna.apps.org.models import ApiToken

_M = TypeVar("_M", bound=models.Model)


class ServiceOwnedAdmin(admin.ModelAdmin[_M]):
    """A read-only admin for data written by a service: no add, change or delete here; the
    list and each record say where the data is changed (``page_label``, a link to
    ``page_url``)."""

    change_list_template = "admin/kizuna/service_owned_change_list.html"
    change_form_template = "admin/kizuna/service_owned_change_form.html"
    page_url_name = "customers:account_list"
    page_label: StrOrPromise = _("Accounts")

    def page_url(self, obj: _M | None) -> str:
        """The page where ``obj`` (None: the data of this model) is changed."""
        return reverse(self.page_url_name)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return False

    def _note(self, obj: _M | None) -> dict[str, Any]:
        return {"managed_elsewhere": {"url": self.page_url(obj), "label": self.page_label}}

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {**(extra_context or {}), **self._note(None)}
        return super().changelist_view(request, extra_context=context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        context = {**(extra_context or {}), **self._note(obj)}
        return super().change_view(request, object_id, form_url, extra_context=context)


@admin.register(ApiToken)
class ApiTokenAdmin(ServiceOwnedAdmin[ApiToken]):
    """API tokens are read-only: a token's secret exists only when ``api_token_create`` shows it
    once, and a revocation is final. They are made and revoked on the member's token page
    (``front.tokens``), so their admin is here beside it."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]
    page_url_name = "org:tokens"
    page_label = _("API tokens")
