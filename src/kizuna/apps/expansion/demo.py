"""The demo company's CSQLs, loaded by ``apps/demo`` after the health scores: a year of
expansion leads raised by the owner CSMs, on accounts that expanded a few months later (the
leads that paid off) and on healthy accounts that did not (the ones that did not), handed to
sales, moved by hand as sales would, then attributed by the real daily job (``csqls_refresh``).

Seeded, so every load is the same: about one lead in three of the closed ones is won, in line
with what CS-sourced expansion teams report; the last month's leads are still open.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from kizuna.apps.customers.models import Account
from kizuna.apps.expansion.models import CHOSEN_REASONS, Csql, CsqlState
from kizuna.apps.expansion.services import csqls_refresh
from kizuna.apps.health.models import HealthScore
from kizuna.apps.org.models import User
from kizuna.apps.revenue.frames import revenue_lines
from kizuna.core import expansion as core
from kizuna.core.calendar import add_months

#: the CRM users sales leads go to when no member takes them
CRM_SALES = ("佐藤 健(Salesforce)", "鈴木 彩(Salesforce)", "高橋 誠(Salesforce)")
#: of the expanding accounts, how many got a lead before; of the healthy rest, how many
EXPANDED_SHARE, HEALTHY_SHARE = 0.7, 0.45
SEED = 11


def _reasons(rng: random.Random, grade: int | None) -> list[dict[str, Any]]:
    reasons = []
    if rng.random() < 0.6:
        ratio = round(rng.uniform(0.75, 0.98), 2)
        reasons.append(
            {
                "code": "seats_nearly_full",
                "points": round(35 * min(1, (ratio - 0.6) / 0.35), 1),
                "details": {"ratio": ratio},
            }
        )
    if rng.random() < 0.5:
        trend = round(rng.uniform(1.1, 1.6), 2)
        reasons.append(
            {
                "code": "usage_growing",
                "points": round(20 * min(1, (trend - 1) / 0.5), 1),
                "details": {"trend": trend},
            }
        )
    if grade and grade >= 4:
        reasons.append(
            {"code": "healthy", "points": 20.0 if grade == 5 else 10.0, "details": {"grade": grade}}
        )
    return reasons


def _targets(as_of: dt.date, rng: random.Random) -> list[tuple[Account, dt.date]]:
    """(account, raise day) of each lead: before a later expansion, or on a healthy account."""
    start = add_months(as_of, -12)
    accounts = Account.objects.filter(owner__isnull=False).select_related("owner")
    by_pk = {a.pk: a for a in accounts}
    expansions = core.expansions_from_lines(revenue_lines(account_ids=list(by_pk)), as_of=as_of)
    targets, used = [], set()
    for account_id, months in sorted(expansions.items()):
        later = sorted(m for m in months if start < m <= as_of and account_id in by_pk)
        if later and rng.random() < EXPANDED_SHARE:
            month = later[0]
            raised = add_months(month, -rng.randint(1, 4)).replace(day=rng.randint(1, 28))
            if raised >= start:
                targets.append((by_pk[account_id], raised))
                used.add(account_id)
    healthy = (
        HealthScore.objects.filter(grade__gte=4).values_list("account_id", flat=True).distinct()
    )
    for account_id in sorted(set(healthy) - used):
        if account_id in by_pk and rng.random() < HEALTHY_SHARE:
            raised = start + dt.timedelta(days=rng.randint(0, (as_of - start).days))
            targets.append((by_pk[account_id], raised))
    return targets


def _state(rng: random.Random, raised: dt.date, as_of: dt.date) -> tuple[str, str, dt.date | None]:
    """What sales did by hand: accepted most, lost some with a reason, left a few proposed."""
    age = (as_of - raised).days
    if age < 21:
        return CsqlState.PROPOSED, "", None
    roll = rng.random()
    if roll < 0.22 and age > 45:
        reason = rng.choices(CHOSEN_REASONS, weights=(4, 4, 2, 3, 2, 1))[0]
        return (
            CsqlState.LOST,
            reason.value,
            raised + dt.timedelta(days=rng.randint(14, min(age, 90))),
        )
    if roll < 0.9:
        return CsqlState.ACCEPTED, "", None
    return CsqlState.PROPOSED, "", None


def expansion_demo_load(*, as_of: dt.date, sales: User | None) -> int:
    """The demo's CSQLs as of ``as_of`` (``sales``: the member half of them are handed to);
    how many. The derived fields are the daily job's."""
    rng = random.Random(SEED)
    grades = dict(
        HealthScore.objects.order_by("account_id", "day").values_list("account_id", "grade")
    )
    rows = []
    for account, raised in _targets(as_of, rng):
        state, reason, closed = _state(rng, raised, as_of)
        member = sales if sales is not None and rng.random() < 0.5 else None
        rows.append(
            Csql(
                account=account,
                raised_by=account.owner,
                team_id=account.owner.team_id if account.owner else None,
                raised_on=raised,
                raised_at=timezone.make_aware(
                    dt.datetime.combine(raised, dt.time(10, rng.randint(0, 59)))
                ),
                reasons=_reasons(rng, grades.get(account.pk)),
                note=rng.choice(
                    (
                        "経費精算の追加導入を提案",
                        "利用部署の拡大に向けて席数追加を提案",
                        "請求書受取の導入を打診",
                        "",
                    )
                ),
                sales_owner=member,
                sales_owner_name="" if member else rng.choice(CRM_SALES),
                state=state,
                lost_reason=reason,
                closed_on=closed,
            )
        )
    rows.sort(key=lambda c: (c.raised_on, c.account_id))
    Csql.objects.bulk_create(rows)
    csqls_refresh(today=as_of)
    return len(rows)
