"""The demo company's products, accounts, subscription lines and contacts (``kizuna.demo``),
loaded by ``apps/demo``. Account MRR is computed from the lines active on as_of."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from itertools import batched

from kizuna.apps.customers.models import Account, Contact, Product, SubscriptionLine
from kizuna.apps.org.models import Team, User
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.core.segmentation import segment_by_percentile
from kizuna.demo.types import DemoDataset, DemoSubscriptionLine

BATCH = 2000


@dataclass(frozen=True)
class DemoCustomers:
    accounts: dict[str, int]  # account id by the generator's key
    contacts: dict[str, int]  # contact id by e-mail


def customers_demo_load(
    *, dataset: DemoDataset, users: dict[str, User], teams: dict[str, Team], review_on: dt.date
) -> DemoCustomers:
    """Products, accounts (in their segment of the last review, ``review_on``), their lines
    and contacts."""
    products = {
        p.code: Product.objects.create(code=p.code, name_ja=p.name_ja, name_en=p.name_en)
        for p in dataset.products
    }
    accounts = _load_accounts(dataset, users, teams, review_on)
    _load_lines(dataset, accounts, products)
    return DemoCustomers(accounts=accounts, contacts=_load_contacts(dataset, accounts))


def _mrr_on(dataset: DemoDataset, day: dt.date) -> dict[str, int]:
    mrr: dict[str, int] = {}
    for line in dataset.subscription_lines:
        if line.start_date <= day and (line.end_date is None or day < line.end_date):
            mrr[line.account_key] = mrr.get(line.account_key, 0) + line.mrr
    return mrr


def _load_accounts(
    dataset: DemoDataset, users: dict[str, User], teams: dict[str, Team], review_on: dt.date
) -> dict[str, int]:
    mrr = _mrr_on(dataset, dataset.as_of)
    segments = _segments_at_last_review(dataset, review_on)
    for batch in batched(dataset.accounts, BATCH):
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


def _segments_at_last_review(dataset: DemoDataset, day: dt.date) -> dict[str, str]:
    """Segments as the default rule set them at the last review (``day``), so that today's
    review has real moves to show (accounts that grew or shrank since). Newer accounts keep
    theirs."""
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
    for batch in batched(dataset.subscription_lines, BATCH):
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
    for batch in batched(dataset.contacts, BATCH):
        Contact.objects.bulk_create(
            Contact(account_id=accounts[c.account_key], name=c.name, email=c.email, role=c.role)
            for c in batch
        )
    return dict(Contact.objects.values_list("email", "id"))
