"""Salesforce account exports: the Data Export (API names) and account reports (labels).

The weekly Data Export's ``Account.csv`` has API names, UTF-8, 18-character ids:

    "Id","IsDeleted","MasterRecordId","Name","Type","ParentId","BillingState",...,
    "Industry","AnnualRevenue","NumberOfEmployees","OwnerId",...

An account report exported as CSV from a Japanese org has labels, usually Shift_JIS, and the
report's footer after a blank row (ignored):

    "取引先 ID","取引先名","親取引先 ID","取引先 所有者","業種","従業員数","種別","都道府県(請求先)"

English orgs write ``Account ID``, ``Account Name``, ``Parent Account ID``, ``Account Owner``,
``Industry``, ``Employees``. ``Type`` and the billing address are not read yet (docs/imports.md).
The owner is a user id (``OwnerId``, matched through the mapping file's ``owners``) or the
owner's full name (reports).
"""

from __future__ import annotations

from kizuna.core.imports.columns import AccountFormat
from kizuna.integrations.salesforce.activities import is_report_footer

COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("Id", "Account ID", "取引先 ID", "取引先ID"),
    "name": ("Name", "Account Name", "取引先名", "取引先"),
    "kana": ("Furigana__c", "取引先名(カナ)", "フリガナ"),
    "owner": ("OwnerId", "Account Owner", "取引先 所有者", "取引先所有者", "所有者"),
    "industry": ("Industry", "業種"),
    "employee_count": ("NumberOfEmployees", "Employees", "従業員数"),
    "parent_id": ("ParentId", "Parent Account ID", "親取引先 ID", "親取引先ID"),
}

# Salesforce's standard Industry picklist (API values, and the labels of a Japanese org),
# case-folded → Kizuna industry codes.
INDUSTRIES: dict[str, str] = {
    "manufacturing": "manufacturing",
    "製造": "manufacturing",
    "machinery": "manufacturing",
    "機械": "manufacturing",
    "electronics": "manufacturing",
    "電子機器": "manufacturing",
    "chemicals": "manufacturing",
    "化学": "manufacturing",
    "engineering": "manufacturing",
    "technology": "it",
    "テクノロジー": "it",
    "communications": "it",
    "通信": "it",
    "telecommunications": "it",
    "電気通信": "it",
    "retail": "retail",
    "小売": "retail",
    "apparel": "retail",
    "アパレル": "retail",
    "construction": "construction",
    "建設": "construction",
    "banking": "finance",
    "銀行": "finance",
    "finance": "finance",
    "金融": "finance",
    "insurance": "finance",
    "保険": "finance",
    "healthcare": "healthcare",
    "ヘルスケア": "healthcare",
    "biotechnology": "healthcare",
    "バイオテクノロジー": "healthcare",
    "shipping": "logistics",
    "運送": "logistics",
    "transportation": "logistics",
    "運輸": "logistics",
    "consulting": "services",
    "コンサルティング": "services",
    "food & beverage": "food",
    "飲食": "food",
    "食品・飲料": "food",
    "hospitality": "food",
    "other": "other",
    "その他": "other",
}

FORMAT = AccountFormat(
    code="salesforce", columns=COLUMNS, industries=INDUSTRIES, is_footer=is_report_footer
)
