"""Accounts, contacts and subscription lines are read-only here: their pages change them
through ``customers.services`` (checked, audited, MRR refreshed; owner, team and touch model
only by reassignment and segment exceptions). Products have no service."""

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse

from kizuna.apps.customers.models import Account, Contact, Product, SubscriptionLine
from kizuna.apps.front.admin import ServiceOwnedAdmin


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin[Product]):
    list_display = ["code", "name_ja", "name_en", "is_active"]


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
    raw_id_fields = ["owner"]
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
