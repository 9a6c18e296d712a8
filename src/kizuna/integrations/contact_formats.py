"""The contact export formats Kizuna reads, by name (``--format``), in the order a file
without one is recognised (as ``account_formats``): Kizuna's own columns, Salesforce,
HubSpot."""

from __future__ import annotations

from kizuna.core.imports.columns import AccountFormat
from kizuna.core.imports.contacts import KIZUNA_CONTACTS
from kizuna.integrations.hubspot.contacts import FORMAT as HUBSPOT
from kizuna.integrations.salesforce.contacts import FORMAT as SALESFORCE

CONTACT_FORMATS: dict[str, AccountFormat] = {
    KIZUNA_CONTACTS.code: KIZUNA_CONTACTS,
    SALESFORCE.code: SALESFORCE,
    HUBSPOT.code: HUBSPOT,
}
