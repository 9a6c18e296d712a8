"""What the composed pages read: each from the app that owns it, put together here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.paginator import Paginator

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.coverage.selectors import account_coverage
from kizuna.apps.coverage.touches import last_touches
from kizuna.apps.customers.charts import mrr_history
from kizuna.apps.customers.models import Account
from kizuna.apps.customers.selectors import account_lines
from kizuna.apps.health.selectors import account_health
from kizuna.apps.health.services import health_score_refresh_if_stale
from kizuna.apps.revenue.selectors import account_mrr_movements
from kizuna.apps.usage.selectors import account_usage
from kizuna.core.mrr_history import LineSpan, monthly_mrr

TIMELINE_PAGE_SIZE = 25
HISTORY_PAGE_SIZE = 15


def account_last_touch(*, accounts: list[Account], today: dt.date) -> dict[int, dt.date]:
    """The day of each account's last touch (``coverage.touches.last_touches``, the one
    definition the header and the coverage worklist share); accounts never touched are absent."""
    return {pk: touch.day for pk, touch in last_touches(accounts=accounts, today=today).items()}


def account_page_data(
    *,
    account: Account,
    today: dt.date,
    timeline_page: str | None = None,
    history_page: str | None = None,
    currency: str,
) -> dict[str, Any]:
    """Everything the account 360 page shows, in a fixed number of queries; the touchpoint
    timeline and the change history newest first, a page of each."""
    lines = list(account_lines(account=account))
    spans = [
        LineSpan(start=line.start_date, end=line.end_date, mrr=int(line.mrr)) for line in lines
    ]
    history = monthly_mrr(spans, last_month=today, months=24)
    timeline = Paginator(
        account.touchpoints.select_related("csm")
        .prefetch_related("contacts")
        .order_by("-occurred_at", "-id"),
        TIMELINE_PAGE_SIZE,
    ).get_page(timeline_page)
    touchpoints = list(timeline.object_list)
    changes = Paginator(
        AuditEvent.objects.filter(account=account).select_related("actor"), HISTORY_PAGE_SIZE
    ).get_page(history_page)
    # a touch logged since the account's score: rescore it before showing the score
    health_score_refresh_if_stale(account=account, today=today)
    coverage = account_coverage(account=account, today=today)
    # the coverage line's last touch is the day ``last_touches`` reads: ask again only without it
    last_touch = (
        coverage.last_touch
        if coverage is not None
        else account_last_touch(accounts=[account], today=today).get(account.pk)
    )
    return {
        "lines": [(line, line.is_active_on(today)) for line in lines],
        "mrr_chart": mrr_history(history, currency=currency),
        "mrr_movements": account_mrr_movements(account=account, as_of=today, lines=lines),
        "contacts": list(account.contacts.order_by("name", "id")),
        "touchpoints": touchpoints,
        "timeline_page": timeline,
        "audit_events": list(changes.object_list),
        "history_page": changes,
        "segment_exception": account.segment_exceptions.filter(
            ended_at__isnull=True, expires_on__gte=today
        ).first(),
        "usage": account_usage(account=account, today=today),
        "health": account_health(account=account, today=today, last_touch=last_touch),
        "coverage": coverage,
        "onboardings": list(
            account.onboardings.select_related("product", "current_phase").order_by("started_on")
        ),
        "last_touch": last_touch,
    }
