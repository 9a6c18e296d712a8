"""Coverage pages: the manager's dashboard and its drill-downs (a CSM's worklist, 今日, combines
several apps: ``kizuna.apps.pages``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kizuna.apps.coverage import charts, selectors
from kizuna.apps.coverage.touches import last_touches
from kizuna.apps.customers.models import Segment
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import (
    can_log_touchpoint,
    can_reassign,
)
from kizuna.apps.tenant.selectors import tenant_today


@login_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    """Today's coverage counted live (it agrees with its drill-downs to the account), and the
    trend of earlier days from the daily snapshots."""
    today = tenant_today(request.tenant)
    live = selectors.coverage_live(today=today)
    rows = selectors.live_rows(live)
    context = {
        "nav": "coverage",
        "day": today,
        "computed_at": live.computed_at,
        "rows": rows,
        "no_policy": live.report.no_policy,
        "trend": charts.trend_charts(selectors.trend_lines(live=rows.segment)),
        "trend_computed_at": selectors.snapshots_computed_at(before=today),
    }
    return render(request, "coverage/dashboard.html", context)


@login_required
def uncovered(request: AuthedRequest) -> HttpResponse:
    """Drill-down: the accounts of a segment (and team or CSM) not covered today; "none"
    stands for accounts without a team or without an owner, as in the dashboard's rows."""
    scope = selectors.uncovered_scope(
        segment=request.GET.get("segment", ""),
        team=request.GET.get("team"),
        csm=request.GET.get("csm"),
    )
    segment = scope.segment
    computed_at = timezone.now()
    today = tenant_today(request.tenant)
    uncovered = selectors.uncovered_accounts(
        accounts=scope.accounts(), segment=segment, today=today
    )
    page = Paginator(uncovered, 100).get_page(request.GET.get("page"))
    last = last_touches(accounts=page.object_list, today=today)
    context = {
        "nav": "coverage",
        "segment": segment,
        "segment_label": dict(Segment.choices)[segment],
        "team": scope.team,
        "csm": scope.csm,
        "no_team": scope.no_team,
        "no_owner": scope.no_owner,
        "page": page,
        "rows": [
            selectors.UncoveredRow(
                account=account,
                last_touch=last[account.pk].day if account.pk in last else None,
                can_touch=can_log_touchpoint(request.user, account),
                can_reassign=can_reassign(request.user, account),
            )
            for account in page.object_list
        ],
        "count": page.paginator.count,
        "computed_at": computed_at,
    }
    return render(request, "coverage/uncovered.html", context)
