"""The demo company's products, accounts, subscription lines and contacts (``kizuna.demo``),
loaded by ``apps/demo``. Account MRR is computed from the lines active on as_of."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from kizuna.apps.customers.models import Account, Contact, Product, SubscriptionLine
from kizuna.apps.org.models import Team, User
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.core.segmentation import segment_by_percentile
from kizuna.db.bulk import bulk_insert
from kizuna.demo.types import DemoDataset, DemoSubscriptionLine


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
    owners = {username: user.pk for username, user in users.items()}
    bulk_insert(
        Account,
        [
            "name", "kana", "industry", "employee_count", "channel", "partner_name",
            "owner_id", "team_id", "phase", "segment", "potential_acv", "external_crm_id",
            "mrr", "created_at",
        ],
        (
            (
                a.name, a.kana, a.industry, a.employee_count, a.channel, a.partner_name,
                owners.get(a.owner_username or ""), teams[a.team_code].pk, a.phase,
                segments.get(a.key, a.segment), a.potential_acv, a.key, mrr.get(a.key, 0),
                dt.datetime.combine(a.created_on, dt.time(9), tzinfo=dt.UTC),
            )
            for a in dataset.accounts
        ),
    )  # fmt: skip
    ids = {str(key): int(pk) for key, pk in Account.objects.values_list("external_crm_id", "id")}
    # the groups of companies: one UPDATE per parent (a few per 200 accounts)
    children: dict[str, list[int]] = defaultdict(list)
    for a in dataset.accounts:
        if a.parent_key is not None:
            children[a.parent_key].append(ids[a.key])
    for parent_key, child_ids in children.items():
        Account.objects.filter(pk__in=child_ids).update(parent_id=ids[parent_key])
    return ids


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
    bulk_insert(
        SubscriptionLine,
        [
            "account_id", "product_id", "currency", "billing_period", "billing_amount", "mrr",
            "seats", "start_date", "end_date", "renewal_date", "external_id",
        ],
        (
            (
                accounts[line.account_key], products[line.product_code].pk, currency,
                line.billing_period,
                line.mrr * 12 if line.billing_period == "annual" else line.mrr,
                line.mrr, line.seats, line.start_date, line.end_date, line.renewal_date, line.key,
            )
            for line in dataset.subscription_lines
        ),
    )  # fmt: skip


def _load_contacts(dataset: DemoDataset, accounts: dict[str, int]) -> dict[str, int]:
    bulk_insert(
        Contact,
        ["account_id", "name", "email", "role"],
        ((accounts[c.account_key], c.name, c.email, c.role) for c in dataset.contacts),
    )
    return dict(Contact.objects.values_list("email", "id"))
