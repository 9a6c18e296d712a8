"""HubSpot user exports (Settings → Users & Teams → Export users) and owner lists.

    "First Name","Last Name","Email","User ID",...

The owner id (``HubSpot Owner ID``, what a company's owner property holds when exported as
ids) or the user id is stored as the member's CRM user id. HubSpot's teams and permission
sets are not Kizuna's teams and roles, and are read past.
"""

from __future__ import annotations

from kizuna.core.imports.columns import AccountFormat
from kizuna.core.imports.members import MEMBER_FIELDS

COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("Email", "Eメール", "メール"),
    "crm_user_id": ("HubSpot Owner ID", "Owner ID", "User ID", "ユーザーID", "担当者ID"),
    "last_name": ("Last Name", "姓"),
    "first_name": ("First Name", "名"),
}

FORMAT = AccountFormat(
    code="hubspot",
    columns=COLUMNS,
    fields=MEMBER_FIELDS,
    required=("external_id", "crm_user_id"),
)
