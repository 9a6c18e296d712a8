"""Teams and members are managed here (they have no page of their own). API tokens are
read-only: a token's secret exists only when ``api_token_create`` shows it once, and a
revocation is final; a member's tokens stop working when the member is deactivated."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from kizuna.apps.front.admin import ServiceOwnedAdmin
from kizuna.apps.org.models import ApiToken, Team, User


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin[Team]):
    list_display = ["code", "name_ja", "name_en", "kind"]


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    list_display = ["username", "display_name", "role", "team", "language", "is_active"]
    list_filter = ["role", "team", "is_active"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Kizuna", {"fields": ("display_name", "role", "team", "language")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(ServiceOwnedAdmin[ApiToken]):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]
    page_url_name = "org:tokens"
    page_label = _("API tokens")
