"""Reads for the load page, the auto-assignment and the capacity plan.

All three read the teams' books through ``books_read`` and judge them with the pure core
(``kizuna.core.assignment``: pools, load, state against the norm, CSMs needed), so they cannot
disagree. Which team serves which accounts: high touch → the strategic team (one CSM from
onboarding to renewal); low touch → the corporate onboarding team while the account onboards,
the corporate adoption team after; tech and community touch → the enablement team, 1:N,
without an owner. Only active accounts (MRR > 0) count; capacity is the teams' active CSMs.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Count, Min, Sum

from kizuna.apps.customers.models import Account, Phase
from kizuna.apps.org.models import Role, Team, TeamKind, User
from kizuna.apps.segments.selectors import coverage_policy_rows
from kizuna.core.assignment import (
    DEFAULT_NORMS,
    AccountToAssign,
    Assignment,
    CsmLoad,
    LoadNorm,
    TeamLoad,
    load_state,
    team_loads,
)
from kizuna.core.calendar import month_start_before, month_start_clamped
from kizuna.core.capacity import BOOK, ONBOARDING, CapacityParams, Duty, monthly_new_contracts

SERVES: dict[str, str] = {
    TeamKind.STRATEGIC: "high",
    TeamKind.CORPORATE_ONBOARDING: "low",
    TeamKind.CORPORATE_ADOPTION: "low",
    TeamKind.ENABLEMENT: "tech",
}
#: What each team kind carries in the capacity plan (the enablement team serves 1:N: no duty).
DUTIES: dict[str, tuple[str, str]] = {
    TeamKind.STRATEGIC: ("high", BOOK),
    TeamKind.CORPORATE_ONBOARDING: ("low", ONBOARDING),
    TeamKind.CORPORATE_ADOPTION: ("low", BOOK),
}


def serving_team_kind(*, segment: str, phase: str) -> str:
    if segment == "high":
        return TeamKind.STRATEGIC
    if segment == "low":
        return (
            TeamKind.CORPORATE_ONBOARDING
            if phase == Phase.ONBOARDING
            else TeamKind.CORPORATE_ADOPTION
        )
    return TeamKind.ENABLEMENT


def load_norms() -> list[LoadNorm]:
    """The per-CSM norms of the segments whose coverage policy sets a maximum; a segment
    without a saved policy has the core's default norm (``DEFAULT_NORMS``). Nothing is
    written."""
    rows = coverage_policy_rows()
    saved = {p.segment for p in rows}
    return [
        LoadNorm(
            segment=p.segment,
            min_accounts=p.min_accounts_per_csm or 0,
            max_accounts=p.max_accounts_per_csm,
        )
        for p in rows
        if p.max_accounts_per_csm
    ] + [norm for norm in DEFAULT_NORMS if norm.segment not in saved]


@dataclass(frozen=True)
class Books:
    """The teams' books today: ``loads`` per person of a team (CSMs, and managers who own
    accounts of their team's pool); ``waiting``: per (team id, segment), active accounts
    without an owner in the team that serves them; ``counts``: every active account a person
    owns, per segment. With ``accounts=True`` also the accounts to place (``to_place``) and
    the team each moves to (``targets``)."""

    loads: list[CsmLoad]
    waiting: dict[tuple[int, str], int]
    counts: dict[int, dict[str, int]]
    norms: list[LoadNorm]
    to_place: list[AccountToAssign]
    targets: dict[int, int | None]
    with_accounts: bool = False


def books_read(*, accounts: bool = False) -> Books:
    """The books in one query grouped by owner, segment and phase; with ``accounts``, one pass
    over the active accounts instead (about 1 s at 100,000)."""
    norms = load_norms()
    with_norm = {norm.segment for norm in norms}
    teams = {team.kind: team for team in Team.objects.order_by("-id")}  # first team of a kind
    people = {
        user.pk: user
        for user in User.objects.filter(is_active=True, team__isnull=False).select_related("team")
    }
    csm_ids = set(
        User.objects.filter(pk__in=list(people), role=Role.CSM).values_list("pk", flat=True)
    )
    active = Account.objects.filter(mrr__gt=0)
    rows: Iterable[tuple[int | None, str, str, int | None, int, int]]
    if accounts:
        rows = (
            (pk, segment, phase, owner_id, mrr, 1)
            for pk, segment, phase, owner_id, mrr in active.values_list(
                "id", "segment", "phase", "owner_id", "mrr"
            ).iterator(chunk_size=5000)
        )
    else:
        rows = (
            (None, segment, phase, owner_id, int(mrr or 0), n)
            for segment, phase, owner_id, mrr, n in active.values("segment", "phase", "owner_id")
            .order_by()
            .annotate(mrr_sum=Sum("mrr"), n=Count("id"))
            .values_list("segment", "phase", "owner_id", "mrr_sum", "n")
        )
    pool: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    waiting: dict[tuple[int, str], int] = defaultdict(int)
    to_place: list[AccountToAssign] = []
    targets: dict[int, int | None] = {}
    for account_id, segment, phase, owner_id, mrr, n in rows:
        team = teams.get(serving_team_kind(segment=segment, phase=phase))
        owner = people.get(owner_id) if owner_id is not None else None
        if owner_id is not None:
            counts[owner_id][segment] = counts[owner_id].get(segment, 0) + n
        if owner is not None and team is not None and owner.team_id == team.pk:
            pool[owner.pk][0] += n
            pool[owner.pk][1] += int(mrr) * 12
            continue
        if segment not in with_norm and owner_id is None:
            continue
        if team is not None:
            waiting[team.pk, segment] += n
        if account_id is not None:
            targets[account_id] = team.pk if team else None
            to_place.append(AccountToAssign(account_id, segment, mrr * 12, targets[account_id]))
    loads = [
        CsmLoad(
            csm_id=user.pk,
            team_id=int(user.team_id or 0),
            segment=SERVES.get(user.team.kind, "tech") if user.team else "tech",
            accounts=pool[user.pk][0] if user.pk in pool else 0,
            acv=pool[user.pk][1] if user.pk in pool else 0,
            capacity=user.pk in csm_ids,
        )
        for user in people.values()
        if user.pk in csm_ids or user.pk in pool
    ]
    return Books(loads, dict(waiting), dict(counts), norms, to_place, targets, accounts)


@dataclass(frozen=True)
class LoadRow:
    user: User
    serves: str
    counts: dict[str, int]
    total: int
    load: int
    capacity: bool
    norm_min: int | None
    norm_max: int | None
    state: str


@dataclass(frozen=True)
class LoadPage:
    rows: list[LoadRow]
    teams: list[tuple[Team, TeamLoad]]


def load_page(books: Books | None = None) -> LoadPage:
    """Each person's load (the accounts of their team's pool they own) against the norm of the
    segment the team serves, and each pool's summary: CSMs needed, free places, waiting."""
    books = books or books_read()
    norms = {norm.segment: norm for norm in books.norms}
    users = User.objects.select_related("team").in_bulk([load.csm_id for load in books.loads])
    rows = []
    for load in books.loads:
        norm = norms.get(load.segment)
        counts = books.counts.get(load.csm_id, {})
        rows.append(
            LoadRow(
                user=users[load.csm_id],
                serves=load.segment,
                counts=counts,
                total=sum(counts.values()),
                load=load.accounts,
                capacity=load.capacity,
                norm_min=norm.min_accounts if norm else None,
                norm_max=norm.max_accounts if norm else None,
                state=load_state(load.accounts, norm) if load.capacity else "",
            )
        )
    rows.sort(
        key=lambda r: (r.user.team.code if r.user.team else "", not r.capacity, r.user.username)
    )
    team_by_id = Team.objects.in_bulk([load.team_id for load in books.loads])
    pools = team_loads(books.loads, books.waiting, norms=books.norms)
    return LoadPage(rows, [(team_by_id[pool.team_id], pool) for pool in pools])


def load_rows() -> list[LoadRow]:
    return load_page().rows


@dataclass(frozen=True)
class MeasuredInputs:
    accounts: dict[str, int]
    new_per_month: dict[str, Fraction]
    churn_per_month: dict[str, Fraction]
    headcount: dict[str, int]
    team_names: dict[str, str]
    onboarding_now: dict[str, int]


def measured_inputs(*, today: dt.date, months: int = 6) -> MeasuredInputs:
    """What the data says: active accounts per segment, new contracts per month over the last
    ``months`` complete months (by first contract day, segment = the account's current one),
    monthly logo churn per segment (accounts churned in that window ÷ months ÷ active now),
    active accounts onboarding now per segment, and the active CSMs of each team that carries
    a duty (managers and the enablement team are not capacity)."""
    active = dict(Account.objects.filter(mrr__gt=0).values_list("segment").annotate(n=Count("id")))
    firsts: dict[str, list[dt.date]] = defaultdict(list)
    # only the first contract days that can fall in the window are read (the core counts
    # exactly which do); the grouping stays in the database
    first_contracts = Account.objects.annotate(first=Min("subscription_lines__start_date")).filter(
        first__gte=month_start_clamped(today, -months), first__lte=today
    )
    for segment, first in first_contracts.values_list("segment", "first"):
        firsts[segment].append(first)
    since = month_start_before(today, months)
    churned = dict(
        Account.objects.filter(phase=Phase.CHURNED, subscription_lines__end_date__gte=since)
        .values_list("segment")
        .annotate(n=Count("id", distinct=True))
    )
    teams = [team for team in Team.objects.all() if team.kind in DUTIES]
    headcount = dict(
        User.objects.filter(role=Role.CSM, is_active=True, team__isnull=False)
        .values_list("team__code")
        .annotate(n=Count("id"))
    )
    onboarding = dict(
        Account.objects.filter(mrr__gt=0, phase=Phase.ONBOARDING)
        .values_list("segment")
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
        onboarding_now={segment: int(n) for segment, n in onboarding.items()},
    )


def duties() -> tuple[Duty, ...]:
    """Which team carries which work, from the team kinds (``DUTIES``). Like the books, only
    the first team of a kind serves accounts."""
    first: dict[str, Team] = {}
    for team in Team.objects.order_by("id"):
        first.setdefault(team.kind, team)
    return tuple(
        Duty(team=team.code, segment=DUTIES[kind][0], kind=DUTIES[kind][1])  # type: ignore[arg-type]
        for kind, team in sorted(first.items())
        if kind in DUTIES
    )


def capacity_defaults(measured: MeasuredInputs) -> dict[str, Decimal]:
    """The capacity scenario's starting values: target loads and concurrent onboardings at the
    norms' maxima (the core's default norm where a segment's policy sets none), so that the
    as-of month's CSMs needed are the load page's (everyone within the norm); new contracts
    and churn as measured; three onboarding months."""
    norms = {norm.segment: norm for norm in DEFAULT_NORMS}
    norms.update((norm.segment, norm) for norm in load_norms())
    return {
        "high_load": Decimal(norms["high"].max_accounts),
        "low_load": Decimal(norms["low"].max_accounts),
        "high_new": round(Decimal(float(measured.new_per_month.get("high", 0))), 2),
        "low_new": round(Decimal(float(measured.new_per_month.get("low", 0))), 2),
        "churn": round(Decimal(float(measured.churn_per_month.get("low", 0))), 4),
        "onboarding_months": Decimal(3),
        "concurrent": Decimal(norms["low"].max_accounts),
    }


def planned_rows(
    planned: Iterable[Assignment],
) -> list[tuple[Assignment, Account | None, User | None]]:
    """Each planned assignment with its account and CSM (None when gone); two queries."""
    planned = list(planned)
    users = User.objects.in_bulk([a.csm_id for a in planned])
    accounts = Account.objects.in_bulk([a.account_id for a in planned])
    return [(a, accounts.get(a.account_id), users.get(a.csm_id)) for a in planned]


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
        onboarding_now=measured.onboarding_now,
    )
