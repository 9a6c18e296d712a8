"""What the composed pages read: each from the app that owns it, put together here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.formats import date_format

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.coverage.selectors import account_coverage
from kizuna.apps.coverage.touches import last_touches
from kizuna.apps.customers.charts import mrr_history
from kizuna.apps.customers.models import Account, Channel, Phase, Segment
from kizuna.apps.customers.selectors import account_lines
from kizuna.apps.health.selectors import account_health
from kizuna.apps.health.services import health_score_refresh_if_stale
from kizuna.apps.revenue.selectors import account_mrr_movements
from kizuna.apps.usage.selectors import account_usage
from kizuna.core.money import format_money
from kizuna.core.mrr_history import LineSpan, monthly_mrr

TIMELINE_PAGE_SIZE = 25
HISTORY_PAGE_SIZE = 15


def account_last_touch(*, accounts: Sequence[Account], today: dt.date) -> dict[int, dt.date]:
    """The day of each account's last touch (``coverage.touches.last_touches``, the one
    definition the header and the coverage worklist share); accounts never touched are absent."""
    return {pk: touch.day for pk, touch in last_touches(accounts=accounts, today=today).items()}


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountListRow:
    """One row of the account list, every value ready to print (the template only escapes
    them): labels are looked up once per distinct value on the page, not once per row."""

    url: str
    name: str
    kana: str
    #: the partner's name for an account sold through one (possibly empty); None when direct
    partner: str | None
    segment: str
    segment_label: str
    phase: str
    phase_label: str
    owner: str  # "—" without one
    team: str  # "—" without one
    mrr: str  # in the company currency
    last_touch: str  # the day of the last touch (short date format), "—" without one
    #: the same day as a date (None without one), for what compares it with other pages
    last_touch_on: dt.date | None


def account_list_rows(
    *, accounts: Sequence[Account], today: dt.date, currency: str
) -> list[AccountListRow]:
    """The account list's rows for one page of accounts (read with their owner and team):
    their last touch (``account_last_touch``, one query) and every label, in the active
    language."""
    last_touch = account_last_touch(accounts=accounts, today=today)
    segments = {value: str(label) for value, label in Segment.choices}
    phases = {value: str(label) for value, label in Phase.choices}
    people: dict[int | None, str] = {None: "—"}
    teams: dict[int | None, str] = {None: "—"}
    days: dict[dt.date | None, str] = {None: "—"}
    # one reverse() for the page: every account's address differs only by its id
    url_template = reverse("customers:account_detail", args=[_URL_SENTINEL])
    rows = []
    for account in accounts:
        if account.owner_id not in people:
            people[account.owner_id] = str(account.owner)
        if account.team_id not in teams:
            teams[account.team_id] = str(account.team)
        day = last_touch.get(account.pk)
        if day is not None and day not in days:
            days[day] = date_format(day, "SHORT_DATE_FORMAT") or "—"
        rows.append(
            AccountListRow(
                url=url_template.replace(str(_URL_SENTINEL), str(account.pk)),
                name=account.name,
                kana=account.kana,
                partner=account.partner_name if account.channel == Channel.PARTNER else None,
                segment=account.segment,
                segment_label=segments.get(account.segment, account.segment),
                phase=account.phase,
                phase_label=phases.get(account.phase, account.phase),
                owner=people[account.owner_id],
                team=teams[account.team_id],
                mrr=format_money(int(account.mrr), currency or "JPY"),
                last_touch=days[day],
                last_touch_on=day,
            )
        )
    return rows


#: an id no account has, to build account addresses from one ``reverse()``
_URL_SENTINEL = 987_654_321_987_654_321


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
