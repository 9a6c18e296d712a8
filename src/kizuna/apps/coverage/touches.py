"""Which touchpoints are touches: the coverage policy's rule (its qualifying kinds per
segment), read by coverage, the health score and the composed pages.

``qualifying_touchpoints`` is the one rule for which touchpoints are *touches* of their account
as of a day, and ``last_touches`` the one definition of an account's *last touch* built on it:
the account header, the account list, the coverage worklist and its uncovered drill-down read
``last_touches``, the health score's "days since the last touch" reads the touchpoints of
``qualifying_touchpoints``, so none of them can disagree.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable

from django.db.models import Max, Q, QuerySet

from kizuna.apps.customers.models import Account
from kizuna.apps.segments.frames import coverage_policies
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.apps.touchpoints.dates import EARLIEST_DAY
from kizuna.apps.touchpoints.models import Touchpoint
from kizuna.core.calendar import local_day
from kizuna.core.coverage import Touch


def touch_kinds() -> dict[str, set[str]]:
    """Per segment, the kinds of touchpoint that count as a touch: its coverage policy's
    qualifying kinds (``segments.frames.coverage_policies``: the saved row, or the default
    while none is saved). A segment absent here has no policy, and every kind counts for it."""
    return {policy.segment: set(policy.qualifying_kinds) for policy in coverage_policies()}


def qualifying_touchpoints(*, as_of: dt.date) -> QuerySet[Touchpoint]:
    """The touchpoints that are touches of their account as of ``as_of``: their day in the
    company's time zone is in [2000-01-01, ``as_of``] (both inclusive: a date typed wrong,
    or a touchpoint stored for a later day, never counts before that day), and their kind
    counts for the account's current segment (``touch_kinds``; an internal note never does
    with the default policies).

    A queryset, so callers add their own filters and aggregates in the same query (one join to
    the account for its segment). Reading history, pass the day read as ``as_of``: nothing
    dated after it is returned.
    """
    return _qualifying(as_of, zoneinfo.ZoneInfo(tenant_settings_get().time_zone))


def _qualifying(as_of: dt.date, zone: zoneinfo.ZoneInfo) -> QuerySet[Touchpoint]:
    kinds = touch_kinds()
    start = dt.datetime.combine(EARLIEST_DAY, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    counted = ~Q(account__segment__in=sorted(kinds))
    for segment, segment_kinds in sorted(kinds.items()):
        counted |= Q(account__segment=segment, kind__in=sorted(segment_kinds))
    return Touchpoint.objects.filter(counted, occurred_at__gte=start, occurred_at__lt=end)


def last_touches(*, accounts: Iterable[Account], today: dt.date) -> dict[int, Touch]:
    """Each account's last touch as of ``today``: its latest touchpoint among
    ``qualifying_touchpoints(as_of=today)`` (of the latest instant, the greatest kind when two
    share it). Accounts without one are absent.

    The coverage worklist gives exactly these touches to ``kizuna.core.coverage``, whose
    ``last_touch`` is therefore this day. One query for the touchpoints (latest per account
    and kind), one for the policies.
    """
    account_ids = [account.pk for account in accounts]
    return _latest(today, Q(account_id__in=account_ids))


def last_touches_of_owners(*, owner_ids: Iterable[int], today: dt.date) -> dict[int, Touch]:
    """``last_touches`` of every active account (cached MRR > 0) that ``owner_ids`` own, in
    one query whatever their number (the accounts are a join, not a list of ids: SQLite
    bounds the number of variables of a statement)."""
    return _latest(today, Q(account__owner_id__in=list(owner_ids), account__mrr__gt=0))


def _latest(today: dt.date, accounts: Q) -> dict[int, Touch]:
    zone = zoneinfo.ZoneInfo(tenant_settings_get().time_zone)
    rows = (
        _qualifying(today, zone)
        .filter(accounts)
        .order_by()
        .values("account_id", "kind")
        .annotate(last=Max("occurred_at"))
        .values_list("account_id", "kind", "last")
    )
    latest: dict[int, tuple[dt.datetime, str]] = {}
    for account_id, kind, last in rows:
        if account_id not in latest or (last, kind) > latest[account_id]:
            latest[account_id] = (last, kind)
    return {
        account_id: Touch(account_id=account_id, kind=kind, day=local_day(last, zone))
        for account_id, (last, kind) in latest.items()
    }
