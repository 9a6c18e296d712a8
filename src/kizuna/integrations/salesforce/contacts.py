"""Salesforce contact exports: the Data Export (API names) and contact reports (labels).

The weekly Data Export's ``Contact.csv`` has API names, UTF-8, 18-character ids:

    "Id","IsDeleted","MasterRecordId","AccountId","LastName","FirstName","Salutation",
    "Name",...,"Phone","MobilePhone","Email","Title","Department",...

A contact report exported as CSV from a Japanese org has labels, usually Shift_JIS, and the
report's footer after a blank row (ignored):

    "取引先責任者 ID","取引先 ID","取引先名","姓","名","メール","電話","役職","部署"

English orgs write ``Contact ID``, ``Account ID``, ``Last Name``, ``First Name``, ``Email``,
``Phone``, ``Title``. ``Department`` (部署) is read past: Kizuna's contacts have no department.
"""

from __future__ import annotations

from kizuna.core.imports.columns import AccountFormat
from kizuna.core.imports.contacts import CONTACT_FIELDS, CONTACT_REQUIRED
from kizuna.integrations.salesforce.activities import is_report_footer

COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("Id", "Contact ID", "取引先責任者 ID", "取引先責任者ID"),
    "account_id": ("AccountId", "Account ID", "取引先 ID", "取引先ID"),
    "last_name": ("LastName", "Last Name", "姓"),
    "first_name": ("FirstName", "First Name", "名"),
    "title": ("Title", "役職"),
    "email": ("Email", "メール"),
    "phone": ("Phone", "電話"),
}

FORMAT = AccountFormat(
    code="salesforce",
    columns=COLUMNS,
    is_footer=is_report_footer,
    fields=CONTACT_FIELDS,
    required=CONTACT_REQUIRED,
)
