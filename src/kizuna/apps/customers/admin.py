from django.contrib import admin

from kizuna.apps.customers.models import Account, Contact, Product, SubscriptionLine


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin[Product]):
    list_display = ["code", "name_ja", "name_en", "is_active"]


class ContactInline(admin.TabularInline[Contact, Account]):
    model = Contact
    extra = 0


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin[Account]):
    list_display = ["name", "kana", "segment", "phase", "owner", "team", "mrr"]
    list_filter = ["segment", "phase", "channel", "team"]
    search_fields = ["name", "kana", "external_crm_id"]
    raw_id_fields = ["owner"]
    readonly_fields = ["mrr"]
    inlines = [ContactInline]


@admin.register(SubscriptionLine)
class SubscriptionLineAdmin(admin.ModelAdmin[SubscriptionLine]):
    list_display = ["account", "product", "mrr", "billing_period", "start_date", "end_date"]
    list_filter = ["product", "billing_period"]
    raw_id_fields = ["account"]
    readonly_fields = ["mrr"]
