"""Touchpoints in the admin are corrected and deleted through ``touchpoints.services`` (the
date rule, the author-or-manager rule, the audit trail, the health rescoring), never saved
directly; they are logged on the account page. Imports are read-only: the import pages are
their service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kizuna.apps.front.admin import ServiceOwnedAdmin
from kizuna.apps.org.access import can_edit_touchpoint
from kizuna.apps.org.models import User
from kizuna.apps.touchpoints.dates import touch_day_clean
from kizuna.apps.touchpoints.models import Touchpoint, TouchpointImport
from kizuna.apps.touchpoints.services import (
    TOUCHPOINT_FIELDS,
    touchpoint_delete,
    touchpoint_update,
)

VIA = "admin"


class TouchpointAdminForm(forms.ModelForm[Touchpoint]):
    """The admin's correction form: the date obeys the touchpoints' date rule and the contacts
    are the account's, as on the account page (the service checks both again)."""

    class Meta:
        model = Touchpoint
        fields = ["csm", "kind", "occurred_at", "summary", "contacts"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and "contacts" in self.fields:
            self.fields["contacts"].queryset = self.instance.account.contacts.all()  # type: ignore[attr-defined]

    def clean_occurred_at(self) -> Any:
        return touch_day_clean(self.cleaned_data["occurred_at"])


def _actor(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin[Touchpoint]):
    form = TouchpointAdminForm
    list_display = ["occurred_at", "account", "csm", "kind"]
    list_filter = ["kind"]
    raw_id_fields = ["csm", "contacts"]
    readonly_fields = ["account", "created_by", "external_id", "created_at"]
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # logged on the account page (services.touchpoint_create)

    def has_change_permission(self, request: HttpRequest, obj: Touchpoint | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can_edit_touchpoint(_actor(request), obj))

    def has_delete_permission(self, request: HttpRequest, obj: Touchpoint | None = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or can_edit_touchpoint(_actor(request), obj))

    def save_model(self, request: HttpRequest, obj: Touchpoint, form: Any, change: bool) -> None:
        """Correct the stored touchpoint through ``touchpoint_update`` with the form's values
        (``obj`` carries them unsaved; the service compares them with the stored ones)."""
        stored = Touchpoint.objects.select_related("account").get(pk=obj.pk)
        if not change or not can_edit_touchpoint(_actor(request), stored):
            raise PermissionDenied
        data = {name: form.cleaned_data[name] for name in TOUCHPOINT_FIELDS}
        touchpoint_update(
            actor=_actor(request),
            touchpoint=stored,
            data=data,
            contacts=list(form.cleaned_data["contacts"]),
            via=VIA,
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Nothing: ``touchpoint_update`` has set the contacts."""

    def delete_model(self, request: HttpRequest, obj: Touchpoint) -> None:
        if not can_edit_touchpoint(_actor(request), obj):
            raise PermissionDenied
        touchpoint_delete(actor=_actor(request), touchpoint=obj, via=VIA)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Touchpoint]) -> None:
        """The list's bulk deletion: each touchpoint through ``touchpoint_delete`` (all or
        none when one may not be deleted by this member)."""
        touchpoints = list(queryset.select_related("account"))
        if not all(can_edit_touchpoint(_actor(request), tp) for tp in touchpoints):
            raise PermissionDenied
        with transaction.atomic():
            for touchpoint in touchpoints:
                touchpoint_delete(actor=_actor(request), touchpoint=touchpoint, via=VIA)


@admin.register(TouchpointImport)
class TouchpointImportAdmin(ServiceOwnedAdmin[TouchpointImport]):
    list_display = ["created_at", "created_by", "source", "file_name", "status", "created_count"]
    list_filter = ["source", "status"]
    raw_id_fields = ["created_by"]
    readonly_fields = ["raw_csv", "rejected_rows", "mapping"]
    page_url_name = "touchpoints:import_upload"
    page_label = _("Import touchpoints")

    def page_url(self, obj: TouchpointImport | None) -> str:
        if obj is None:
            return super().page_url(obj)
        return reverse("touchpoints:import_detail", args=[obj.pk])
