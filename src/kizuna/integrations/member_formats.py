"""The member (user) export formats Kizuna reads, by name (``--format``), in the order a file
without one is recognised: Salesforce and HubSpot first (each needs its user id column, so a
plain list of e-mails is Kizuna's own), then Kizuna's own columns."""

from __future__ import annotations

from kizuna.core.imports.columns import AccountFormat
from kizuna.core.imports.members import KIZUNA_MEMBERS
from kizuna.integrations.hubspot.members import FORMAT as HUBSPOT
from kizuna.integrations.salesforce.members import FORMAT as SALESFORCE

MEMBER_FORMATS: dict[str, AccountFormat] = {
    SALESFORCE.code: SALESFORCE,
    HUBSPOT.code: HUBSPOT,
    KIZUNA_MEMBERS.code: KIZUNA_MEMBERS,
}
