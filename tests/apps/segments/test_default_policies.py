"""The default coverage policies: one home (the core), seeded by a data migration, and reads
(pages, the coverage core's inputs, the load norms) that never write."""

from __future__ import annotations

import importlib
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kizuna.apps.assignments.selectors import load_norms
from kizuna.apps.coverage.touches import touch_kinds
from kizuna.apps.org.services import api_token_create
from kizuna.apps.segments.frames import coverage_policies
from kizuna.apps.segments.models import CoveragePolicy as PolicyRow
from kizuna.apps.segments.models import SegmentRule
from kizuna.apps.segments.services import coverage_policies_ensure_defaults
from kizuna.core.assignment import LoadNorm
from kizuna.core.coverage import DEFAULT_POLICIES, CoveragePolicy
from kizuna.core.segmentation import SEGMENT_ORDER
from tests.factories import World

HUMAN = ["meeting", "call", "email", "onsite"]
SEEDED = [
    ("high", 1, Decimal("0.8000"), HUMAN, 5, 10),
    ("low", 3, Decimal("0.7000"), HUMAN, 20, 30),
    ("tech", 6, Decimal("0.5000"), [*HUMAN, "webinar"], None, None),
    ("community", 6, Decimal("0.3000"), [*HUMAN, "webinar"], None, None),
]
FIELDS = (
    "segment",
    "period_months",
    "target",
    "qualifying_kinds",
    "min_accounts_per_csm",
    "max_accounts_per_csm",
)
WRITES = ("INSERT", "UPDATE", "DELETE")


def _rows() -> list[tuple[Any, ...]]:
    return sorted(PolicyRow.objects.values_list(*FIELDS), key=lambda r: SEGMENT_ORDER.index(r[0]))


def test_the_core_holds_one_default_policy_per_segment() -> None:
    # given / when / then: high 1 month 80 %, low 3 / 70 %, tech 6 / 50 %, community 6 / 30 %
    assert [p.segment for p in DEFAULT_POLICIES] == list(SEGMENT_ORDER)
    assert [(p.period_months, p.target) for p in DEFAULT_POLICIES] == [
        (1, 0.8),
        (3, 0.7),
        (6, 0.5),
        (6, 0.3),
    ]
    webinar = {p.segment for p in DEFAULT_POLICIES if "webinar" in p.qualifying_kinds}
    assert webinar == {"tech", "community"}
    assert not any({"note", "other"} & p.qualifying_kinds for p in DEFAULT_POLICIES)


@pytest.mark.django_db
def test_a_migrated_database_holds_the_default_policies() -> None:
    # given a database built by the migrations (the test database)
    # when its policies are read
    # then every segment has its default, with the load norms of high and low touch
    assert _rows() == SEEDED


@pytest.mark.django_db
def test_the_migration_adds_a_missing_policy_and_keeps_an_edited_one() -> None:
    # given an edited high-touch policy and no low-touch policy
    PolicyRow.objects.filter(segment="high").update(period_months=2, target=Decimal("0.9"))
    PolicyRow.objects.filter(segment="low").delete()
    migration = importlib.import_module(
        "kizuna.apps.segments.migrations.0002_default_coverage_policies"
    )

    # when the migration's step runs again
    migration.seed_default_coverage_policies(apps, SimpleNamespace(connection=connection))

    # then the low-touch default is back and the edit is kept
    assert _rows() == [("high", 2, Decimal("0.9000"), HUMAN, 5, 10), *SEEDED[1:]]


@pytest.mark.django_db
def test_reads_fall_back_to_the_core_defaults_and_write_nothing() -> None:
    # given an edited tech-touch policy and no row at all for high touch
    PolicyRow.objects.filter(segment="high").delete()
    PolicyRow.objects.filter(segment="tech").update(qualifying_kinds=["webinar"])

    # when the policies, the counted kinds and the load norms are read
    with CaptureQueriesContext(connection) as queries:
        policies = coverage_policies()
        kinds = touch_kinds()
        norms = load_norms()

    # then the saved rows win, the core's default stands in for the missing one, in the
    # touch-model order, and nothing was written
    assert policies == [
        CoveragePolicy("high", 1, 0.8, frozenset(HUMAN)),
        CoveragePolicy("low", 3, 0.7, frozenset(HUMAN)),
        CoveragePolicy("tech", 6, 0.5, frozenset({"webinar"})),
        CoveragePolicy("community", 6, 0.3, frozenset([*HUMAN, "webinar"])),
    ]
    assert kinds["tech"] == {"webinar"}
    assert kinds["high"] == set(HUMAN)
    assert norms == [LoadNorm("low", 20, 30), LoadNorm("high", 5, 10)]
    assert not [q["sql"] for q in queries.captured_queries if q["sql"].startswith(WRITES)]
    assert PolicyRow.objects.count() == 3


@pytest.mark.django_db
def test_the_demo_service_puts_back_only_what_is_missing() -> None:
    # given an emptied policy table but one edited row
    PolicyRow.objects.exclude(segment="tech").delete()
    PolicyRow.objects.filter(segment="tech").update(target=Decimal("0.25"))

    # when the defaults are ensured (the demo loader)
    created = coverage_policies_ensure_defaults()

    # then three rows are created and the edited one is kept
    assert created == 3
    assert _rows() == [
        *SEEDED[:2],
        ("tech", 6, Decimal("0.2500"), [*HUMAN, "webinar"], None, None),
        SEEDED[3],
    ]
    assert coverage_policies_ensure_defaults() == 0


@pytest.mark.parametrize(
    "url",
    [
        reverse("segments:overview"),
        reverse("coverage:dashboard"),
        reverse("coverage:worklist"),
        reverse("coverage:uncovered") + "?segment=high",
        reverse("assignments:load"),
        reverse("assignments:capacity"),
        "/api/v1/coverage",
        "/api/v1/worklist",
    ],
)
def test_a_get_writes_nothing(world: World, url: str) -> None:
    # given CS ops signed in
    client = Client()
    client.force_login(world.admin)
    _token, raw = api_token_create(user=world.admin, name="t")

    # when the page or endpoint is read
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers={"Authorization": f"Bearer {raw}"})

    # then it answers and nothing was written (no policy, no default rule), but for the API
    # token's time of last use, which the API records on every call
    assert response.status_code == 200
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(WRITES)]
    token_use = 'UPDATE "org_apitoken" SET "last_used_at"'
    assert [sql for sql in writes if not sql.startswith(token_use)] == []
    assert len(writes) == (1 if url.startswith("/api/") else 0)
    assert not SegmentRule.objects.exists()
