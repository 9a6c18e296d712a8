"""The CSQL a member asks for by its id, for views and API endpoints. What they may do to it
is ``kizuna.apps.org.access``'s to say (``can_change_csql``)."""

from __future__ import annotations

from django.http import Http404

from kizuna.apps.expansion.models import Csql
from kizuna.apps.org.models import User


def access_csql(user: User, csql_id: int) -> Csql:
    """The CSQL with what its pages show, or 404. Every signed-in member reads every CSQL, as
    they read every account."""
    try:
        return Csql.objects.select_related(
            "account", "product", "raised_by", "team", "sales_owner"
        ).get(pk=csql_id)
    except (Csql.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
