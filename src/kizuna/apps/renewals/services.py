"""Writes of the renewals app.

``renewals_refresh`` derives every renewal from the subscription lines (kizuna.core.renewals)
and writes only what it derives: the lines and products due, the MRR due and after, the
outcome and the stage that follows from it. It never touches a closing plan, a forecast call
or a stage a person set on an open renewal. A renewal the lines no longer produce is deleted
when nobody worked on it, otherwise kept and marked *no longer due* (docs/renewals.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from kizuna.apps.customers.models import Account
from kizuna.apps.renewals.models import CLOSED_STAGES, ClosingPlan, Renewal, Stage
from kizuna.apps.renewals.selectors import DEFAULT_CADENCES, cadences, renewing_lines
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.calendar import add_years
from kizuna.core.renewals.generate import renewals_from_lines
from kizuna.db.bulk import bulk_insert, bulk_update_rows

#: past renewals are kept this many years back: the history the forecast is calibrated on
HISTORY_YEARS = 6
_DERIVED = ("line_ids", "products", "mrr_due", "mrr_after", "outcome", "stage", "no_longer_due")
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class RefreshResult:
    created: int
    updated: int
    unchanged: int
    deleted: int
    no_longer_due: int


def renewals_refresh(
    *, today: dt.date | None = None, account_ids: Collection[int] | None = None
) -> RefreshResult:
    """Derive the renewals of every account (or of ``account_ids``) from their lines and write
    the difference. Idempotent: a second run with the same lines changes nothing."""
    today = today or tenant_today()
    since = add_years(today, -HISTORY_YEARS)
    by_segment = cadences()
    accounts = Account.objects.all()
    if account_ids is not None:
        accounts = accounts.filter(pk__in=list(account_ids))
    segment_of = dict(accounts.values_list("pk", "segment"))
    default = DEFAULT_CADENCES["high"]

    def lead(account_id: int) -> int:
        return by_segment.get(segment_of.get(account_id, ""), default).lead_days

    lines = renewing_lines()
    if account_ids is not None:
        wanted = set(account_ids)
        lines = (line for line in lines if line.account_id in wanted)
    derived = renewals_from_lines(lines, today=today, lead_days=lead, since=since)
    with transaction.atomic():
        existing = _existing(since, account_ids)
        planned = _with_plans(since, account_ids)
        now = timezone.now()
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        unchanged = 0
        for renewal in derived:
            key = (renewal.account_id, renewal.date)
            row = existing.pop(key, None)
            if row is None:
                stage = renewal.outcome or Stage.NOT_STARTED
                inserts.append(
                    (
                        renewal.account_id,
                        renewal.date,
                        list(renewal.line_ids),
                        list(renewal.products),
                        renewal.mrr_due,
                        renewal.mrr_after,
                        renewal.outcome or "",
                        stage,
                        "",
                        False,
                        now,
                        now,
                        now,
                    )
                )
                continue
            pk, stored = row[0], row[1:]
            stage = _stage(renewal.outcome, stored[5], has_plan=pk in planned)
            values = (
                list(renewal.line_ids),
                list(renewal.products),
                renewal.mrr_due,
                renewal.mrr_after,
                renewal.outcome or "",
                stage,
                False,
            )
            if values == stored[:7]:
                unchanged += 1
            else:
                updates.append((*values, now, now, pk))
        deleted, marked = _gone(existing, planned, now)
        if inserts:
            bulk_insert(
                Renewal,
                (
                    "account_id", "date", "line_ids", "products", "mrr_due", "mrr_after",
                    "outcome", "stage", "forecast_call", "no_longer_due", "created_at",
                    "refreshed_at", "updated_at",
                ),
                inserts,
            )  # fmt: skip
        if updates:
            bulk_update_rows(Renewal, (*_DERIVED, "refreshed_at", "updated_at"), updates)
    return RefreshResult(
        created=len(inserts),
        updated=len(updates),
        unchanged=unchanged,
        deleted=deleted,
        no_longer_due=marked,
    )


def _stage(outcome: str | None, stored: str, *, has_plan: bool) -> str:
    """The stage after a refresh: the outcome once the date has come; a stage a person set
    stays; an outcome that went away (the date moved on) opens the renewal again."""
    if outcome:
        return outcome
    if stored in CLOSED_STAGES:
        return Stage.PLAN_DRAFTED if has_plan else Stage.NOT_STARTED
    return stored


def _existing(
    since: dt.date, account_ids: Collection[int] | None
) -> dict[tuple[int, dt.date], tuple[Any, ...]]:
    rows = Renewal.objects.filter(date__gte=since)
    if account_ids is not None:
        rows = rows.filter(account_id__in=list(account_ids))
    found: dict[tuple[int, dt.date], tuple[Any, ...]] = {}
    for pk, account_id, day, *values, call in rows.values_list(
        "pk", "account_id", "date", *_DERIVED, "forecast_call"
    ).iterator(chunk_size=20_000):
        values[0] = list(values[0])
        values[1] = list(values[1])
        found[(account_id, day)] = (pk, *values, call)
    return found


def _with_plans(since: dt.date, account_ids: Collection[int] | None) -> set[int]:
    plans = ClosingPlan.objects.filter(renewal__date__gte=since)
    if account_ids is not None:
        plans = plans.filter(renewal__account_id__in=list(account_ids))
    return set(plans.values_list("renewal_id", flat=True))


def _gone(
    rows: dict[tuple[int, dt.date], tuple[Any, ...]], planned: set[int], now: dt.datetime
) -> tuple[int, int]:
    """Renewals the lines no longer produce: deleted when untouched, else marked."""
    delete: list[int] = []
    mark: list[int] = []
    for pk, *values in rows.values():
        stage, no_longer_due, call = values[5], values[6], values[7]
        touched = pk in planned or call or stage not in (Stage.NOT_STARTED, *CLOSED_STAGES)
        if touched:
            if not no_longer_due:
                mark.append(pk)
        else:
            delete.append(pk)
    for start in range(0, len(delete), _CHUNK):
        Renewal.objects.filter(pk__in=delete[start : start + _CHUNK]).delete()
    for start in range(0, len(mark), _CHUNK):
        Renewal.objects.filter(pk__in=mark[start : start + _CHUNK]).update(
            no_longer_due=True, refreshed_at=now, updated_at=now
        )
    return len(delete), len(mark)
