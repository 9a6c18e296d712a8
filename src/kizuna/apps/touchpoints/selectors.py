"""Reads of touchpoints.

``last_touches`` is the one definition of an account's *last touch*: the account header, the
account list and the coverage worklist all read it, so they cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable

from django.db.models import Max

from kizuna.apps.customers.models import Account
from kizuna.apps.segments.models import CoveragePolicy
from kizuna.apps.segments.services import DEFAULT_POLICIES
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.apps.touchpoints.dates import EARLIEST_DAY
from kizuna.apps.touchpoints.models import Touchpoint
from kizuna.core.coverage import Touch, local_day


def last_touches(*, accounts: Iterable[Account], today: dt.date) -> dict[int, Touch]:
    """Each account's last touch: its latest touchpoint whose day (company time zone) is in
    [2000-01-01, ``today``], among the kinds that count for the coverage of the account's
    segment (the coverage policy's qualifying kinds, the default policy's until one is saved;
    every kind for a segment without any policy).
    Accounts without such a touchpoint are absent.

    The coverage worklist gives exactly these touches to ``kizuna.core.coverage``, whose
    ``last_touch`` is therefore this day. One query for the touchpoints (latest per account
    and kind), one for the policies.
    """
    segments = {account.pk: account.segment for account in accounts}
    kinds = {segment: set(default[2]) for segment, default in DEFAULT_POLICIES.items()}
    kinds.update(CoveragePolicy.objects.values_list("segment", "qualifying_kinds"))
    zone = zoneinfo.ZoneInfo(tenant_settings_get().time_zone)
    start = dt.datetime.combine(EARLIEST_DAY, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    rows = (
        Touchpoint.objects.filter(
            account_id__in=list(segments), occurred_at__gte=start, occurred_at__lt=end
        )
        .order_by()
        .values("account_id", "kind")
        .annotate(last=Max("occurred_at"))
        .values_list("account_id", "kind", "last")
    )
    latest: dict[int, tuple[dt.datetime, str]] = {}
    for account_id, kind, last in rows:
        counted = kinds.get(segments[account_id])
        if counted is not None and kind not in counted:
            continue
        if account_id not in latest or (last, kind) > latest[account_id]:
            latest[account_id] = (last, kind)
    return {
        account_id: Touch(account_id=account_id, kind=kind, day=local_day(last, zone))
        for account_id, (last, kind) in latest.items()
    }
