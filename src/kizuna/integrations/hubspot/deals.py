"""HubSpot deal exports (Deals → Export, CSV, UTF-8 with a BOM): a closed-won deal is one
subscription line.

An export from an English portal:

    "Record ID","Deal Name","Deal Stage","Close Date","Deal owner","Amount",
    "Monthly recurring revenue","Currency","Associated Company IDs",...

A Japanese portal writes ``レコードID``, ``取引名``, ``取引ステージ``, ``クローズ日``,
``取引担当者``, ``金額``, ``月間経常収益``, ``通貨``, ``関連付けられた会社ID``; an export of
internal names ``hs_object_id``, ``dealstage``, ``closedate``, ``hs_mrr``,
``deal_currency_code``. The close date is the line's start (HubSpot writes a time after it:
``2026-04-01 00:00``, ``2026/04/01 9:00``); ``Associated Company IDs`` may list several
companies (``101;102``), the first being the primary one. Only a closed-won deal
(``closedwon``, ``Closed Won``, ``成約``) is a line: another stage is rejected
(``deal_not_won``, ``core.imports.lines``). HubSpot has no standard contract end or product
code: the user's mapping file names a custom property for ``end_date`` or ``product``. The
deal's ``Amount`` is its total, not a monthly amount, and is read past.
"""

from __future__ import annotations

from kizuna.core.imports.columns import AccountFormat
from kizuna.core.imports.lines import LINE_FIELDS, LINE_REQUIRED

COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("Record ID", "Deal ID", "レコードID", "レコード ID", "hs_object_id"),
    "account_id": (
        "Associated Company IDs",
        "Associated Company ID",
        "Company ID",
        "Associated Company IDs (Primary)",
        "関連付けられた会社ID",
    ),
    "start_date": ("Close Date", "クローズ日", "closedate"),
    "monthly_amount": ("Monthly recurring revenue", "月間経常収益", "hs_mrr"),
    "seats": ("Quantity", "数量"),
    "currency": ("Currency", "通貨", "deal_currency_code"),
    "stage": ("Deal Stage", "取引ステージ", "dealstage"),
    # end_date and product: no standard property; the mapping file names one
}

FORMAT = AccountFormat(code="hubspot", columns=COLUMNS, fields=LINE_FIELDS, required=LINE_REQUIRED)
