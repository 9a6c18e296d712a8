"""The task a member asks for by its id, for views and API endpoints. What they may do to it
is ``kizuna.apps.org.access``'s to say (``can_act_on_task``, ``task_permissions``)."""

from __future__ import annotations

from django.http import Http404

from kizuna.apps.org.models import User
from kizuna.apps.tasks.models import Task


def access_task(user: User, task_id: int) -> Task:
    """The task (with its account and owner), or 404 when there is none. Every signed-in member
    reads every task, as they read every account."""
    try:
        return Task.objects.select_related("account__owner", "owner", "closed_by").get(pk=task_id)
    except (Task.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
