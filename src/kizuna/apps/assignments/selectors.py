"""Reads for the load page and the capacity plan."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.db.models import Count, Min

from kizuna.apps.assignments.services import SERVES, load_norms
from kizuna.apps.customers.models import Account, Phase
from kizuna.apps.org.models import Role, Team, TeamKind, User
from kizuna.core.capacity import CapacityParams, Duty, monthly_new_contracts
from kizuna.core.mrr_history import add_months


@dataclass(frozen=True)
class LoadRow:
    user: User
    serves: str
    counts: dict[str, int]
    total: int
    norm_min: int | None
    norm_max: int | None

    @property
    def served(self) -> int:
        return self.counts.get(self.serves, 0)

    @property
    def state(self) -> str:
        """ "over", "under" or "ok" against the norm of the segment the CSM serves."""
        if self.norm_max is not None and self.served > self.norm_max:
            return "over"
        if self.norm_min is not None and self.served < self.norm_min:
            return "under"
        return "ok"


def load_rows() -> list[LoadRow]:
    """Each CSM's active accounts per segment against the norm of the segment they serve."""
    norms = {norm.segment: norm for norm in load_norms()}
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for owner_id, segment, n in (
        Account.objects.filter(mrr__gt=0, owner__isnull=False)
        .values_list("owner_id", "segment")
        .annotate(n=Count("id"))
    ):
        counts[owner_id][segment] = n
    rows = []
    for user in (
        User.objects.filter(role=Role.CSM, is_active=True)
        .select_related("team")
        .order_by("team__code", "username")
    ):
        serves = SERVES.get(user.team.kind, "tech") if user.team else "tech"
        norm = norms.get(serves)
        rows.append(
            LoadRow(
                user=user,
                serves=serves,
                counts=counts.get(user.pk, {}),
                total=sum(counts.get(user.pk, {}).values()),
                norm_min=norm.min_accounts if norm else None,
                norm_max=norm.max_accounts if norm else None,
            )
        )
    return rows


@dataclass(frozen=True)
class MeasuredInputs:
    accounts: dict[str, int]
    new_per_month: dict[str, Fraction]
    churn_per_month: dict[str, Fraction]
    headcount: dict[str, int]
    team_names: dict[str, str]


def measured_inputs(*, today: dt.date, months: int = 6) -> MeasuredInputs:
    """What the data says: active accounts per segment, new contracts per month over the last
    ``months`` complete months (by first contract day, segment = the account's current one),
    monthly logo churn per segment (accounts churned in that window ÷ months ÷ active now),
    and CSM headcount per team."""
    active = dict(Account.objects.filter(mrr__gt=0).values_list("segment").annotate(n=Count("id")))
    firsts: dict[str, list[dt.date]] = defaultdict(list)
    first_contracts = Account.objects.annotate(first=Min("subscription_lines__start_date"))
    for segment, first in first_contracts.values_list("segment", "first"):
        if first is not None:
            firsts[segment].append(first)
    since = add_months(today.replace(day=1), -months)
    churned = dict(
        Account.objects.filter(phase=Phase.CHURNED, subscription_lines__end_date__gte=since)
        .values_list("segment")
        .annotate(n=Count("id", distinct=True))
    )
    teams = list(Team.objects.all())
    headcount = dict(
        User.objects.filter(role=Role.CSM, is_active=True, team__isnull=False)
        .values_list("team__code")
        .annotate(n=Count("id"))
    )
    return MeasuredInputs(
        accounts={segment: int(n) for segment, n in active.items()},
        new_per_month={
            s: monthly_new_contracts(days, as_of=today, months=months) for s, days in firsts.items()
        },
        churn_per_month={
            s: Fraction(churned.get(s, 0), months * max(int(active.get(s, 0)), 1))
            for s in set(active) | set(churned)
        },
        headcount={team.code: int(headcount.get(team.code, 0)) for team in teams},
        team_names={team.code: team.name for team in teams},
    )


def duties() -> tuple[Duty, ...]:
    """Which team carries which work, from the team kinds."""
    result = []
    for team in Team.objects.all():
        if team.kind == TeamKind.STRATEGIC:
            result.append(Duty(team=team.code, segment="high", kind="book"))
        elif team.kind == TeamKind.CORPORATE_ONBOARDING:
            result.append(Duty(team=team.code, segment="low", kind="onboarding"))
        elif team.kind == TeamKind.CORPORATE_ADOPTION:
            result.append(Duty(team=team.code, segment="low", kind="book"))
    return tuple(result)


def capacity_params(measured: MeasuredInputs, scenario: dict[str, Any]) -> CapacityParams:
    return CapacityParams(
        accounts=measured.accounts,
        target_load={"high": scenario["high_load"], "low": scenario["low_load"]},
        monthly_new_contracts={
            "high": scenario["high_new"],
            "low": scenario["low_new"],
            "tech": measured.new_per_month.get("tech", 0),
        },
        monthly_churn_rate={s: scenario["churn"] for s in measured.accounts},
        onboarding_months={
            "low": scenario["onboarding_months"],
            "high": scenario["onboarding_months"],
        },
        concurrent_onboardings={"low": scenario["concurrent"], "high": scenario["concurrent"]},
        headcount=measured.headcount,
        duties=duties(),
    )
