"""The account a member asks for by its id, for views and API endpoints. Whether they may
change it is ``kizuna.apps.org.access.can_edit_account``'s to say."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from kizuna.apps.customers.models import Account
from kizuna.apps.org.access import can_edit_account
from kizuna.apps.org.models import User


def access_account(user: User, account_id: int, *, write: bool = False) -> Account:
    """The account, or 404 if it does not exist; 403 if ``write`` and ``user`` may not edit."""
    try:
        account = Account.objects.select_related("owner", "team").get(pk=account_id)
    except (Account.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if write and not can_edit_account(user, account):
        raise PermissionDenied
    return account
