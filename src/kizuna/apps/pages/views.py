"""Pages that combine several apps: the account list (accounts with their last touch), the
account 360 page (with its open tasks), a member's 今日 (their tasks, coverage, onboardings to
push, health drops) and the ops page
(usage data, import runs). Each app
gives its part through its selectors; these views put the parts on one page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.functional import cached_property

from kizuna.apps.churnreasons.selectors import account_churn_reasons
from kizuna.apps.coverage import selectors as coverage_selectors
from kizuna.apps.customers.access import access_account
from kizuna.apps.customers.forms import AccountFilterForm
from kizuna.apps.customers.models import Account
from kizuna.apps.customers.selectors import account_list as select_accounts
from kizuna.apps.expansion.selectors import account_csqls
from kizuna.apps.feedback.panel import account_feedback_panel
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.health.selectors import grade_drop_rows, grade_drops
from kizuna.apps.imports.selectors import import_runs_latest
from kizuna.apps.onboarding.selectors import onboardings_to_push
from kizuna.apps.org.access import (
    access_member,
    account_permissions,
    can_create_task,
    can_raise_csql,
    can_record_churn_reason,
    can_run_playbook,
    can_view_import_runs,
    can_view_other_members,
)
from kizuna.apps.org.models import User
from kizuna.apps.pages.selectors import account_list_rows, account_page_data
from kizuna.apps.playbooks.forms import StartForm
from kizuna.apps.playbooks.models import RunState
from kizuna.apps.playbooks.selectors import runs_with_progress
from kizuna.apps.renewals.selectors import account_next_renewal
from kizuna.apps.surveys.selectors import account_survey_answers
from kizuna.apps.tasks.selectors import tasks_for_today, tasks_of_account
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.apps.usage.views import ops_page

PAGE_SIZE = 50
#: a text search counts at most this many matches ("1,000+"): counting every match of a short
#: search over 100,000 accounts would cost more than finding the page itself
SEARCH_COUNT_CAP = 1000
#: rows of 今日's worklist table per page: a 2,000-account book is not rendered in one page
WORKLIST_PAGE_SIZE = 50
TODAY_TASKS_LENGTH = 10  # open tasks on 今日, the earliest due (so the overdue) first
TODAY_LIST_LENGTH = 5  # onboardings and grade drops shown on 今日; the rest on their pages


class CappedPaginator(Paginator[Account]):
    def __init__(self, *args: Any, cap: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        if self.cap is None:
            return super().count
        return int(self.object_list[: self.cap + 1].count())  # type: ignore[attr-defined]

    @property
    def capped(self) -> bool:
        return self.cap is not None and self.count > self.cap


@login_required
def account_list(request: AuthedRequest) -> HttpResponse:
    form = AccountFilterForm(request.GET or None)
    accounts = select_accounts(filters=form.filters(), on=tenant_today(request.tenant))
    cap = SEARCH_COUNT_CAP if request.GET.get("q", "").strip() else None
    page = CappedPaginator(accounts, PAGE_SIZE, cap=cap).get_page(request.GET.get("page"))
    rows = account_list_rows(
        accounts=list(page.object_list),
        today=tenant_today(request.tenant),
        currency=request.tenant.currency,
    )
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "nav": "accounts",
        "sort": form.filters().sort,
    }
    template = "pages/_account_results.html" if request.htmx else "pages/account_list.html"
    return render(request, template, context)


@login_required
def account_detail(request: AuthedRequest, account_id: int) -> HttpResponse:
    account = access_account(request.user, account_id)
    today = tenant_today(request.tenant)
    context: dict[str, Any] = account_page_data(
        account=account,
        today=today,
        timeline_page=request.GET.get("timeline_page"),
        history_page=request.GET.get("history_page"),
        currency=request.tenant.currency,
    )
    account_perms = account_permissions(request.user, account)
    context.update(
        account=account,
        account_tasks=tasks_of_account(account_id=account.pk),
        today=today,
        can_add_task=can_create_task(request.user, account),
        can_raise_csql=can_raise_csql(request.user, account),
        csqls=account_csqls(account.pk),
        playbook_runs=runs_with_progress(
            account.playbook_runs.filter(state=RunState.RUNNING), today=today
        ),
        playbook_start_form=StartForm() if can_run_playbook(request.user, account) else None,
        next_renewal=account_next_renewal(account.pk, today=today),
        feedback_panel=account_feedback_panel(request.user, account),
        churn_reasons=account_churn_reasons(account.pk),
        survey_answers=account_survey_answers(account.pk),
        can_record_churn_reason=can_record_churn_reason(request.user, account),
        nav="accounts",
        can_edit=account_perms.edit,
        account_perms=account_perms,
    )
    return render(request, "pages/account_detail.html", context)


@login_required
def worklist(request: AuthedRequest) -> HttpResponse:
    """A CSM's accounts, the ones about to fall out of coverage first: the counts over the
    whole book, the table one page of it (``WORKLIST_PAGE_SIZE`` rows)."""
    member = access_member(request.user, request.GET.get("csm"))
    today = tenant_today(request.tenant)
    dues = coverage_selectors.worklist_dues(member=member, today=today)
    page = Paginator(dues, WORKLIST_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "nav": "today",
        "member": member,
        "page": page,
        "rows": coverage_selectors.worklist_page_rows(page.object_list),
        "summary": coverage_selectors.worklist_summary(dues),
        "today": today,
        "members": coverage_selectors.worklist_members()
        if can_view_other_members(request.user)
        else [],
        **_also_today(member, today=today),
    }
    return render(request, "pages/worklist.html", context)


def _also_today(member: User, *, today: dt.date) -> dict[str, Any]:
    """Beside coverage: the member's onboardings to push and accounts whose health grade fell
    this week, each with its reason (the first few; each links to its own page and to the
    full list)."""
    to_push, total = onboardings_to_push(owner=member, today=today, limit=TODAY_LIST_LENGTH)
    drops = grade_drops(owner=member)
    return {
        "onboardings_to_push": to_push,
        "onboardings_to_push_total": total,
        "grade_drops": grade_drop_rows(drops[:TODAY_LIST_LENGTH]),
        "grade_drops_total": len(drops),
        "my_tasks": tasks_for_today(member=member, limit=TODAY_TASKS_LENGTH),
    }


@login_required
def ops(request: AuthedRequest) -> HttpResponse:
    """The ops page (``usage:ops``): usage data (sources, ingestion runs, quarantine) drawn by
    the usage app, and the latest import runs. The two data apps do not read each other, so the
    page is put together here; its readers are the usage ops page's (CS ops admins)."""
    if not can_view_import_runs(request.user):
        raise PermissionDenied
    return ops_page(request, template="pages/ops.html", parts={"import_runs": import_runs_latest()})
