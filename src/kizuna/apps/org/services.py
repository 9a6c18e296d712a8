"""Writes to members, teams and API tokens.

Members and teams are kept in the administration; every change goes through these services,
which check it (``kizuna.apps.org.access``) and write it to the audit trail, so that "who made
this CSM a manager" has an answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.base_user import BaseUserManager
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kizuna.apps.audit.services import audited_save, model_snapshot
from kizuna.apps.org.access import (
    can_change_member_role,
    can_edit_member_profile,
    can_manage_members,
    leaves_an_active_admin,
    role_opens_django_admin,
)
from kizuna.apps.org.invitations import invitation_send
from kizuna.apps.org.models import ApiToken, Role, Team, User
from kizuna.apps.org.tokens import token_generate, token_hash

# What a member's history records (never the password hash)
MEMBER_FIELDS = [
    "username",
    "display_name",
    "first_name",
    "last_name",
    "email",
    "role",
    "team",
    "language",
    "is_active",
    "is_staff",
    "is_superuser",
]
MEMBER_PROFILE_FIELDS = {"display_name", "first_name", "last_name", "email", "language"}
MEMBER_EDITABLE_FIELDS = MEMBER_PROFILE_FIELDS | {"role", "team", "is_active"}
TEAM_FIELDS = ["code", "kind", "name_ja", "name_en"]

MEMBER_EXISTS_ERROR = _("A member with this e-mail address already exists.")
PASSWORD_ALREADY_SET_ERROR = _(
    "This member has already set a password: there is nothing to resend."
)
LAST_ADMIN_ERROR = _(
    "This is the last active CS ops admin: make another member a CS ops admin first."
)


def user_set_language(*, user: User, language: str) -> None:
    user.language = language
    user.save(update_fields=["language"])


def member_change_error(
    *, actor: User, member: User, data: Mapping[str, Any]
) -> PermissionDenied | ValidationError | None:
    """Why ``actor`` may not give the stored ``member`` these values (None: they may).

    ``data`` holds fields of ``MEMBER_EDITABLE_FIELDS``; only values that differ from the
    stored ones are checked (a form posting the current role back changes nothing)."""
    unknown = set(data) - MEMBER_EDITABLE_FIELDS
    if unknown:
        return ValidationError(f"not editable: {sorted(unknown)}")
    changed = {name for name, value in data.items() if getattr(member, name) != value}
    if not changed:
        return None
    if "role" in changed and not can_change_member_role(actor):
        return PermissionDenied()
    if changed - MEMBER_PROFILE_FIELDS - {"role"} and not can_manage_members(actor):
        return PermissionDenied()
    if changed & MEMBER_PROFILE_FIELDS and not can_edit_member_profile(actor, member):
        return PermissionDenied()
    role = data.get("role", member.role)
    is_active = data.get("is_active", member.is_active)
    if not leaves_an_active_admin(member, role=role, is_active=is_active):
        field = "role" if role != Role.ADMIN else "is_active"
        return ValidationError({field: LAST_ADMIN_ERROR}, code="last_admin")
    return None


@transaction.atomic
def member_update(*, actor: User, member: User, data: Mapping[str, Any], via: str = "web") -> User:
    """Change a member's role, team, active state, display name, names, e-mail or language.

    Raises PermissionDenied (nothing saved) when ``actor`` may not (roles: CS ops admins; team
    and active state: CS ops admins; profile: the member or an admin), and ValidationError when
    the change would leave no active CS ops admin. A new role also gives or takes the
    administration (``role_opens_django_admin``). A deactivated member can no longer sign in
    and their API tokens stop working (``kizuna.apps.api.auth``)."""
    # Lock the active admins so that two admins demoting each other cannot both succeed
    list(User.objects.select_for_update().filter(role=Role.ADMIN, is_active=True))
    member = User.objects.select_for_update().get(pk=member.pk)
    error = member_change_error(actor=actor, member=member, data=data)
    if error is not None:
        raise error
    before = model_snapshot(member, MEMBER_FIELDS)
    role_changed = "role" in data and data["role"] != member.role
    for name, value in data.items():
        setattr(member, name, value)
    if role_changed:
        member.is_staff = member.is_superuser = role_opens_django_admin(member.role)
    audited_save(member, actor=actor, fields=MEMBER_FIELDS, before=before, via=via)
    return member


@transaction.atomic
def member_create(*, actor: User, member: User, via: str = "web") -> User:
    """Save a new member built by a sign-up form (username and password hash set, role and
    team chosen): CS ops admins only. The administration comes with the admin role."""
    if not can_manage_members(actor) or member.pk is not None:
        raise PermissionDenied
    if member.role != Role.VIEWER and not can_change_member_role(actor):
        raise PermissionDenied
    member.is_staff = member.is_superuser = role_opens_django_admin(member.role)
    audited_save(member, actor=actor, fields=MEMBER_FIELDS, before=None, via=via)
    return member


def member_by_email(email: str) -> User | None:
    """The member whose e-mail address or username is ``email`` (in any case), if any."""
    email = email.strip()
    return User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).first()


def member_matches(
    member: User, *, display_name: str, role: str, team_code: str | None, language: str
) -> bool:
    """Whether the stored ``member`` already is as described (``kizuna init`` adds, never
    changes: a difference refuses its run)."""
    stored_team = member.team.code if member.team else None
    described = (display_name, role, team_code, language)
    return (member.display_name, member.role, stored_team, member.language) == described


def _require_invite(actor: User | None, role: str) -> None:
    """``actor`` None is the command line (whoever runs the server: ``kizuna init``)."""
    if actor is None:
        return
    if not can_manage_members(actor):
        raise PermissionDenied
    if role != Role.VIEWER and not can_change_member_role(actor):
        raise PermissionDenied


@transaction.atomic
def member_invite(
    *,
    actor: User | None,
    email: str,
    display_name: str,
    role: str,
    team: Team | None,
    language: str,
    company_name: str,
    connection: BaseEmailBackend | None = None,
    via: str = "web",
) -> User:
    """A new member, who signs in with their e-mail address and sets their own password from
    the invitation e-mail sent here (``invitations.invitation_send``, in ``language``).

    The member has no usable password until then. CS ops admins only (``actor`` None: the
    command line); ValidationError (nothing saved) on a bad address or one a member already
    has; ``InvitationNotSent`` when the mail server fails, and then the member is not saved
    either (the transaction rolls back): an invited member always got their e-mail."""
    _require_invite(actor, role)
    email = BaseUserManager.normalize_email(email.strip())
    validate_email(email)
    if member_by_email(email) is not None:
        raise ValidationError({"email": MEMBER_EXISTS_ERROR}, code="member_exists")
    member = User(
        username=email,
        email=email,
        display_name=display_name,
        role=role,
        team=team,
        language=language,
    )
    member.set_unusable_password()
    member.is_staff = member.is_superuser = role_opens_django_admin(role)
    audited_save(member, actor=actor, fields=MEMBER_FIELDS, before=None, via=via)
    invitation_send(member, company_name=company_name, connection=connection)
    return member


def member_invite_resend(
    *,
    actor: User | None,
    member: User,
    company_name: str,
    connection: BaseEmailBackend | None = None,
) -> str:
    """Send a member who has not set a password yet a new invitation (the earlier links keep
    working until they expire or the password is set); returns the link. ValidationError
    once the member has a password; ``InvitationNotSent`` when the mail server fails."""
    _require_invite(actor, Role.VIEWER)
    if member.has_usable_password():
        raise ValidationError(PASSWORD_ALREADY_SET_ERROR, code="password_set")
    return invitation_send(member, company_name=company_name, connection=connection)


@transaction.atomic
def team_create(*, actor: User, data: Mapping[str, Any], via: str = "web") -> Team:
    """A new team (code, kind, names): CS ops admins only."""
    if not can_manage_members(actor):
        raise PermissionDenied
    team = Team(**{name: data[name] for name in TEAM_FIELDS if name in data})
    audited_save(team, actor=actor, fields=TEAM_FIELDS, before=None, via=via)
    return team


@transaction.atomic
def team_update(*, actor: User, team: Team, data: Mapping[str, Any], via: str = "web") -> Team:
    """Rename a team or change its kind or code: CS ops admins only."""
    if not can_manage_members(actor):
        raise PermissionDenied
    team = Team.objects.select_for_update().get(pk=team.pk)
    before = model_snapshot(team, TEAM_FIELDS)
    for name in TEAM_FIELDS:
        if name in data:
            setattr(team, name, data[name])
    audited_save(team, actor=actor, fields=TEAM_FIELDS, before=before, via=via)
    return team


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns it with the secret, which is shown only once."""
    raw = token_generate()
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:10], key_hash=token_hash(raw))
    return token, raw


def api_token_revoke(*, user: User, token_id: int) -> bool:
    changed = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return changed == 1
