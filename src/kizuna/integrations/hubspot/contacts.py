"""HubSpot contact exports (Contacts → Export, CSV, UTF-8 with a BOM).

An export from an English portal:

    "Record ID","First Name","Last Name","Email","Phone Number","Job Title",
    "Associated Company IDs","Contact owner","Create Date",...

Older exports and single-company views write ``Company ID``; ``Associated Company IDs`` may
list several (``101;102``), the first being the primary company (``core.imports.contacts``).
A Japanese portal writes ``レコードID``, ``名``, ``姓``, ``Eメール``, ``電話番号``, ``役職``.
"""

from __future__ import annotations

from kizuna.core.imports.columns import AccountFormat
from kizuna.core.imports.contacts import CONTACT_FIELDS, CONTACT_REQUIRED

COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("Record ID", "Contact ID", "レコードID", "レコード ID"),
    "account_id": (
        "Associated Company IDs",
        "Associated Company ID",
        "Company ID",
        "Associated Company IDs (Primary)",
        "関連付けられた会社ID",
        "会社ID",
    ),
    "last_name": ("Last Name", "姓"),
    "first_name": ("First Name", "名"),
    "title": ("Job Title", "役職"),
    "email": ("Email", "Eメール", "メール"),
    "phone": ("Phone Number", "電話番号"),
}

FORMAT = AccountFormat(
    code="hubspot", columns=COLUMNS, fields=CONTACT_FIELDS, required=CONTACT_REQUIRED
)
