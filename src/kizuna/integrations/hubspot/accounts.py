"""HubSpot company exports (Companies → Export, CSV, UTF-8).

An export from an English portal:

    "Record ID","Company name","Company owner","Parent Company","Industry",
    "Number of Employees","State/Region","Create Date",...

A Japanese portal writes ``レコードID``, ``会社名``, ``会社の所有者``, ``親会社``, ``業種``,
``従業員数``. The owner is the owner's name as HubSpot shows it (``Taro Tanaka``) or an e-mail;
industries come as labels (``Computer Software``) or internal values (``COMPUTER_SOFTWARE``,
read with the underscores as spaces).
"""

from __future__ import annotations

from kizuna.core.imports.columns import AccountFormat

COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("Record ID", "Company ID", "レコードID", "レコード ID"),
    "name": ("Company name", "Name", "会社名"),
    "kana": ("会社名(カナ)", "フリガナ"),
    "owner": ("Company owner", "HubSpot Owner", "会社の所有者", "会社所有者", "所有者"),
    "industry": ("Industry", "業種"),
    "employee_count": ("Number of Employees", "従業員数"),
    "parent_id": ("Parent Company", "Parent Company ID", "親会社", "親会社ID"),
}

# HubSpot's industry property (labels and internal values, case-folded) → Kizuna codes.
INDUSTRIES: dict[str, str] = {
    "computer software": "it",
    "information technology and services": "it",
    "internet": "it",
    "telecommunications": "it",
    "computer hardware": "manufacturing",
    "machinery": "manufacturing",
    "automotive": "manufacturing",
    "electrical electronic manufacturing": "manufacturing",
    "retail": "retail",
    "consumer goods": "retail",
    "apparel fashion": "retail",
    "construction": "construction",
    "financial services": "finance",
    "banking": "finance",
    "insurance": "finance",
    "hospital health care": "healthcare",
    "medical practice": "healthcare",
    "logistics and supply chain": "logistics",
    "transportation trucking railroad": "logistics",
    "management consulting": "services",
    "staffing and recruiting": "services",
    "accounting": "services",
    "real estate": "real_estate",
    "commercial real estate": "real_estate",
    "food beverages": "food",
    "food & beverages": "food",
    "restaurants": "food",
    "hospitality": "food",
}

FORMAT = AccountFormat(code="hubspot", columns=COLUMNS, industries=INDUSTRIES)
