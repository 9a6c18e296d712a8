"""In a real browser, an admin brings in a survey tool's answer export in Shift_JIS: the dry
run with the rejected row and its reason in Japanese, the import of the same file confirmed,
the run on the ops page's drill-down with its rejected rows as CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kizuna.apps.imports.models import ImportRun
from kizuna.apps.surveys.models import SurveyAnswer
from tests.apps.surveys.helpers import survey_world
from tests.factories import build_world

EXPORT = (
    "email,score,comment,answered_at,program,external_id\r\n"
    "sato@example.jp,9,サポートが丁寧,2026-01-15T10:00:00,,Q-1\r\n"
    "suzuki@example.jp,6,設定が難しい,2026-01-16,,Q-2\r\n"
    "nobody@example.jp,10,,2026-01-16,,Q-3\r\n"
)


def test_an_admin_imports_a_shift_jis_answer_export(
    transactional_db: Any, page: Any, shot: Any, log_in: Any, tmp_path: Path
) -> None:
    # given the default NPS program and an account with its contacts
    world = build_world()
    survey_world(world)
    export = tmp_path / "回答.csv"
    export.write_bytes(EXPORT.encode("cp932"))
    log_in(world.admin.username)
    # when the admin uploads the export: the dry run, in Japanese, nothing written
    page.goto("/imports/answers/")
    page.get_by_role("heading", name="アンケート回答をインポート").wait_for()
    page.set_input_files("#id_file", str(export))
    page.get_by_role("button", name="アップロードして試行結果を見る").click()
    page.get_by_role("heading", name="試行: まだ何もインポートしていません").wait_for()
    assert "Shift_JIS (CP932)" in page.content()
    new = page.locator(".stat", has_text="新しい回答").locator(".value")
    assert new.inner_text() == "2"
    rejected = page.locator("tr", has_text="nobody@example.jp")
    assert "このメールアドレスの担当者がいません" in rejected.inner_text()
    shot("answers-import-dry-run-ja")
    assert not SurveyAnswer.objects.exists()
    # and imports the same file, confirmed
    page.set_input_files("#id_file", str(export))
    page.get_by_label("これらの回答を今すぐ追加することを理解しました。").check()
    page.get_by_role("button", name="取り込む").click()
    page.get_by_role("heading", name="インポート済み").wait_for()
    assert sorted(SurveyAnswer.objects.values_list("comment", flat=True)) == [
        "サポートが丁寧",
        "設定が難しい",
    ]
    run = ImportRun.objects.get()
    assert (run.kind, run.created, run.rejected, run.via) == ("answers", 2, 1, "web")
    # then the run's page lists the rejected row and offers it as CSV
    page.goto(f"/imports/runs/{run.pk}/")
    page.locator("#rejected-rows", has_text="nobody@example.jp").wait_for()
    with page.expect_download() as download:
        page.get_by_role("link", name="除外された行をダウンロード（CSV）").click()
    saved = tmp_path / "rejected.csv"
    download.value.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    assert text.splitlines()[1].startswith("4,unknown_contact,")
    shot("answers-import-run-ja")
