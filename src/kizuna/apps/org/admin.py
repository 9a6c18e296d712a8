"""Teams and members are managed here (they have no page of their own), through
``org.services``: a change of role, team, active state or profile is checked there
(``kizuna.apps.org.access``: only CS ops admins change roles; the last active CS ops admin
cannot be demoted or deactivated) and written to the audit trail with ``via = admin``; the
member's page shows their history. Members and teams are not deleted here: a member who
leaves is deactivated (their sign-in and API tokens stop working, their history stays).

A new member is best invited (the members list's "Invite a member", ``member_invite``): they
get an e-mail in their language with a link to set their own password; "Resend the invitation"
sends a new one to members who have not set theirs yet.

API tokens are read-only, on the token page's side (``kizuna.apps.front.admin``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from kizuna.apps.audit.models import AuditAction, AuditEvent
from kizuna.apps.org.access import can_manage_members
from kizuna.apps.org.invitations import InvitationNotSent
from kizuna.apps.org.models import Role, Team, User
from kizuna.apps.org.services import (
    MEMBER_EDITABLE_FIELDS,
    TEAM_FIELDS,
    member_change_error,
    member_create,
    member_invite,
    member_invite_resend,
    member_update,
    team_create,
    team_update,
)

VIA = "admin"
NOT_SENT = _(
    "The invitation could not be sent: the mail server failed or cannot be reached. "
    "Nothing has been saved; try again later, or ask whoever runs Kizuna to check the e-mail "
    "settings."
)
HISTORY_ACTIONS = [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE]


def admin_actor(request: HttpRequest) -> User:
    """The signed-in member acting in the administration."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin[Team]):
    list_display = ["code", "name_ja", "name_en", "kind"]
    fields = tuple(TEAM_FIELDS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and can_manage_members(admin_actor(request))

    def has_change_permission(self, request: HttpRequest, obj: Team | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and can_manage_members(admin_actor(request))

    def has_delete_permission(self, request: HttpRequest, obj: Team | None = None) -> bool:
        return False  # its members and accounts would silently lose their team

    def save_model(self, request: HttpRequest, obj: Team, form: Any, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in TEAM_FIELDS}
        if change:
            team_update(actor=admin_actor(request), team=obj, data=data, via=VIA)
        else:
            obj.pk = team_create(actor=admin_actor(request), data=data, via=VIA).pk


class MemberChangeForm(UserChangeForm[User]):
    """The admin's member form: the last-admin rule answers on the form, in the reader's
    language, rather than as an error page (``member_update`` checks it again)."""

    actor: User | None = None

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if self.actor is None or self.instance.pk is None:
            return cleaned
        data = {name: cleaned[name] for name in MEMBER_EDITABLE_FIELDS if name in cleaned}
        stored = User.objects.get(pk=self.instance.pk)
        error = member_change_error(actor=self.actor, member=stored, data=data)
        if isinstance(error, ValidationError):
            raise error
        return cleaned


class MemberInviteForm(forms.Form):
    email = forms.EmailField(label=_("e-mail address"), max_length=150)
    display_name = forms.CharField(label=_("display name"), max_length=100)
    role = forms.ChoiceField(label=_("role"), choices=Role.choices, initial=Role.CSM)
    team = forms.ModelChoiceField(label=_("team"), queryset=Team.objects.all(), required=False)
    language = forms.ChoiceField(
        label=_("language"), choices=[("ja", "日本語"), ("en", "English")], initial="ja"
    )


def _company_name(request: HttpRequest) -> str:
    """The company the invitation names (loaded per request by the tenant middleware)."""
    return str(getattr(getattr(request, "tenant", None), "company_name", "") or "Kizuna")


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    form = MemberChangeForm
    change_form_template = "admin/org/user/change_form.html"
    change_list_template = "admin/org/user/change_list.html"
    actions = ["resend_invitation"]
    list_display = ["username", "display_name", "role", "team", "language", "is_active"]
    list_filter = ["role", "team", "is_active"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Kizuna", {"fields": ("display_name", "role", "team", "language", "is_active")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        *(BaseUserAdmin.add_fieldsets or ()),
        ("Kizuna", {"fields": ("display_name", "role", "team", "language")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        return ["username", "last_login", "date_joined"] if obj is not None else []

    def get_form(
        self, request: HttpRequest, obj: User | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": admin_actor(request)})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and can_manage_members(admin_actor(request))

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and can_manage_members(admin_actor(request))

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False  # deactivate instead: their history keeps naming them

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """Through ``member_update`` (``obj`` carries the form's values unsaved; the service
        reads the stored member) or, for a new member, ``member_create``."""
        if not change:
            member_create(actor=admin_actor(request), member=obj, via=VIA)
            return
        data = {name: form.cleaned_data[name] for name in MEMBER_EDITABLE_FIELDS}
        member_update(actor=admin_actor(request), member=obj, data=data, via=VIA)

    def get_urls(self) -> list[URLPattern]:
        invite = path(
            "invite/", self.admin_site.admin_view(self.invite_view), name="org_user_invite"
        )
        return [invite, *super().get_urls()]

    def invite_view(self, request: HttpRequest) -> HttpResponse:
        """Invite a member: ``member_invite`` saves them and sends the e-mail, or neither."""
        actor = admin_actor(request)
        if not can_manage_members(actor):
            raise PermissionDenied
        form = MemberInviteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                member = member_invite(
                    actor=actor, **form.cleaned_data, company_name=_company_name(request), via=VIA
                )
            except ValidationError as error:
                on_fields = set(getattr(error, "error_dict", {})) <= set(form.fields)
                form.add_error(None, error if on_fields else error.messages)
            except InvitationNotSent:
                form.add_error(None, str(NOT_SENT))
            else:
                sent = gettext("The invitation was sent to %(email)s.") % {"email": member.email}
                self.message_user(request, sent, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:org_user_change", args=[member.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Invite a member"),
            "form": form,
        }
        return TemplateResponse(request, "admin/org/user/invite.html", context)

    @admin.action(description=_("Resend the invitation"), permissions=["invite"])
    def resend_invitation(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """A new invitation to each chosen member who has not set a password yet."""
        sent, skipped = 0, 0
        for member in queryset:
            if member.has_usable_password():
                skipped += 1
                continue
            try:
                member_invite_resend(
                    actor=admin_actor(request), member=member, company_name=_company_name(request)
                )
            except InvitationNotSent:
                self.message_user(request, str(NOT_SENT), messages.ERROR)
                return
            sent += 1
        text = ngettext(
            "Invitation sent to %(count)d member.", "Invitation sent to %(count)d members.", sent
        ) % {"count": sent}
        if skipped:
            text += " " + ngettext(
                "%(count)d member already has a password and got none.",
                "%(count)d members already have a password and got none.",
                skipped,
            ) % {"count": skipped}
        self.message_user(request, text, messages.SUCCESS if sent else messages.WARNING)

    def has_invite_permission(self, request: HttpRequest) -> bool:
        return can_manage_members(admin_actor(request))

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """The member's form, with their history: who changed what, when (company time)."""
        history = AuditEvent.objects.filter(
            entity=User._meta.model_name,
            entity_id=int(object_id) if object_id.isdigit() else None,
            action__in=HISTORY_ACTIONS,
        ).select_related("actor")[:50]
        context = {**(extra_context or {}), "member_history": list(history)}
        return super().change_view(request, object_id, form_url, extra_context=context)
