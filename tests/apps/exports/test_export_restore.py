"""Export every table, restore into an empty database: the same rows, counts and KPIs."""

from __future__ import annotations

import datetime as dt
import importlib
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import polars as pl
import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection

from kizuna.apps.audit.models import AuditAction, AuditEvent
from kizuna.apps.coverage.selectors import coverage_live
from kizuna.apps.customers.models import Account, SubscriptionLine
from kizuna.apps.demo.services import demo_load_if_empty
from kizuna.apps.exports.services import (
    MANIFEST,
    RestoreRefused,
    export_restore,
    export_write,
)
from kizuna.apps.exports.tables import EXCLUDED_TABLES, SEEDED_TABLES, export_tables
from kizuna.apps.health.selectors import portfolio
from kizuna.apps.onboarding.models import Onboarding
from kizuna.apps.onboarding.selectors import kpi_frame
from kizuna.apps.org.models import ApiToken, User
from kizuna.apps.revenue.frames import revenue_lines
from kizuna.apps.tenant.models import TenantSettings
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.apps.touchpoints.models import Touchpoint
from kizuna.core.calendar import month_start_before
from kizuna.core.onboarding.kpis import period_completion
from kizuna.core.revenue import revenue_report
from kizuna.core.usage.store import EventStore, batch_of
from kizuna.core.voc.topics import DEFAULT_TOPICS
from tests.factories import (
    AccountFactory,
    ProductFactory,
    SubscriptionLineFactory,
    TouchpointFactory,
    UserFactory,
)

UTC = dt.UTC
SEEDS = (
    ("kizuna.apps.tenant.migrations.0002_default_settings", "seed_default_settings"),
    (
        "kizuna.apps.segments.migrations.0002_default_coverage_policies",
        "seed_default_coverage_policies",
    ),
    ("kizuna.apps.onboarding.migrations.0002_default_policy", "seed_default_policy"),
)


def flush() -> None:
    """Every table emptied, inside the test's transaction."""
    if connection.vendor == "postgresql":  # check the test's rows now, so that TRUNCATE has
        with connection.cursor() as cursor:  # no pending trigger events
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def fresh_database(settings: Any, usage_dir: Path) -> None:
    """An empty Kizuna, as ``kizuna manage migrate`` leaves it: every table emptied (the
    sequences restarted), the rows the data migrations seed put back, an empty usage store."""
    flush()
    editor = SimpleNamespace(connection=connection)
    for module, function in SEEDS:
        getattr(importlib.import_module(module), function)(django_apps, editor)
    settings.USAGE_DIR = usage_dir


def every_row() -> dict[str, list[tuple[Any, ...]]]:
    return {
        t.name: list(t.model._base_manager.order_by("pk").values_list(*(c.name for c in t.columns)))
        for t in export_tables()
    }


def usage_store(root: Path) -> dict[str, pl.DataFrame]:
    store = EventStore(root)
    return {
        kind: pl.concat(
            [
                pl.read_parquet(p, hive_partitioning=False).with_columns(batch=pl.lit(batch_of(p)))
                for p in paths
            ],
            how="vertical",
        )
        if paths
        else pl.DataFrame()
        for kind, paths in (("events", store.files()), ("daily", store.daily_files()))
    }


def kpis() -> dict[str, Any]:
    """The KPIs of the home pages, computed from the tables (not read from snapshots)."""
    today = tenant_today()
    month = today.replace(day=1)
    revenue = revenue_report(revenue_lines(), as_of=month).summary.filter(
        pl.col("date_month") >= month_start_before(month, 12)
    )
    return {
        "coverage": coverage_live(today=today).report,
        "revenue": revenue.select(
            "date_month",
            "total_mrr",
            "logo_churn_rate",
            "gross_mrr_churn_rate",
            "grr_12m",
            "nrr_12m",
        ).rows(),
        "onboarding": period_completion(
            kpi_frame(as_of=today),
            as_of=today,
            first_month=month_start_before(month, 6),
            last_month=month,
            by="product",
        ),
        "health": portfolio(by="segment"),
    }


@pytest.fixture
def demo(db: Any) -> None:
    demo_load_if_empty(accounts=40, seed=7, password="kizuna-demo")


def test_it_restores_the_same_rows_counts_and_kpis(
    demo: None, settings: Any, tmp_path: Path
) -> None:
    # given a small demo company with usage in the store, and an API token
    UserFactory(username="tokenholder")
    ApiToken.objects.create(
        user=User.objects.get(username="tokenholder"), name="t", prefix="kz_1", key_hash="h" * 64
    )
    rows, before = every_row(), kpis()
    store_before = usage_store(settings.USAGE_DIR)
    assert rows["customers_account"] and rows["onboarding_onboarding"]
    assert rows["health_healthscore"] and rows["touchpoints_touchpoint_contacts"]
    assert store_before["daily"].height > 0
    # when it is exported and restored into an empty database
    result = export_write(out=tmp_path / "export")
    fresh_database(settings, tmp_path / "usage-restored")
    restored = export_restore(folder=tmp_path / "export")
    # then every table has the same rows, the usage store the same files, the KPIs the same
    assert every_row() == rows
    counts = {t.name: t.rows for t in restored.tables}
    assert counts == {t.name: t.rows for t in result.tables}
    assert counts["customers_account"] == 40 == Account.objects.count()
    assert counts["usage_daily_totals"] == store_before["daily"].height
    after = usage_store(settings.USAGE_DIR)
    assert (
        after["daily"]
        .sort("batch", "account_id", "day")
        .equals(store_before["daily"].sort("batch", "account_id", "day"))
    )
    assert kpis() == before
    assert before["coverage"].by_segment and before["health"].rows
    # and what is left out stays out: no token, no password that opens anything
    assert not ApiToken.objects.exists()
    assert "jobs.JobState" in EXCLUDED_TABLES
    admin = User.objects.get(username="admin")
    assert not admin.has_usable_password()
    # and new rows get new keys (the sequences were reset)
    top = max(pk for (pk, *_rest) in rows["customers_account"])
    assert AccountFactory().pk > top
    assert Touchpoint.objects.count() == len(rows["touchpoints_touchpoint"])


def test_the_manifest_counts_and_defines_every_column(demo: None, tmp_path: Path) -> None:
    export_write(out=tmp_path / "export")
    manifest = json.loads((tmp_path / "export" / MANIFEST).read_text())
    tables = {t["name"]: t for t in manifest["tables"]}
    assert manifest["format"] == "kizuna-export" and manifest["format_version"] == 1
    assert manifest["kizuna_version"] and manifest["exported_at"].endswith("Z")
    assert set(tables) == {t.name for t in export_tables()} | {
        "usage_events",
        "usage_daily_totals",
    }
    account = tables["customers_account"]
    assert account["rows"] == 40
    assert account["files"] == {
        "csv": "customers_account.csv",
        "parquet": "customers_account.parquet",
    }
    owner = next(c for c in account["columns"] if c["name"] == "owner_id")
    assert owner == {
        "name": "owner_id",
        "type": "Int64",
        "field": "ForeignKey",
        "nullable": True,
        "definition": "Owner CSM",
        "definition_ja": "担当CSM",
        "references": "org_user.id",
    }
    for entry in manifest["tables"]:
        for column in entry["columns"]:
            assert column["definition"], (entry["name"], column["name"])
        # the CSV file holds the same values as the Parquet file (nested ones as JSON text)
        parquet = pl.read_parquet(tmp_path / "export" / entry["files"]["parquet"])
        nested = {n: d for n, d in parquet.schema.items() if d.is_nested()}
        csv = pl.read_csv(
            tmp_path / "export" / entry["files"]["csv"],
            schema={n: pl.String() if n in nested else d for n, d in parquet.schema.items()},
        ).with_columns(pl.col(n).str.json_decode(d) for n, d in nested.items())
        assert csv.equals(parquet), entry["name"]
        assert parquet.height == entry["rows"]
        assert parquet.columns == [c["name"] for c in entry["columns"]]
    assert tables["usage_daily_totals"]["rows"] > 0
    # password hashes and token secrets are nowhere
    users = {c["name"] for c in tables["org_user"]["columns"]}
    assert "password" not in users and "username" in users
    assert "org_apitoken" not in tables and "jobs_jobstate" not in tables
    assert "django_session" not in tables and "axes_accessattempt" not in tables
    text = "".join(p.read_text(errors="replace") for p in (tmp_path / "export").glob("*.csv"))
    assert "pbkdf2_sha256$" not in text and "argon2" not in text


def test_an_empty_kizuna_exports_and_restores(db: Any, settings: Any, tmp_path: Path) -> None:
    result = export_write(out=tmp_path / "export")
    counts = {t.name: t.rows for t in result.tables}
    assert counts["customers_account"] == 0
    assert counts["tenant_tenantsettings"] == 1
    assert counts["segments_coveragepolicy"] == 4
    assert counts["churnreasons_churnreasoncategory"] == 8
    assert counts["surveys_surveytopic"] == len(DEFAULT_TOPICS) == 8
    # the seeded settings, policies, onboarding policy, churn-reason taxonomy and comment topics
    assert sum(counts.values()) == 22
    seeded = every_row()
    fresh_database(settings, tmp_path / "usage2")
    export_restore(folder=tmp_path / "export")
    assert every_row() == seeded
    assert {t.label for t in export_tables() if t.model._base_manager.exists()} == SEEDED_TABLES


def hostile_world() -> None:
    """Values that break naive CSV and type handling."""
    owner = UserFactory(username="hostile", display_name="")
    product = ProductFactory(code="p,1", name_ja="製品\n改行", name_en='say "hi"')
    text = 'comma, "quote", new\nline, emoji 🎉🇯🇵, tab\t, backslash \\N, 全角　空白'
    account = AccountFactory(
        name=text,
        kana="",
        employee_count=None,
        potential_acv=9_223_372_036_854_775_807,
        external_crm_id=None,
        owner=owner,
    )
    AccountFactory(name="0", kana="null", potential_acv=-9_223_372_036_854_775_808)
    SubscriptionLineFactory(
        account=account,
        product=product,
        start_date=dt.date(1, 1, 1),
        end_date=dt.date(9999, 12, 31),
        mrr=9_000_000_000_000_000_000,
    )
    TouchpointFactory(
        account=account,
        csm=owner,
        occurred_at=dt.datetime(1, 1, 1, tzinfo=UTC),
        summary=text,
    )
    TouchpointFactory(
        account=account,
        csm=owner,
        occurred_at=dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        summary="",
    )
    AuditEvent.objects.create(
        actor=owner,
        action=AuditAction.UPDATE,
        account=account,
        entity=text[:64],
        entity_id=9_223_372_036_854_775_807,
        changes={"name": [None, text], "n": [1.5, 2**53], "nested": {"絵文字": "🎉", "x": None}},
    )


@pytest.mark.parametrize("source", ["parquet", "csv"])
def test_hostile_values_survive_the_round_trip(
    db: Any, settings: Any, tmp_path: Path, source: str
) -> None:
    hostile_world()
    rows = every_row()
    export_write(out=tmp_path / "export")
    fresh_database(settings, tmp_path / "usage2")
    export_restore(folder=tmp_path / "export", source=source)
    assert every_row() == rows
    line = SubscriptionLine.objects.get()
    assert (line.start_date, line.end_date) == (dt.date(1, 1, 1), dt.date(9999, 12, 31))
    assert line.mrr == 9_000_000_000_000_000_000
    assert Account.objects.get(potential_acv__lt=0).potential_acv == -9_223_372_036_854_775_808
    event = AuditEvent.objects.get()
    assert event.changes["nested"] == {"絵文字": "🎉", "x": None}
    assert {t.occurred_at for t in Touchpoint.objects.all()} == {
        dt.datetime(1, 1, 1, tzinfo=UTC),
        dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    }


def test_csv_and_parquet_hold_the_same_values(db: Any, tmp_path: Path) -> None:
    hostile_world()
    export_write(out=tmp_path / "export")
    manifest = json.loads((tmp_path / "export" / MANIFEST).read_text())
    entry = next(t for t in manifest["tables"] if t["name"] == "customers_account")
    parquet = pl.read_parquet(tmp_path / "export" / entry["files"]["parquet"])
    csv = pl.read_csv(tmp_path / "export" / entry["files"]["csv"], schema=parquet.schema)
    assert csv.equals(parquet)
    assert parquet.filter(pl.col("employee_count").is_null()).height == 1
    assert parquet["kana"].to_list() == ["", "null"]  # an empty text is not a NULL


def test_a_restore_into_a_database_with_data_refuses_and_writes_nothing(
    db: Any, settings: Any, tmp_path: Path
) -> None:
    hostile_world()
    export_write(out=tmp_path / "export")
    rows = every_row()
    with pytest.raises(RestoreRefused, match=r"not empty: .*customers_account"):
        export_restore(folder=tmp_path / "export")
    assert every_row() == rows


def test_a_restore_refuses_a_usage_store_with_files(
    demo: None, settings: Any, tmp_path: Path
) -> None:
    export_write(out=tmp_path / "export")
    store = settings.USAGE_DIR
    flush()
    settings.USAGE_DIR = store  # the demo's files are still there
    with pytest.raises(RestoreRefused, match="usage store"):
        export_restore(folder=tmp_path / "export")
    assert not Account.objects.exists()


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        ("count", "customers_account: customers_account.parquet has 2 rows, the manifest says 3"),
        ("file", "customers_account: customers_account.parquet differs from its manifest"),
        ("missing", "customers_account: customers_account.parquet is missing"),
        ("column", "customers_account: columns this Kizuna does not have: \\['shoe_size'\\]"),
        ("table", "customers_shoe: a table this Kizuna does not have"),
        ("path", "customers_account: '../outside.parquet' is not a file name of the export"),
        ("order", "customers_account: the columns of customers_account.parquet are not the "),
    ],
)
def test_a_restore_refuses_an_export_that_does_not_match_its_manifest(
    db: Any, settings: Any, tmp_path: Path, tamper: str, message: str
) -> None:
    hostile_world()
    folder = tmp_path / "export"
    export_write(out=folder)
    manifest = json.loads((folder / MANIFEST).read_text())
    entry = next(t for t in manifest["tables"] if t["name"] == "customers_account")
    if tamper == "count":
        entry["rows"] = 3
    elif tamper == "file":
        frame = pl.read_parquet(folder / "customers_account.parquet")
        frame.with_columns(name=pl.lit("changed")).write_parquet(
            folder / "customers_account.parquet"
        )
    elif tamper == "missing":
        (folder / "customers_account.parquet").unlink()
    elif tamper == "order":
        entry["columns"].reverse()
    elif tamper == "path":
        entry["files"]["parquet"] = "../outside.parquet"
    elif tamper == "column":
        entry["columns"].append({"name": "shoe_size", "type": "Int64"})
    else:
        manifest["tables"].append({**entry, "name": "customers_shoe"})
    (folder / MANIFEST).write_text(json.dumps(manifest))
    fresh_database(settings, tmp_path / "usage2")
    with pytest.raises(RestoreRefused, match=message):
        export_restore(folder=folder)
    assert not Account.objects.exists()
    assert TenantSettings.objects.count() == 1  # the fresh database's seeded row, untouched


def test_onboardings_and_their_history_are_exported(demo: None, tmp_path: Path) -> None:
    result = export_write(out=tmp_path / "export")
    counts = {t.name: t.rows for t in result.tables}
    assert counts["onboarding_onboarding"] == Onboarding.objects.count() > 0
    assert counts["onboarding_onboardingtransition"] > 0
    assert counts["audit_auditevent"] == AuditEvent.objects.count()
