"""Accounts, contacts and subscription lines are read-only here: their pages change them
through ``customers.services`` (checked, audited, MRR refreshed; owner, team and touch model
only by reassignment and segment exceptions). Products are kept here through
``product_create`` / ``product_update`` (CS ops admins, audited); a product is never deleted,
it stops being sold."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse

from kizuna.apps.customers.models import Account, Contact, Product, SubscriptionLine
from kizuna.apps.customers.services import PRODUCT_FIELDS, product_create, product_update
from kizuna.apps.front.admin import ServiceOwnedAdmin
from kizuna.apps.org.access import can_manage_tenant
from kizuna.apps.org.admin import admin_actor


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin[Product]):
    list_display = ["code", "name_ja", "name_en", "is_active", "owner"]
    fields = tuple(PRODUCT_FIELDS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and can_manage_tenant(admin_actor(request))

    def has_change_permission(self, request: HttpRequest, obj: Product | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and can_manage_tenant(admin_actor(request))

    def has_delete_permission(self, request: HttpRequest, obj: Product | None = None) -> bool:
        return False  # its lines and their history refer to it: stop selling it instead

    def save_model(self, request: HttpRequest, obj: Product, form: Any, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in PRODUCT_FIELDS}
        actor = admin_actor(request)
        if change:
            product_update(actor=actor, product=obj, data=data, via="admin")
        else:
            obj.pk = product_create(actor=actor, data=data, via="admin").pk


class ContactInline(admin.TabularInline[Contact, Account]):
    model = Contact
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Account | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Account | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Account | None = None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(ServiceOwnedAdmin[Account]):
    list_display = ["name", "kana", "segment", "phase", "owner", "team", "mrr"]
    list_filter = ["segment", "phase", "channel", "team"]
    search_fields = ["name", "kana", "external_crm_id"]
    raw_id_fields = ["owner", "parent"]
    readonly_fields = ["mrr"]
    inlines = [ContactInline]

    def page_url(self, obj: Account | None) -> str:
        if obj is None:
            return super().page_url(obj)
        return reverse("customers:account_detail", args=[obj.pk])


@admin.register(SubscriptionLine)
class SubscriptionLineAdmin(ServiceOwnedAdmin[SubscriptionLine]):
    list_display = ["account", "product", "mrr", "billing_period", "start_date", "end_date"]
    list_filter = ["product", "billing_period"]
    raw_id_fields = ["account"]
    readonly_fields = ["mrr"]

    def page_url(self, obj: SubscriptionLine | None) -> str:
        if obj is None:
            return super().page_url(obj)
        return reverse("customers:account_detail", args=[obj.account_id])
