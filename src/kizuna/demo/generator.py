"""The demo company: a believable Japanese B2B SaaS with four years of customers.

``generate`` is pure and deterministic: the same ``as_of``, ``accounts`` and ``seed`` give an
equal dataset (and byte-identical output) on every run. Each stage draws from its own random
stream (seeded with ``"<seed>:<stage>"``), so a later stage added to the generator — onboarding,
usage, NPS — does not change the data of the earlier ones.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence
from datetime import date

from kizuna.core.calendar import month_start_before, month_starts
from kizuna.demo.assignment import AccountFacts, Assignment, assign
from kizuna.demo.catalog import PRODUCTS, TEAMS, USERS
from kizuna.demo.contacts import draw_contacts
from kizuna.demo.history import draw_plan, next_anniversary, potential_acv, simulate
from kizuna.demo.profiles import draw_profiles
from kizuna.demo.touchpoints import TouchpointPlanner, TouchTarget
from kizuna.demo.types import (
    DemoAccount,
    DemoContact,
    DemoDataset,
    DemoSubscriptionLine,
    DemoTouchpoint,
)

HISTORY_MONTHS = 48


def stage_rng(seed: int, stage: str) -> random.Random:
    """An independent random stream per stage (string seeds are hashed with SHA-512)."""
    return random.Random(f"{seed}:{stage}")


def generate(*, as_of: date, accounts: int = 2000, seed: int = 20261125) -> DemoDataset:
    """The whole demo company as of ``as_of`` with ``accounts`` customers (churned included)."""
    if accounts < 0:
        raise ValueError("accounts must not be negative")
    facts = _account_facts(as_of=as_of, count=accounts, seed=seed)
    assignments = assign(facts, as_of)
    contacts = _contacts(facts, seed)
    return DemoDataset(
        as_of=as_of,
        products=PRODUCTS,
        teams=TEAMS,
        users=USERS,
        accounts=_with_groups(
            [_account(f, assignments[f.profile.key]) for f in facts],
            stage_rng(seed, "groups"),
        ),
        contacts=tuple(c for per_account in contacts for c in per_account),
        subscription_lines=_lines(facts, as_of),
        touchpoints=_touchpoints(facts, assignments, contacts, as_of, seed),
    )


def _account_facts(*, as_of: date, count: int, seed: int) -> list[AccountFacts]:
    months = month_starts(month_start_before(as_of, HISTORY_MONTHS - 1), as_of)
    profiles = draw_profiles(stage_rng(seed, "profiles"), count=count, months=months)
    rng = stage_rng(seed, "history")
    facts = []
    for profile in profiles:
        plan = draw_plan(rng, profile.employee_count)
        lines = simulate(
            rng,
            plan=plan,
            months=months,
            start=profile.start_index,
            employee_count=profile.employee_count,
        )
        upside = potential_acv(rng, plan, lines)
        facts.append(AccountFacts(profile=profile, lines=tuple(lines), potential_acv=upside))
    return facts


def _account(facts: AccountFacts, assignment: Assignment) -> DemoAccount:
    profile = facts.profile
    return DemoAccount(
        key=profile.key,
        name=profile.company.name,
        kana=profile.company.kana,
        industry=profile.industry,
        employee_count=profile.employee_count,
        channel=profile.channel,
        partner_name=profile.partner_name,
        owner_username=assignment.owner,
        team_code=assignment.team_code,
        phase=assignment.phase,
        segment=assignment.segment,
        potential_acv=facts.potential_acv,
        created_on=profile.created_on,
    )


#: one group of companies per this many accounts (at least one from 20 accounts on); each of
#: 2 to 5 accounts
ACCOUNTS_PER_GROUP = 200
GROUP_SIZES = (2, 3, 4, 5)


def _with_groups(accounts: list[DemoAccount], rng: random.Random) -> tuple[DemoAccount, ...]:
    """A few groups of companies among the customers still active: a parent with its
    children, the third and later ones under the first child (a group three levels deep).
    Its own random stream: every other field is the same with or without groups."""
    active = [i for i, account in enumerate(accounts) if account.phase != "churned"]
    # at least one group in a small demo (the feature shows), none in a tiny one
    wanted = max(1, len(accounts) // ACCOUNTS_PER_GROUP) if len(accounts) >= 20 else 0
    count = min(wanted, len(active) // max(GROUP_SIZES))
    chosen = rng.sample(active, count * max(GROUP_SIZES))
    for g in range(count):
        members = chosen[g * max(GROUP_SIZES) :][: rng.choice(GROUP_SIZES)]
        top = accounts[members[0]].key
        for n, index in enumerate(members[1:]):
            parent = top if n < 2 else accounts[members[1]].key
            accounts[index] = dataclasses.replace(accounts[index], parent_key=parent)
    return tuple(accounts)


def _lines(facts: Sequence[AccountFacts], as_of: date) -> tuple[DemoSubscriptionLine, ...]:
    lines: list[DemoSubscriptionLine] = []
    for account in facts:
        for draft in account.lines:
            lines.append(
                DemoSubscriptionLine(
                    key=f"SUB-{len(lines) + 1:06d}",
                    account_key=account.profile.key,
                    product_code=draft.product_code,
                    seats=draft.seats,
                    mrr=draft.mrr,
                    billing_period=draft.billing_period,
                    start_date=draft.start,
                    end_date=draft.end,
                    renewal_date=None if draft.end else next_anniversary(draft.start, as_of),
                )
            )
    return tuple(lines)


def _contacts(facts: Sequence[AccountFacts], seed: int) -> list[list[DemoContact]]:
    rng = stage_rng(seed, "contacts")
    return [
        draw_contacts(
            rng,
            account_key=f.profile.key,
            domain=f.profile.company.domain,
            employee_count=f.profile.employee_count,
        )
        for f in facts
    ]


def _touchpoints(
    facts: Sequence[AccountFacts],
    assignments: dict[str, Assignment],
    contacts: Sequence[Sequence[DemoContact]],
    as_of: date,
    seed: int,
) -> tuple[DemoTouchpoint, ...]:
    planner = TouchpointPlanner(stage_rng(seed, "touchpoints"), as_of)
    touches: list[DemoTouchpoint] = []
    for ordinal, (account, people) in enumerate(zip(facts, contacts, strict=True)):
        assignment = assignments[account.profile.key]
        target = TouchTarget(
            key=account.profile.key,
            ordinal=ordinal,
            segment=assignment.segment,
            team_code=assignment.team_code,
            owner=assignment.owner,
            first_start=account.first_start,
            churned_on=account.churned_on,
            contact_emails=tuple(person.email for person in people),
        )
        touches.extend(planner.for_account(target))
    return tuple(touches)
