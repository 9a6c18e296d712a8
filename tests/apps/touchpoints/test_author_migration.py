"""The migration that gives the touchpoints logged before authors were recorded their author."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BACKFILL = ("touchpoints", "0005_touchpoint_authors_from_the_audit_trail")


def every_app_at(touchpoints: tuple[str, str]) -> list[tuple[str, str]]:
    """Every app at its latest migration, the touchpoints at ``touchpoints``."""
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    return [leaf for leaf in leaves if leaf[0] != "touchpoints"] + [touchpoints]


@pytest.mark.django_db(transaction=True)
def test_it_takes_the_author_from_the_audit_trail_else_the_csm() -> None:
    # given, before the backfill, one touchpoint whose creation the audit trail records (by
    # the manager) and one it does not (the demo's)
    before = every_app_at(("touchpoints", "0004_touchpoint_created_by"))
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps: Any = executor.loader.project_state(before).apps
    user = apps.get_model("org", "User")
    csm = user.objects.create(username="csm", role="csm")
    manager = user.objects.create(username="manager", role="manager")
    account = apps.get_model("customers", "Account").objects.create(name="A", kana="エー")
    touchpoint = apps.get_model("touchpoints", "Touchpoint")
    audited = touchpoint.objects.create(
        account=account, csm=csm, kind="call", occurred_at="2026-11-20T01:00:00Z"
    )
    demo = touchpoint.objects.create(
        account=account, csm=csm, kind="call", occurred_at="2026-11-21T01:00:00Z"
    )
    apps.get_model("audit", "AuditEvent").objects.create(
        actor=manager, action="create", entity="touchpoint", entity_id=audited.pk, changes={}
    )
    # when the backfill runs
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(every_app_at(BACKFILL))
    # then the audited one is the manager's, the other its CSM's
    apps = executor.loader.project_state(every_app_at(BACKFILL)).apps
    rows = apps.get_model("touchpoints", "Touchpoint").objects.order_by("pk")
    assert [(t.pk, t.created_by_id) for t in rows] == [
        (audited.pk, manager.pk),
        (demo.pk, csm.pk),
    ]
