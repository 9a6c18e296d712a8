"""The account export formats Kizuna reads, by name (``--format``), in the order a file
without one is recognised: Kizuna's own columns first (its names are the most specific),
then Salesforce, then HubSpot."""

from __future__ import annotations

from kizuna.core.imports.columns import KIZUNA, AccountFormat
from kizuna.integrations.hubspot.accounts import FORMAT as HUBSPOT
from kizuna.integrations.salesforce.accounts import FORMAT as SALESFORCE

ACCOUNT_FORMATS: dict[str, AccountFormat] = {
    KIZUNA.code: KIZUNA,
    SALESFORCE.code: SALESFORCE,
    HUBSPOT.code: HUBSPOT,
}
