"""The subscription-line formats Kizuna reads, by name (``--format``): Kizuna's own line
format (CSV or Parquet, the one ``kizuna revenue`` reads). Neither Salesforce nor HubSpot
has a standard object for a subscription line; a CRM's custom object is read as Kizuna's
format with a mapping file naming its columns (docs/imports.md)."""

from __future__ import annotations

from kizuna.core.imports.columns import AccountFormat
from kizuna.core.imports.lines import KIZUNA_LINES

LINE_FORMATS: dict[str, AccountFormat] = {KIZUNA_LINES.code: KIZUNA_LINES}
