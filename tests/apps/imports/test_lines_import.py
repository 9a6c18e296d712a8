"""``lines_import``: subscription lines from Kizuna's line file (CSV or Parquet, the format
``kizuna revenue`` reads): upsert by the line's id, the account's MRR refreshed, exits."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from kizuna.apps.audit.models import AuditAction, AuditEvent
from kizuna.apps.customers.models import Account, SubscriptionLine
from kizuna.apps.imports.models import ImportKind, ImportRun
from kizuna.apps.imports.services import accounts_import, lines_import
from kizuna.cli import main
from tests.apps.imports.conftest import SF_REPORT_JA
from tests.factories import ProductFactory, SubscriptionLineFactory, World

pytestmark = pytest.mark.django_db

LINES = (
    "subscription_id,customer_id,start_date,end_date,monthly_amount,product\n"
    "sub-1,0015g00000AbCdE,2025-04-01,,120000,expense\n"
    "sub-2,0015g00000AbCdE,2025-04-01,2025-10-01,30000,expense\n"
    "sub-3,0015g00000AbCdF,2026-01-01,,８０００,expense\n"
)


@pytest.fixture
def sf_accounts(world: World) -> None:
    accounts_import(actor=None, data=SF_REPORT_JA.encode("cp932"), file_name="取引先.csv")


def _import(text: str, **options: Any) -> Any:
    return lines_import(actor=None, data=text.encode("utf-8"), file_name="lines.csv", **options)


def _mrr(crm_id: str) -> int:
    return Account.objects.get(external_crm_id=crm_id).mrr


def test_it_creates_lines_and_refreshes_the_accounts_mrr(sf_accounts: None) -> None:
    result = _import(LINES)
    assert (result.source, result.encoding, result.plan.summary) == (
        "kizuna",
        "utf-8",
        "created 3, updated 0, unchanged 0, rejected 0",
    )
    line = SubscriptionLine.objects.get(external_id="sub-1")
    assert (line.product.code, line.billing_period, line.billing_amount, line.mrr) == (
        "expense",
        "monthly",
        120000,
        120000,
    )
    assert (line.currency, line.start_date, line.end_date) == ("JPY", dt.date(2025, 4, 1), None)
    # sub-2 ended in 2025: only sub-1 counts today; sub-3's full-width amount is read
    assert (_mrr("0015g00000AbCdE"), _mrr("0015g00000AbCdF")) == (120000, 8000)
    created = AuditEvent.objects.filter(entity="subscriptionline", action=AuditAction.CREATE)
    assert created.count() == 3
    event = created.get(entity_id=line.pk)
    assert event.changes["start_date"] == [None, "2025-04-01"]
    assert event.account_id == line.account_id
    run = ImportRun.objects.get(kind=ImportKind.LINES)
    assert (run.kind, run.created, run.rejected) == (ImportKind.LINES, 3, 0)
    # the same file again changes nothing
    again = _import(LINES)
    assert again.plan.summary == "created 0, updated 0, unchanged 3, rejected 0"
    assert AuditEvent.objects.filter(entity="subscriptionline").count() == 3


def test_an_edited_file_updates_only_what_changed(sf_accounts: None) -> None:
    _import(LINES)
    edited = LINES.replace(
        "sub-1,0015g00000AbCdE,2025-04-01,,120000",
        "sub-1,0015g00000AbCdE,2025-04-01,2099-01-01,150000",
    )
    result = _import(edited)
    assert result.plan.summary == "created 0, updated 1, unchanged 2, rejected 0"
    (change,) = result.plan.updated
    assert dict(change.changes) == {
        "end_date": (None, dt.date(2099, 1, 1)),
        "mrr": (120000, 150000),
    }
    assert _mrr("0015g00000AbCdE") == 150000
    update = AuditEvent.objects.get(entity="subscriptionline", action=AuditAction.UPDATE)
    assert update.changes == {"end_date": [None, "2099-01-01"], "mrr": [120000, 150000]}


def test_an_annual_line_of_the_same_monthly_amount_is_unchanged(world: World) -> None:
    # given a line typed in Kizuna, billed yearly, with the CRM id its account carries
    account = world.account
    account.external_crm_id = "ACC-1"
    account.save()
    SubscriptionLineFactory(
        account=account,
        product=world.product,
        billing_period="annual",
        billing_amount=1_200_000,
        mrr=100_000,
        start_date=dt.date(2025, 1, 1),
        external_id="sub-9",
    )
    text = (
        "subscription_id,customer_id,start_date,monthly_amount,product\n"
        f"sub-9,ACC-1,2025-01-01,100000,{world.product.code}\n"
    )
    assert _import(text).plan.summary == "created 0, updated 0, unchanged 1, rejected 0"


def test_a_line_may_move_to_another_account_and_both_mrrs_follow(sf_accounts: None) -> None:
    _import(LINES)
    moved = LINES.replace("sub-1,0015g00000AbCdE", "sub-1,0015g00000AbCdG")
    assert _import(moved).plan.summary == "created 0, updated 1, unchanged 2, rejected 0"
    assert (_mrr("0015g00000AbCdE"), _mrr("0015g00000AbCdG")) == (0, 120000)


def test_rejected_rows_are_reported_and_the_good_ones_kept(sf_accounts: None) -> None:
    ProductFactory(code="premium", name_ja="プレミアム", name_en="Premium")
    text = (
        "subscription_id,customer_id,start_date,end_date,monthly_amount,product\n"
        "sub-1,0015g00000AbCdE,2025-04-01,,120000,expense\n"
        "sub-2,NOPE,2025-04-01,,1,expense\n"
        "sub-3,0015g00000AbCdE,2025-04-01,,1,\n"
        "sub-4,0015g00000AbCdE,2025-04-01,,1,gold\n"
        "sub-5,0015g00000AbCdE,9999-12-31,0001-01-01,1,expense\n"
        f"sub-6,0015g00000AbCdE,2025-04-01,,{10**30},expense\n"
    )
    result = _import(text)
    assert [(r.line, r.code) for r in result.plan.rejected] == [
        (3, "unknown_account"),
        (4, "no_product"),
        (5, "unknown_product"),
        (6, "end_before_start"),
        (7, "amount_too_large"),
    ]
    assert list(SubscriptionLine.objects.values_list("external_id", flat=True)) == ["sub-1"]
    run = ImportRun.objects.get(kind=ImportKind.LINES)
    assert (run.created, run.rejected, run.rejects[0]) == (
        1,
        5,
        {"line": 3, "code": "unknown_account", "value": "NOPE"},
    )


def test_a_dry_run_writes_nothing(sf_accounts: None) -> None:
    result = _import(LINES, dry_run=True)
    assert result.plan.summary == "created 3, updated 0, unchanged 0, rejected 0"
    assert not SubscriptionLine.objects.exists()
    assert not ImportRun.objects.filter(kind=ImportKind.LINES).exists()
    assert _mrr("0015g00000AbCdE") == 0


def _parquet(text: str) -> bytes:
    frame = pl.read_csv(io.StringIO(text), infer_schema_length=0).with_columns(
        pl.col("start_date").str.to_date(),
        pl.col("end_date").str.to_date(strict=False),
        pl.col("monthly_amount").cast(pl.Int64),
    )
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


def test_a_parquet_file_imports_as_its_csv_does(sf_accounts: None, tmp_path: Path) -> None:
    text = LINES.replace("８０００", "8000")
    data = _parquet(text)
    result = lines_import(actor=None, data=data, file_name="lines.parquet")
    assert (result.encoding, result.plan.summary) == (
        "parquet",
        "created 3, updated 0, unchanged 0, rejected 0",
    )
    assert SubscriptionLine.objects.get(external_id="sub-2").end_date == dt.date(2025, 10, 1)
    # and its CSV twin changes nothing
    assert _import(text).plan.summary == "created 0, updated 0, unchanged 3, rejected 0"


def test_a_broken_parquet_file_is_refused_whole(sf_accounts: None, tmp_path: Path) -> None:
    path = tmp_path / "lines.parquet"
    path.write_bytes(b"PAR1" + b"\x00" * 64 + b"PAR1")
    assert main(["import", "lines", str(path)]) == 2
    assert not SubscriptionLine.objects.exists()


def test_the_command_imports_lines_with_its_exit_status(
    sf_accounts: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "lines.csv"
    path.write_text(LINES + "sub-4,NOPE,2025-04-01,,1,expense\n", encoding="utf-8")
    assert main(["import", "lines", str(path), "--dry-run"]) == 1
    assert "line 5: rejected: unknown_account (NOPE)" in capsys.readouterr().out
    assert main(["import", "lines", str(path)]) == 1
    assert (
        capsys.readouterr().out.rstrip().endswith("created 3, updated 0, unchanged 0, rejected 1")
    )
    path.write_text(LINES, encoding="utf-8")
    assert main(["import", "lines", str(path)]) == 0
    assert (
        capsys.readouterr().out.rstrip().endswith("created 0, updated 0, unchanged 3, rejected 0")
    )
    # a file without a required column is refused whole, naming it
    path.write_text(
        "subscription_id,customer_id,start_date\nsub-1,X,2025-01-01\n", encoding="utf-8"
    )
    assert main(["import", "lines", str(path)]) == 2
    assert "monthly_amount" in capsys.readouterr().err


def test_a_contract_term_and_renewal_date_are_imported_and_make_the_line_renew(
    sf_accounts: None,
) -> None:
    from kizuna.apps.renewals.models import Renewal
    from kizuna.apps.renewals.services import renewals_refresh

    text = (
        "subscription_id,customer_id,start_date,monthly_amount,product,renewal_date,term_months\n"
        "sub-1,0015g00000AbCdE,2025-04-01,120000,expense,2027-04-01,24\n"
        "sub-2,0015g00000AbCdF,2025-04-01,80000,expense,,\n"
    )
    assert _import(text).plan.summary == "created 2, updated 0, unchanged 0, rejected 0"
    line = SubscriptionLine.objects.get(external_id="sub-1")
    assert (line.term_months, line.renewal_date) == (24, dt.date(2027, 4, 1))
    assert _import(text).plan.summary == "created 0, updated 0, unchanged 2, rejected 0"
    changed = text.replace(",24\n", ",12\n")
    assert _import(changed).plan.summary == "created 0, updated 1, unchanged 1, rejected 0"
    renewals_refresh(today=dt.date(2026, 11, 1))
    # a monthly line with a 12-month term renews every year from its renewal date's anchor
    # (the next inside the 180 days ahead); the line without a term is monthly and never does
    assert list(Renewal.objects.values_list("account__external_crm_id", "date", "mrr_due")) == [
        ("0015g00000AbCdE", dt.date(2026, 4, 1), 120000),
        ("0015g00000AbCdE", dt.date(2027, 4, 1), 120000),
    ]
