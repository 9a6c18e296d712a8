"""The task pages: a member's inbox, the team view, one task with its actions, and adding a
task from an account's page (docs/tasks.md). Views translate HTTP; the work is in
``tasks.services`` and ``tasks.selectors``; permissions in ``org.access``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kizuna.apps.customers.access import access_account
from kizuna.apps.front.form_helpers import account_form_page, confirmed, form_action_run
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import (
    access_member,
    can_create_task,
    can_view_other_members,
    can_view_team_tasks,
    default_work_scope,
    task_owner_candidates,
    task_permissions,
)
from kizuna.apps.tasks import selectors, services
from kizuna.apps.tasks.access import access_task
from kizuna.apps.tasks.forms import (
    CommentForm,
    CompleteForm,
    DismissForm,
    InboxFilterForm,
    ReassignForm,
    SnoozeForm,
    TaskCreateForm,
)
from kizuna.apps.tasks.models import Task
from kizuna.apps.tenant.selectors import tenant_today

PAGE_SIZE = 50
TEAM_OVERDUE_LENGTH = 50


@login_required
def inbox(request: AuthedRequest) -> HttpResponse:
    """The member's tasks (a manager or an admin may pick another's with ``?csm=``): open and
    snoozed by default, the overdue highlighted, or one state."""
    member = access_member(request.user, request.GET.get("csm"))
    form = InboxFilterForm(request.GET or None)
    state = form.cleaned_data["state"] if form.is_valid() else ""
    tasks = selectors.tasks_inbox(member=member, state=state or None)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "nav": "tasks",
        "member": member,
        "form": form,
        "page": page,
        "today": tenant_today(request.tenant),
        "members": task_owner_candidates() if can_view_other_members(request.user) else [],
        "team_view": can_view_team_tasks(request.user),
    }
    return render(request, "tasks/inbox.html", context)


@login_required
def team(request: AuthedRequest) -> HttpResponse:
    """A manager's team (an admin: everyone): each member's open, overdue and snoozed tasks,
    and the overdue tasks themselves."""
    if not can_view_team_tasks(request.user):
        raise PermissionDenied
    scope = default_work_scope(request.user)
    today = tenant_today(request.tenant)
    context = {
        "nav": "tasks",
        "loads": selectors.tasks_team_load(scope=scope, today=today),
        "overdue": list(
            selectors.tasks_overdue_in_scope(scope=scope, today=today)[:TEAM_OVERDUE_LENGTH]
        ),
        "today": today,
    }
    return render(request, "tasks/team.html", context)


def _detail_page(
    request: AuthedRequest, task: Task, *, status: int = 200, **forms: BaseForm
) -> HttpResponse:
    perms = task_permissions(request.user, task)
    context: dict[str, Any] = {
        "nav": "tasks",
        "task": task,
        "perms": perms,
        "today": tenant_today(request.tenant),
        "events": task.events.select_related("actor"),
        "comments": task.comments.select_related("author"),
        "complete_form": CompleteForm(),
        "snooze_form": SnoozeForm(),
        "dismiss_form": DismissForm(),
        "comment_form": CommentForm(),
        "reassign_form": ReassignForm(candidates=task_owner_candidates().exclude(pk=task.owner_id))
        if perms.reassign
        else None,
    }
    context.update(forms)
    return render(request, "tasks/detail.html", context, status=status)


@login_required
def detail(request: AuthedRequest, task_id: int) -> HttpResponse:
    return _detail_page(request, access_task(request.user, task_id))


def _apply(
    request: AuthedRequest, task: Task, form: BaseForm, name: str, action: Any, done: str
) -> HttpResponse:
    """Validate ``form``, run ``action(cleaned_data)``; a refused value comes back on the form
    (status 400, in the member's language); success goes back to the task with ``done``."""
    if form_action_run(form, action):
        messages.success(request, done)
        return redirect("tasks:detail", task.pk)
    return _detail_page(request, task, status=400, **{name: form})


@require_POST
@login_required
def complete(request: AuthedRequest, task_id: int) -> HttpResponse:
    task = access_task(request.user, task_id)
    if not task_permissions(request.user, task).act:
        raise PermissionDenied
    if not confirmed(request):
        return redirect("tasks:detail", task.pk)
    return _apply(
        request,
        task,
        CompleteForm(request.POST),
        "complete_form",
        lambda data: services.task_complete(
            actor=request.user, task=task, outcome=data["outcome"], note=data["note"]
        ),
        _("Task done."),
    )


@require_POST
@login_required
def dismiss(request: AuthedRequest, task_id: int) -> HttpResponse:
    task = access_task(request.user, task_id)
    if not task_permissions(request.user, task).act:
        raise PermissionDenied
    if not confirmed(request):
        return redirect("tasks:detail", task.pk)
    return _apply(
        request,
        task,
        DismissForm(request.POST),
        "dismiss_form",
        lambda data: services.task_dismiss(actor=request.user, task=task, note=data["note"]),
        _("Task dismissed as not useful."),
    )


@require_POST
@login_required
def snooze(request: AuthedRequest, task_id: int) -> HttpResponse:
    task = access_task(request.user, task_id)
    return _apply(
        request,
        task,
        SnoozeForm(request.POST),
        "snooze_form",
        lambda data: services.task_snooze(actor=request.user, task=task, until=data["until"]),
        _("Task snoozed."),
    )


@require_POST
@login_required
def reopen(request: AuthedRequest, task_id: int) -> HttpResponse:
    task = access_task(request.user, task_id)
    try:
        services.task_reopen(actor=request.user, task=task)
    except ValidationError as error:
        for problems in error.message_dict.values():
            for problem in problems:
                messages.error(request, problem)
    else:
        messages.success(request, _("Task reopened."))
    return redirect("tasks:detail", task.pk)


@require_POST
@login_required
def reassign(request: AuthedRequest, task_id: int) -> HttpResponse:
    task = access_task(request.user, task_id)
    candidates = task_owner_candidates().exclude(pk=task.owner_id)
    return _apply(
        request,
        task,
        ReassignForm(request.POST, candidates=candidates),
        "reassign_form",
        lambda data: services.task_reassign(actor=request.user, task=task, owner=data["owner"]),
        _("Task reassigned."),
    )


@require_POST
@login_required
def comment(request: AuthedRequest, task_id: int) -> HttpResponse:
    task = access_task(request.user, task_id)
    return _apply(
        request,
        task,
        CommentForm(request.POST),
        "comment_form",
        lambda data: services.task_comment(actor=request.user, task=task, body=data["body"]),
        _("Comment added."),
    )


@login_required
def create(request: AuthedRequest, account_id: int) -> HttpResponse:
    """A manual task on an account the member may edit, owned by them."""
    account = access_account(request.user, account_id)
    if not can_create_task(request.user, account):
        raise PermissionDenied
    form = TaskCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            due = data["due_date"] or services.due_in_business_days(
                data["due_in"], today=tenant_today(request.tenant)
            )
            task, _created = services.task_create(
                actor=request.user,
                account=account,
                owner=request.user,
                title=data["title"],
                reason=data["reason"],
                priority=data["priority"],
                due_date=due,
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("Task added."))
            return redirect("tasks:detail", task.pk)
    return account_form_page(request, form, heading=_("Add a task"), account=account)
