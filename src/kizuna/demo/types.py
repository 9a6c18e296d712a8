"""The demo company as plain frozen dataclasses, ready for a loader to bulk-insert.

Amounts are integer yen (JPY has no minor unit). Dates are calendar dates; a subscription line
is active on day d when ``start_date ≤ d < end_date`` (``end_date`` None = still active).
Touchpoint times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from kizuna.core.touchpoints import TouchKind


@dataclass(frozen=True)
class DemoProduct:
    code: str  # "expense", "invoice", "attendance", "workflow"
    name_ja: str  # 経費精算, 請求書受取, 勤怠管理, ワークフロー
    name_en: str
    seat_price: int  # JPY per seat per month (integer yen)


@dataclass(frozen=True)
class DemoTeam:
    code: str
    kind: str  # "strategic" | "corporate_onboarding" | "corporate_adoption" | "enablement"
    name_ja: str
    name_en: str


@dataclass(frozen=True)
class DemoUser:
    username: str  # ascii, e.g. "sato.k"
    full_name: str  # Japanese, e.g. 佐藤 健太
    email: str  # @kizuna-demo.example
    role: str  # "admin" | "manager" | "csm" | "viewer"
    team_code: str | None


@dataclass(frozen=True)
class DemoAccount:
    key: str  # external CRM id, e.g. "SF-0012345", unique
    name: str  # Japanese company name, e.g. 株式会社山田製作所
    kana: str  # katakana reading without the legal form, e.g. ヤマダセイサクショ
    industry: str  # manufacturing, it, retail, construction, finance, healthcare, logistics, …
    employee_count: int
    channel: str  # "direct" | "partner"
    partner_name: str  # "" for direct, else a Japanese partner (reseller) company name
    owner_username: str | None  # CSM (tech-touch accounts have None)
    team_code: str
    phase: str  # "onboarding" | "adoption" | "renewal" | "churned"  (as of as_of)
    segment: str  # "high" | "low" | "tech"  (touch model as of as_of)
    potential_acv: int  # JPY per year, upside not yet contracted
    created_on: date
    # the key of its parent company (親会社) for the few accounts in a group, else None
    parent_key: str | None = None


@dataclass(frozen=True)
class DemoContact:
    account_key: str
    name: str  # Japanese person name
    email: str
    role: str  # "admin" | "decision_maker" | "champion" | "user" | "billing"


@dataclass(frozen=True)
class DemoSubscriptionLine:
    key: str  # unique, e.g. "SUB-000001"
    account_key: str
    product_code: str
    seats: int
    mrr: int  # JPY per month, integer (for annual billing: annual amount / 12, rounded)
    billing_period: str  # "monthly" | "annual"
    start_date: date
    end_date: date | None  # EXCLUSIVE; None = still active
    renewal_date: date | None  # next renewal anniversary after as_of; None once ended


@dataclass(frozen=True)
class DemoTouchpoint:
    account_key: str
    csm_username: str
    kind: TouchKind
    occurred_at: datetime  # timezone-aware (UTC)
    summary: str  # short Japanese summary
    contact_emails: tuple[str, ...]


@dataclass(frozen=True)
class DemoDataset:
    as_of: date
    products: tuple[DemoProduct, ...]
    teams: tuple[DemoTeam, ...]
    users: tuple[DemoUser, ...]
    accounts: tuple[DemoAccount, ...]
    contacts: tuple[DemoContact, ...]
    subscription_lines: tuple[DemoSubscriptionLine, ...]
    touchpoints: tuple[DemoTouchpoint, ...]
