"""The demo company's logged touchpoints and their contacts (``kizuna.demo``), loaded by
``apps/demo``."""

from __future__ import annotations

from kizuna.apps.org.models import User
from kizuna.apps.touchpoints.models import Touchpoint
from kizuna.db.bulk import bulk_insert, bulk_insert_ids
from kizuna.demo.types import DemoDataset


def touchpoints_demo_load(
    *,
    dataset: DemoDataset,
    accounts: dict[str, int],
    users: dict[str, User],
    contacts: dict[str, int],
) -> None:
    ids = bulk_insert_ids(
        Touchpoint,
        ["account_id", "csm_id", "kind", "occurred_at", "summary"],
        [
            (accounts[t.account_key], users[t.csm_username].pk, t.kind, t.occurred_at, t.summary)
            for t in dataset.touchpoints
        ],
    )
    bulk_insert(
        Touchpoint.contacts.through,
        ["touchpoint_id", "contact_id"],
        (
            (touchpoint_id, contacts[email])
            for touchpoint_id, demo in zip(ids, dataset.touchpoints, strict=True)
            for email in demo.contact_emails
            if email in contacts
        ),
    )
