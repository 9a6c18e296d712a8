"""Every permission decision goes through these helpers.

Rules (see docs/permissions.md):
- every signed-in member reads every account (a CS team covers for each other);
- a CSM edits the accounts they own; a manager edits their team's accounts (the account's
  team, or its owner's team); a CS ops admin edits everything; a viewer edits nothing;
- only admins and managers create accounts; a manager only within their own team.
Reading a missing object gives 404; writing an object one may read but not edit gives 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import Http404

from kizuna.apps.org.models import Role, User

if TYPE_CHECKING:
    from kizuna.apps.customers.models import Account


def can_edit_account(user: User, account: Account) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.MANAGER:
        if user.team_id is None:
            return False
        owner_team_id = account.owner.team_id if account.owner_id and account.owner else None
        return user.team_id in {account.team_id, owner_team_id}
    if user.role == Role.CSM:
        return account.owner_id == user.id
    return False


def can_create_account(user: User) -> bool:
    return user.is_authenticated and user.role in {Role.ADMIN, Role.MANAGER}


def can_manage_tenant(user: User) -> bool:
    return user.is_authenticated and user.role == Role.ADMIN


def access_account(user: User, account_id: int, *, write: bool = False) -> Account:
    """The account, or 404 if it does not exist; 403 if ``write`` and ``user`` may not edit."""
    from kizuna.apps.customers.models import Account

    try:
        account = Account.objects.select_related("owner", "team").get(pk=account_id)
    except (Account.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if write and not can_edit_account(user, account):
        raise PermissionDenied
    return account


def require_account_create(user: User) -> None:
    if not can_create_account(user):
        raise PermissionDenied


if TYPE_CHECKING:
    from kizuna.apps.touchpoints.models import Touchpoint


def can_edit_touchpoint(user: User, touchpoint: Touchpoint) -> bool:
    """Edit or delete a logged touchpoint: its author (the member who logged or imported it;
    for a touchpoint without a recorded author, e.g. the demo's, its CSM), a manager of the
    account's team (as in ``can_edit_account``) and admins. Never a viewer or an inactive
    member; owning the account alone is not enough."""
    if not user.is_authenticated or not user.is_active or user.role == Role.VIEWER:
        return False
    if user.role in {Role.ADMIN, Role.MANAGER} and can_edit_account(user, touchpoint.account):
        return True
    return (touchpoint.created_by_id or touchpoint.csm_id) == user.pk


def access_touchpoint(user: User, touchpoint_id: int, *, write: bool = False) -> Touchpoint:
    """The touchpoint (with its account, owner and CSM), or 404 if it does not exist; 403 if
    ``write`` and ``user`` may not edit it (``can_edit_touchpoint``)."""
    from kizuna.apps.touchpoints.models import Touchpoint

    try:
        touchpoint = Touchpoint.objects.select_related("account__owner", "csm").get(
            pk=touchpoint_id
        )
    except (Touchpoint.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if write and not can_edit_touchpoint(user, touchpoint):
        raise PermissionDenied
    return touchpoint
