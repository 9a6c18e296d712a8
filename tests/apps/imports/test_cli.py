"""``kizuna import accounts``: its output and its exit status (0, 1, 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kizuna.apps.customers.models import Account
from kizuna.cli import main
from tests.apps.imports.conftest import SF_REPORT_JA
from tests.factories import UserFactory, World

pytestmark = pytest.mark.django_db


def _file(tmp_path: Path, text: str, encoding: str = "cp932", name: str = "取引先.csv") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_it_imports_and_exits_0_when_nothing_is_rejected(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    UserFactory(username="yamada", display_name="山田 太郎")
    path = _file(tmp_path, SF_REPORT_JA)
    # a dry run first: the plan, nothing written
    assert main(["import", "accounts", path, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "取引先.csv: salesforce, cp932" in out
    assert "owner not matched to a member: 高橋 三郎 (1 rows)" in out
    assert out.rstrip().endswith(
        "dry run, nothing written: created 3, updated 0, unchanged 0, rejected 0"
    )
    assert not Account.objects.filter(crm_source="salesforce").exists()
    # then the import, and the same file again
    assert main(["import", "accounts", path, "--format", "salesforce"]) == 0
    assert (
        capsys.readouterr().out.rstrip().endswith("created 3, updated 0, unchanged 0, rejected 0")
    )
    assert main(["import", "accounts", path]) == 0
    assert (
        capsys.readouterr().out.rstrip().endswith("created 0, updated 0, unchanged 3, rejected 0")
    )


def test_it_exits_1_when_rows_are_rejected_keeping_the_good_ones(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(
        tmp_path,
        "external_id,name,employee_count\nK1,株式会社良,10\nK2,,1\nK3,株式会社負,-1\n",
        "utf-8",
    )
    assert main(["import", "accounts", path]) == 1
    out = capsys.readouterr().out
    assert "  line 3: rejected: no_name (K2)\n" in out
    assert "  line 4: rejected: bad_number (-1)\n" in out
    assert out.rstrip().endswith("created 1, updated 0, unchanged 0, rejected 2")
    assert Account.objects.filter(external_crm_id="K1").exists()


def test_it_exits_2_when_the_file_is_refused(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    accounts = Account.objects.count()
    no_id = _file(tmp_path, "取引先名,従業員数\n株式会社さくら,1\n")
    assert main(["import", "accounts", no_id]) == 2
    assert "refused: a required column is missing: external_id (Id / Account ID / 取引先 ID" in (
        capsys.readouterr().err
    )
    bad_mapping = tmp_path / "mapping.json"
    bad_mapping.write_text('{"columns": {"mrr": "MRR"}}', encoding="utf-8")
    assert (
        main(["import", "accounts", _file(tmp_path, SF_REPORT_JA), "--mapping", str(bad_mapping)])
        == 2
    )
    assert "the mapping file is wrong: unknown field 'mrr'" in capsys.readouterr().err
    assert main(["import", "accounts", str(tmp_path / "nowhere.csv")]) == 2
    assert Account.objects.count() == accounts


@pytest.mark.parametrize(
    ("kind", "header"),
    [
        ("accounts", '"Id","AccountId","LastName","FirstName","Name","Email"'),  # Contact.csv
        ("accounts", '"Id","Username","LastName","FirstName","Name","Email"'),  # User.csv
        ("contacts", "subscription_id,customer_id,start_date,monthly_amount"),
        ("members", '"Id","Name","ParentId","OwnerId"'),  # Account.csv
        ("lines", '"取引先責任者 ID","取引先 ID","姓","名"'),
    ],
)
def test_a_file_of_another_kind_is_refused_whole(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, header: str
) -> None:
    path = _file(tmp_path, header + "\r\n" + '"1","2","3","4","5","6"\r\n', "utf-8")
    assert main(["import", kind, path]) == 2
    assert "another kind of record" in capsys.readouterr().err
    assert not Account.objects.filter(crm_source__in=["salesforce", "kizuna"]).exists()
