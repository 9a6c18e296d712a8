"""Salesforce user exports: the Data Export's ``User.csv`` (API names) and user reports.

    "Id","Username","LastName","FirstName","Name",...,"Email",...,"IsActive","UserRoleId",...

A Japanese org's user report: ``ユーザー ID``, ``姓``, ``名``, ``メール``, ``有効``. The user's
``Id`` is what an account's ``OwnerId`` names, so a member imported from it is matched as the
owner of the accounts the Account export gives them. Salesforce's role (``UserRoleId``, the
sharing hierarchy) is not Kizuna's role, and is read past; a new member is a viewer until an
admin gives a role (or a mapping file maps a column to ``role``).
"""

from __future__ import annotations

from kizuna.core.imports.columns import AccountFormat
from kizuna.core.imports.members import MEMBER_FIELDS
from kizuna.integrations.salesforce.activities import is_report_footer

COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("Email", "メール", "メールアドレス"),
    "crm_user_id": ("Id", "User ID", "ユーザー ID", "ユーザーID"),
    "name": ("Name", "Full Name", "氏名"),
    "last_name": ("LastName", "Last Name", "姓"),
    "first_name": ("FirstName", "First Name", "名"),
    "active": ("IsActive", "Active", "有効"),
}

FORMAT = AccountFormat(
    code="salesforce",
    columns=COLUMNS,
    is_footer=is_report_footer,
    fields=MEMBER_FIELDS,
    required=("external_id", "crm_user_id"),
)
