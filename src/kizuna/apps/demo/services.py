"""Loading the generated demo company (``kizuna.demo``) into the database."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from kizuna.apps.customers.models import Account, Contact, Product, SubscriptionLine
from kizuna.apps.health.demo import health_demo_load
from kizuna.apps.onboarding.demo import onboarding_demo_load
from kizuna.apps.org.access import role_opens_django_admin
from kizuna.apps.org.models import Team, User
from kizuna.apps.revenue.models import RevenueTarget
from kizuna.apps.segments.services import (
    coverage_policies_ensure_defaults,
    segment_history_initialise,
    segment_rule_current,
)
from kizuna.apps.tenant.selectors import tenant_settings_get, tenant_today
from kizuna.apps.touchpoints.models import Touchpoint
from kizuna.apps.usage.demo import LARGE_DEMO, usage_demo_load
from kizuna.core.calendar import month_start_before
from kizuna.core.segmentation import segment_by_percentile
from kizuna.demo.generator import generate
from kizuna.demo.types import DemoDataset, DemoSubscriptionLine

BATCH = 2000
#: The fixed logins the README and the demo banner print, one per role.
DEMO_LOGINS = (("admin", "admin"), ("manager", "manager"), ("csm", "csm"), ("viewer", "viewer"))


@dataclass(frozen=True)
class DemoLoadResult:
    loaded: bool
    accounts: int
    subscription_lines: int
    touchpoints: int
    logins: tuple[tuple[str, str], ...] = DEMO_LOGINS

    def describe(self) -> str:
        verb = "Loaded the demo company" if self.loaded else "The database already has data"
        return (
            f"{verb}: {self.accounts:,} accounts, {self.subscription_lines:,} subscription lines, "
            f"{self.touchpoints:,} touchpoints."
        )


def demo_load_if_empty(*, accounts: int, seed: int, password: str) -> DemoLoadResult:
    """Load the demo company unless accounts exist already (then change nothing)."""
    if not Account.objects.exists():
        dataset = generate(as_of=tenant_today(), accounts=accounts, seed=seed)
        demo_load(dataset=dataset, password=password)
        loaded = True
    else:
        loaded = False
    return DemoLoadResult(
        loaded=loaded,
        accounts=Account.objects.count(),
        subscription_lines=SubscriptionLine.objects.count(),
        touchpoints=Touchpoint.objects.count(),
    )


def _batched[T](objects: Iterable[T]) -> Iterable[list[T]]:
    batch: list[T] = []
    for obj in objects:
        batch.append(obj)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


@transaction.atomic
def demo_load(*, dataset: DemoDataset, password: str) -> None:
    """Insert ``dataset`` in bulk. Account MRR is computed from the lines active on as_of."""
    tenant_settings_get()
    products = {
        p.code: Product.objects.create(code=p.code, name_ja=p.name_ja, name_en=p.name_en)
        for p in dataset.products
    }
    teams = {
        t.code: Team.objects.create(code=t.code, kind=t.kind, name_ja=t.name_ja, name_en=t.name_en)
        for t in dataset.teams
    }
    users = _load_users(dataset, teams, make_password(password))
    accounts = _load_accounts(dataset, users, teams)
    _load_lines(dataset, accounts, products)
    contacts = _load_contacts(dataset, accounts)
    _load_touchpoints(dataset, accounts, users, contacts)
    segment_rule_current(on=last_review_day(dataset.as_of))
    segment_history_initialise(on=last_review_day(dataset.as_of))
    coverage_policies_ensure_defaults()
    _load_targets()
    usage_demo_load(dataset=dataset, accounts=accounts)
    onboarding_demo_load(dataset=dataset, accounts=accounts)
    health_demo_load(as_of=dataset.as_of, large=len(dataset.accounts) > LARGE_DEMO)


def _load_users(dataset: DemoDataset, teams: dict[str, Team], hashed: str) -> dict[str, User]:
    users = [
        User(
            username=u.username,
            display_name=u.full_name,
            email=u.email,
            role=u.role,
            team=teams.get(u.team_code or ""),
            password=hashed,
            is_staff=role_opens_django_admin(u.role),
            is_superuser=role_opens_django_admin(u.role),
        )
        for u in dataset.users
    ]
    User.objects.bulk_create(users)
    return {user.username: user for user in User.objects.all()}


def _mrr_on(dataset: DemoDataset, day: dt.date) -> dict[str, int]:
    mrr: dict[str, int] = {}
    for line in dataset.subscription_lines:
        if line.start_date <= day and (line.end_date is None or day < line.end_date):
            mrr[line.account_key] = mrr.get(line.account_key, 0) + line.mrr
    return mrr


def _load_accounts(
    dataset: DemoDataset, users: dict[str, User], teams: dict[str, Team]
) -> dict[str, int]:
    mrr = _mrr_on(dataset, dataset.as_of)
    segments = _segments_at_last_review(dataset)
    for batch in _batched(dataset.accounts):
        Account.objects.bulk_create(
            Account(
                name=a.name,
                kana=a.kana,
                industry=a.industry,
                employee_count=a.employee_count,
                channel=a.channel,
                partner_name=a.partner_name,
                owner=users.get(a.owner_username or ""),
                team=teams[a.team_code],
                phase=a.phase,
                segment=segments.get(a.key, a.segment),
                potential_acv=a.potential_acv,
                external_crm_id=a.key,
                mrr=mrr.get(a.key, 0),
                created_at=dt.datetime.combine(a.created_on, dt.time(9), tzinfo=dt.UTC),
            )
            for a in batch
        )
    return {str(key): int(pk) for key, pk in Account.objects.values_list("external_crm_id", "id")}


#: The demo company's retention targets (segment "" = the whole company): monthly logo churn,
#: 12-month GRR and NRR, in the range Japanese B2B SaaS CS teams set themselves.
DEMO_TARGETS = {
    "": (0.010, 0.90, 1.05),
    "high": (0.003, 0.95, 1.15),
    "low": (0.008, 0.90, 1.05),
    "tech": (0.015, 0.85, 0.95),
}


def _load_targets() -> None:
    for segment, (churn, grr, nrr) in DEMO_TARGETS.items():
        RevenueTarget.objects.update_or_create(
            segment=segment,
            defaults={"logo_churn_rate": churn, "grr_12m": grr, "nrr_12m": nrr},
        )


def last_review_day(as_of: dt.date) -> dt.date:
    """The demo's last segmentation review: the first of the month six months ago."""
    return month_start_before(as_of, 6)


def _segments_at_last_review(dataset: DemoDataset) -> dict[str, str]:
    """Segments as the default rule set them at the last review, so that today's review has
    real moves to show (accounts that grew or shrank since). Newer accounts keep theirs."""
    day = last_review_day(dataset.as_of)
    mrr = _mrr_on(dataset, day)
    scores = {a.key: mrr[a.key] * 12 + a.potential_acv for a in dataset.accounts if a.key in mrr}
    segments = segment_by_percentile(scores)
    segments.update(_churned_segments(dataset, scores, segments))
    return segments


def _churned_segments(
    dataset: DemoDataset, scores: dict[str, int], segments: dict[str, str]
) -> dict[str, str]:
    """An account that churned before the last review keeps the segment its last MRR earned
    (against the review's cut-offs), so churn shows in the segment that lost the account."""
    cutoffs = [
        (min(scores[key] for key, seg in segments.items() if seg == segment), segment)
        for segment in ("high", "low")
        if segment in segments.values()
    ]
    lines: dict[str, list[DemoSubscriptionLine]] = defaultdict(list)
    for line in dataset.subscription_lines:
        lines[line.account_key].append(line)
    result = {}
    for account in dataset.accounts:
        ends = [line.end_date for line in lines[account.key] if line.end_date is not None]
        if account.key in segments or account.phase != "churned" or not ends:
            continue
        last_day = max(ends) - dt.timedelta(days=1)
        last_mrr = sum(
            line.mrr
            for line in lines[account.key]
            if line.start_date <= last_day and (line.end_date is None or last_day < line.end_date)
        )
        score = last_mrr * 12 + account.potential_acv
        result[account.key] = next((seg for cut, seg in cutoffs if score >= cut), "tech")
    return result


def _load_lines(
    dataset: DemoDataset, accounts: dict[str, int], products: dict[str, Product]
) -> None:
    currency = tenant_settings_get().currency
    for batch in _batched(dataset.subscription_lines):
        SubscriptionLine.objects.bulk_create(
            SubscriptionLine(
                account_id=accounts[line.account_key],
                product=products[line.product_code],
                currency=currency,
                billing_period=line.billing_period,
                billing_amount=line.mrr * 12 if line.billing_period == "annual" else line.mrr,
                mrr=line.mrr,
                seats=line.seats,
                start_date=line.start_date,
                end_date=line.end_date,
                renewal_date=line.renewal_date,
                external_id=line.key,
            )
            for line in batch
        )


def _load_contacts(dataset: DemoDataset, accounts: dict[str, int]) -> dict[str, int]:
    for batch in _batched(dataset.contacts):
        Contact.objects.bulk_create(
            Contact(account_id=accounts[c.account_key], name=c.name, email=c.email, role=c.role)
            for c in batch
        )
    return dict(Contact.objects.values_list("email", "id"))


def _load_touchpoints(
    dataset: DemoDataset,
    accounts: dict[str, int],
    users: dict[str, User],
    contacts: dict[str, int],
) -> None:
    links: list[Any] = []
    for batch in _batched(dataset.touchpoints):
        created = Touchpoint.objects.bulk_create(
            Touchpoint(
                account_id=accounts[t.account_key],
                csm=users[t.csm_username],
                kind=t.kind,
                occurred_at=t.occurred_at,
                summary=t.summary,
            )
            for t in batch
        )
        links.extend(
            Touchpoint.contacts.through(touchpoint_id=touchpoint.pk, contact_id=contacts[email])
            for touchpoint, demo in zip(created, batch, strict=True)
            for email in demo.contact_emails
            if email in contacts
        )
    for chunk in _batched(links):
        Touchpoint.contacts.through.objects.bulk_create(chunk)
