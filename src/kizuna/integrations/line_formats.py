"""The subscription-line formats Kizuna reads, by name (``--format``), in the order a file
without one is recognised: Kizuna's own line format (CSV or Parquet, the one ``kizuna
revenue`` reads), then HubSpot's deal export (``hubspot/deals.py``: a closed-won deal is a
line, its close date the start, its monthly recurring revenue the amount; a deal of another
stage is rejected as ``deal_not_won``). Salesforce has no standard object for a subscription
line; a CRM's custom object is read as Kizuna's format with a mapping file naming its columns
(docs/imports.md)."""

from __future__ import annotations

from kizuna.core.imports.columns import AccountFormat
from kizuna.core.imports.lines import KIZUNA_LINES
from kizuna.integrations.hubspot.deals import FORMAT as HUBSPOT

LINE_FORMATS: dict[str, AccountFormat] = {KIZUNA_LINES.code: KIZUNA_LINES, HUBSPOT.code: HUBSPOT}
