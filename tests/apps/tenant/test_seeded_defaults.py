"""The company settings and the onboarding policy: seeded by data migrations, read without
writing. A read of a missing row answers the model's defaults, unsaved; the first change
saves it."""

from __future__ import annotations

import datetime as dt
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.onboarding.models import OnboardingPolicy
from kizuna.apps.onboarding.selectors import onboarding_policy
from kizuna.apps.onboarding.services import onboarding_policy_update
from kizuna.apps.org.services import api_token_create
from kizuna.apps.tenant.models import SETTINGS_PK, TenantSettings
from kizuna.apps.tenant.selectors import tenant_settings_get, tenant_today
from kizuna.apps.tenant.services import tenant_settings_ensure, tenant_settings_update
from tests.factories import World

WRITES = ("INSERT", "UPDATE", "DELETE")
TOKEN_USE = 'UPDATE "org_apitoken" SET "last_used_at"'
SETTINGS = ("company_name", "currency", "time_zone", "fiscal_year_start_month")
POLICY = ("grace_days", "setup_due_day", "no_usage_days", "stalled_alert_days")


def _writes(queries: CaptureQueriesContext) -> list[str]:
    """The SQL that wrote, but for the API token's time of last use (recorded on every call)."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith(WRITES) and not q["sql"].startswith(TOKEN_USE)
    ]


def _migration(app: str, name: str) -> object:
    return importlib.import_module(f"kizuna.apps.{app}.migrations.{name}")


@pytest.mark.django_db
def test_a_migrated_database_holds_the_settings_and_the_policy_with_their_defaults() -> None:
    # given a database built by the migrations (the test database)
    # when its settings and policy are read
    settings = TenantSettings.objects.values_list(*SETTINGS).get()
    policy = OnboardingPolicy.objects.values_list(*POLICY, "completion_target").get()
    # then each is one row with the model's defaults
    assert TenantSettings.objects.get().pk == SETTINGS_PK
    assert settings == ("Kizuna", "JPY", "Asia/Tokyo", 4)
    assert policy == (30, 14, 14, 14, 0.9)


@pytest.mark.django_db
def test_the_migrations_add_a_missing_row_and_keep_an_edited_one() -> None:
    # given edited settings and no policy
    TenantSettings.objects.filter(pk=SETTINGS_PK).update(company_name="株式会社キズナ")
    OnboardingPolicy.objects.all().delete()
    editor = SimpleNamespace(connection=connection)
    # when the migrations' steps run again (twice)
    for _ in range(2):
        _migration("tenant", "0002_default_settings").seed_default_settings(apps, editor)  # type: ignore[attr-defined]
        _migration("onboarding", "0002_default_policy").seed_default_policy(apps, editor)  # type: ignore[attr-defined]
    # then the edit is kept and one default policy is back
    assert list(TenantSettings.objects.values_list("pk", "company_name")) == [(1, "株式会社キズナ")]
    assert list(OnboardingPolicy.objects.values_list(*POLICY)) == [(30, 14, 14, 14)]


@pytest.mark.django_db
def test_a_read_of_an_empty_table_answers_unsaved_defaults_and_writes_nothing() -> None:
    # given neither row (a database emptied by hand)
    TenantSettings.objects.all().delete()
    OnboardingPolicy.objects.all().delete()
    # when the settings, today and the policy are read
    with CaptureQueriesContext(connection) as queries:
        settings, today, policy = tenant_settings_get(), tenant_today(), onboarding_policy()
    # then the answers are the defaults, unsaved, and nothing was written
    assert _writes(queries) == []
    assert (settings.pk, settings._state.adding) == (SETTINGS_PK, True)
    assert tuple(getattr(settings, name) for name in SETTINGS) == ("Kizuna", "JPY", "Asia/Tokyo", 4)
    assert isinstance(today, dt.date)
    assert (policy.pk, policy.completion_target, policy.tracking_from) == (None, 0.9, None)
    assert not TenantSettings.objects.exists() and not OnboardingPolicy.objects.exists()


@pytest.mark.django_db
def test_a_read_answers_the_saved_row_not_the_defaults() -> None:
    # given edited settings and policy
    TenantSettings.objects.filter(pk=SETTINGS_PK).update(time_zone="UTC")
    OnboardingPolicy.objects.update(grace_days=45, completion_target=0.75)
    # when read, then the saved values come back
    assert tenant_settings_get().time_zone == "UTC"
    assert (onboarding_policy().grace_days, onboarding_policy().completion_target) == (45, 0.75)


def test_the_first_change_saves_a_missing_row_and_audits_it(world: World) -> None:
    # given neither row
    TenantSettings.objects.all().delete()
    OnboardingPolicy.objects.all().delete()
    # when CS ops change the settings and the policy
    tenant_settings_update(actor=world.admin, data={"fiscal_year_start_month": 1})
    onboarding_policy_update(
        actor=world.admin, policy=onboarding_policy(), fields={"grace_days": 60}
    )
    # then each is saved once, with the change, and audited
    assert list(TenantSettings.objects.values_list("pk", "fiscal_year_start_month")) == [(1, 1)]
    assert list(OnboardingPolicy.objects.values_list("grace_days", "setup_due_day")) == [(60, 14)]
    entities = sorted(AuditEvent.objects.values_list("entity", flat=True))
    assert entities == ["onboardingpolicy", "tenantsettings"]
    assert onboarding_policy().grace_days == 60


@pytest.mark.django_db
def test_ensuring_the_settings_creates_them_once() -> None:
    # given no settings row, when ensured twice, then created once with the defaults
    TenantSettings.objects.all().delete()
    assert (tenant_settings_ensure(), tenant_settings_ensure()) == (True, False)
    assert TenantSettings.objects.get().currency == "JPY"


@pytest.mark.parametrize("emptied", [False, True], ids=["seeded", "emptied"])
@pytest.mark.parametrize(
    "url",
    [
        reverse("coverage:worklist"),
        reverse("customers:account_list"),
        reverse("onboarding:board"),
        reverse("onboarding:dashboard"),
        reverse("health:portfolio"),
        "/api/v1/onboarding/completion",
    ],
)
def test_a_get_inserts_nothing(world: World, url: str, emptied: bool) -> None:
    # given CS ops signed in, with the seeded rows (or with both tables emptied)
    if emptied:
        TenantSettings.objects.all().delete()
        OnboardingPolicy.objects.all().delete()
    client = Client()
    client.force_login(world.admin)
    _token, raw = api_token_create(user=world.admin, name="t")
    # when the page or endpoint is read
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers={"Authorization": f"Bearer {raw}"})
    # then it answers and wrote nothing: no settings row, no policy
    assert response.status_code == 200
    assert _writes(queries) == []
    assert (
        TenantSettings.objects.count() == OnboardingPolicy.objects.count() == (0 if emptied else 1)
    )
