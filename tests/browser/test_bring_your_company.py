"""In a real browser, the first real day: an admin of an empty Kizuna brings the company in
from a Salesforce account report in Shift_JIS: the dry run, the import, the same file again
(nothing changes), and the accounts on 顧客一覧 with their owners and their group."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kizuna.apps.customers.models import Account
from kizuna.apps.imports.models import ImportRun
from tests.apps.imports.conftest import SF_REPORT_JA
from tests.factories import UserFactory


def test_an_admin_imports_a_shift_jis_report_and_sees_the_accounts_with_owners_and_groups(
    transactional_db: Any, page: Any, shot: Any, log_in: Any, tmp_path: Path
) -> None:
    # given an empty company: its CS ops admin and the CSM the report names as an owner
    UserFactory(username="ops", role="admin", display_name="運用 管理者")
    UserFactory(username="yamada", role="csm", display_name="山田 太郎")
    assert not Account.objects.exists()
    export = tmp_path / "取引先.csv"
    export.write_bytes(SF_REPORT_JA.encode("cp932"))
    log_in("ops")
    # when the admin uploads the report: the dry run, in Japanese, nothing written
    page.goto("/imports/accounts/")
    page.set_input_files("#id_file", str(export))
    page.get_by_role("button", name="アップロードして試行結果を見る").click()
    page.get_by_role("heading", name="試行: まだ何もインポートしていません").wait_for()
    assert "Shift_JIS (CP932)" in page.content()
    assert "高橋 三郎" in page.content()  # an owner no member matches, named
    shot("95-import-dry-run-ja")
    assert not Account.objects.exists()
    # and imports the same file, confirmed
    page.set_input_files("#id_file", str(export))
    page.get_by_label("これらの顧客が今すぐ作成・更新されることを理解しました。").check()
    page.get_by_role("button", name="取り込む").click()
    page.get_by_role("heading", name="インポート済み").wait_for()
    assert Account.objects.count() == 3
    # then the same file again changes nothing
    page.goto("/imports/accounts/")
    page.set_input_files("#id_file", str(export))
    page.get_by_role("button", name="アップロードして試行結果を見る").click()
    page.get_by_role("heading", name="試行: まだ何もインポートしていません").wait_for()
    unchanged = page.locator(".stat", has_text="変更なし").locator(".value")
    assert unchanged.inner_text() == "3"
    assert ImportRun.objects.count() == 1
    # and 顧客一覧 lists the company's own accounts, with owners and the group
    page.goto("/accounts/")
    row = page.locator("tr", has_text="合同会社みどり商店")
    row.wait_for()
    assert "山田 太郎" in row.inner_text()
    assert "グループ: 株式会社さくら製作所" in row.inner_text()
    shot("96-imported-accounts-ja")
