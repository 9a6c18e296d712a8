"""The demo company's logged touchpoints and their contacts (``kizuna.demo``), loaded by
``apps/demo``."""

from __future__ import annotations

from itertools import batched
from typing import Any

from kizuna.apps.org.models import User
from kizuna.apps.touchpoints.models import Touchpoint
from kizuna.demo.types import DemoDataset

BATCH = 2000


def touchpoints_demo_load(
    *,
    dataset: DemoDataset,
    accounts: dict[str, int],
    users: dict[str, User],
    contacts: dict[str, int],
) -> None:
    links: list[Any] = []
    for batch in batched(dataset.touchpoints, BATCH):
        created = Touchpoint.objects.bulk_create(
            Touchpoint(
                account_id=accounts[t.account_key],
                csm=users[t.csm_username],
                kind=t.kind,
                occurred_at=t.occurred_at,
                summary=t.summary,
            )
            for t in batch
        )
        links.extend(
            Touchpoint.contacts.through(touchpoint_id=touchpoint.pk, contact_id=contacts[email])
            for touchpoint, demo in zip(created, batch, strict=True)
            for email in demo.contact_emails
            if email in contacts
        )
    for chunk in batched(links, BATCH):
        Touchpoint.contacts.through.objects.bulk_create(chunk)
