"""Survey answers on the import page (``apps.imports``, kind ``answers``): admins only, the dry
run with every rejected row and its reason in the reader's language, the import of the same
file confirmed (the good rows kept), the run and its one audit event, the rejected rows as
CSV, the drop folder, and hostile files."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.imports.folder import import_folder_sync
from kizuna.apps.imports.models import ImportRun
from kizuna.apps.surveys.models import SurveyAnswer, SurveyKind, SurveyProgram
from tests.apps.surveys.helpers import Survey, survey_world
from tests.factories import PASSWORD, World

pytestmark = pytest.mark.django_db

URL = reverse("imports:import", kwargs={"kind": "answers"})
HEADER = "email,score,comment,answered_at,program,external_id\n"
DRY_RUN = "試行: まだ何もインポートしていません"
GOOD = (
    "sato@example.jp,9,とても良い,2026-01-15T10:00:00,,T-1",
    "SUZUKI@example.jp,3,遅い,2026-01-16,nps-30-90,T-2",
)


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _text(*rows: str, header: str = HEADER) -> str:
    return header + "".join(row + "\n" for row in rows)


def _upload(data: bytes, name: str = "nps.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def _preview(client: Client, data: bytes) -> Any:
    return client.post(URL, {"file": _upload(data), "action": "preview"})


def _import(client: Client, data: bytes, *, confirm: bool = True) -> Any:
    form = {
        "file": _upload(data),
        "action": "import",
        "previewed": hashlib.sha256(data).hexdigest(),
    }
    if confirm:
        form["confirm"] = "yes"
    return client.post(URL, form)


def _rejected_rows(html: str) -> list[tuple[int, str, str]]:
    """(row, reason, value) of the page's rejected-rows table."""
    section = html.split("<h2>拒否された行</h2>", 1)[1]
    body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for tr in body.split("<tr>")[1:]:
        cells = [cell.split(">", 1)[1].split("</td>")[0] for cell in tr.split("<td")[1:]]
        if len(cells) == 3:
            rows.append((int(cells[0]), cells[1], cells[2]))
    return rows


@pytest.fixture
def survey(world: World) -> Survey:
    survey = survey_world(world)
    SurveyProgram.objects.create(
        code="csat-support", kind=SurveyKind.CSAT, name_ja="サポート満足度", question_ja="？"
    )
    return survey


@pytest.mark.parametrize("persona", ["csm", "manager", "viewer", "outsider"])
def test_only_admins_may_import_answers(world: World, survey: Survey, persona: str) -> None:
    client = _client(getattr(world, persona))
    assert client.get(URL).status_code == 403
    assert _import(client, _text(*GOOD).encode()).status_code == 403
    assert not SurveyAnswer.objects.exists() and not ImportRun.objects.exists()


def test_anonymous_visitors_go_to_the_login_page(db: object) -> None:
    response = Client().get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_answers_tab_is_on_every_import_page(world: World) -> None:
    page = _client(world.admin).get(reverse("imports:accounts")).text
    assert URL in page and "アンケート回答をインポート" in page
    answers = _client(world.admin).get(URL).text
    assert "email・score・comment・answered_at" in answers
    assert "5 MBまで" in answers


def test_dry_run_then_the_same_file_confirmed_keeps_the_good_rows(
    world: World, survey: Survey
) -> None:
    client = _client(world.admin)
    data = _text(
        *GOOD, "nobody@example.jp,5,,2026-01-16,,T-3", "sato@example.jp,11,,2026-01-17,,"
    ).encode()
    response = _preview(client, data)
    assert response.status_code == 200
    assert DRY_RUN in response.text
    assert _rejected_rows(response.text) == [
        (
            4,
            "このメールアドレスの担当者がいません（または2人の担当者が同じアドレスです）。",
            "nobody@example.jp",
        ),
        (5, "スコアがプログラムの範囲外です（NPSは0〜10、CSATは1〜5）。", "11"),
    ]
    assert '新しい回答</div><div class="value">2<' in response.text
    assert not SurveyAnswer.objects.exists() and not ImportRun.objects.exists()
    # without the confirmation box: nothing
    _import(client, data, confirm=False)
    assert not SurveyAnswer.objects.exists()
    # confirmed: the good rows, by the admin, through the page
    response = _import(client, data)
    assert response.status_code == 200
    assert DRY_RUN not in response.text
    answers = SurveyAnswer.objects.order_by("answered_at")
    assert [(a.contact, a.score, a.comment, a.source, a.external_id) for a in answers] == [
        (survey.decision_maker, 9, "とても良い", "import", "T-1"),
        (survey.admin, 3, "遅い", "import", "T-2"),
    ]
    run = ImportRun.objects.get()
    assert (run.kind, run.source, run.status, run.via, run.actor) == (
        "answers",
        "kizuna",
        "imported",
        "web",
        world.admin,
    )
    assert (run.file_name, run.encoding, run.created, run.rejected) == ("nps.csv", "utf-8", 2, 2)
    assert run.rejects == [
        {"line": 4, "code": "unknown_contact", "value": "nobody@example.jp"},
        {"line": 5, "code": "score_out_of_range", "value": "11"},
    ]
    # one audit event for the run, with its counts, shown in Japanese
    event = AuditEvent.objects.get(entity="importrun")
    assert (event.entity_id, event.actor, event.action, event.via, event.account_id) == (
        run.pk,
        world.admin,
        "create",
        "web",
        None,
    )
    assert event.changes == {
        "kind": [None, "answers"],
        "file_name": [None, "nps.csv"],
        "created": [None, 2],
        "rejected": [None, 2],
    }
    assert not AuditEvent.objects.filter(entity="surveyanswer").exists()
    with translation.override("ja"):
        assert event.entity_label == "インポート実行"
        rows = [(r.label, r.new) for r in event.change_rows]
    # (in the stored order: PostgreSQL's JSON keeps its own key order)
    assert sorted(rows, key=str) == sorted(
        [
            ("種別", "アンケート回答"),
            ("ファイル名", "nps.csv"),
            ("作成", 2),
            ("取り込めなかった行数", 2),
        ],
        key=str,
    )
    # importing it again adds nothing: every row is a duplicate or still rejected
    response = _import(client, data)
    assert SurveyAnswer.objects.count() == 2
    assert ImportRun.objects.order_by("-id").first().rejected == 4  # type: ignore[union-attr]


def test_a_different_file_than_the_dry_runs_gets_its_own_dry_run(
    world: World, survey: Survey
) -> None:
    client = _client(world.admin)
    form = {
        "file": _upload(_text(*GOOD).encode()),
        "action": "import",
        "previewed": hashlib.sha256(b"another").hexdigest(),
        "confirm": "yes",
    }
    assert DRY_RUN in client.post(URL, form).text
    assert not SurveyAnswer.objects.exists()


def test_the_reasons_read_in_english_for_an_english_member(world: World, survey: Survey) -> None:
    world.admin.language = "en"
    world.admin.save()
    client = Client()
    client.post(reverse("front:login"), {"username": "admin", "password": PASSWORD})
    data = _text("nobody@example.jp,5,,2026-01-16,,", "sato@example.jp,7.5,,2026-01-16,,")
    text = _preview(client, data.encode()).text
    assert "No contact has this e-mail address (or two contacts share it)." in text
    assert "The score is not a whole number." in text
    assert "Import survey answers" in text


def test_the_runs_rejected_rows_download_as_csv(world: World, survey: Survey) -> None:
    client = _client(world.admin)
    data = _text("nobody@example.jp,5,,2026-01-16,,", "=cmd|' /C calc'!A0,5,,2026-01-16,,").encode()
    _import(client, data)
    run = ImportRun.objects.get()
    detail = client.get(reverse("imports:run", args=[run.pk])).text
    assert "アンケート回答" in detail and "担当者のメールアドレスが空です" not in detail
    csv_url = reverse("imports:run_rejects", args=[run.pk])
    assert csv_url in detail
    response = client.get(csv_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(body[1:]))) == [
        ["行", "理由コード", "理由", "値"],
        [
            "2",
            "unknown_contact",
            "このメールアドレスの担当者がいません（または2人の担当者が同じアドレスです）。",
            "nobody@example.jp",
        ],
        [
            "3",
            "unknown_contact",
            "このメールアドレスの担当者がいません（または2人の担当者が同じアドレスです）。",
            "'=cmd|' /C calc'!A0",
        ],
    ]
    # who may not see the runs may not download them; an unknown run is 404
    assert _client(world.csm).get(csv_url).status_code == 403
    assert client.get(reverse("imports:run_rejects", args=[run.pk + 99])).status_code == 404


def test_the_drop_folder_imports_answers_after_the_contacts(
    world: World, survey: Survey, settings: Any, tmp_path: Path
) -> None:
    settings.IMPORT_DIR = tmp_path
    (tmp_path / "answers-2026-01.csv").write_bytes(_text(*GOOD).encode())
    result = import_folder_sync(wait=lambda: None)
    assert result.imported == ["answers-2026-01.csv"]
    run = ImportRun.objects.get()
    assert (run.kind, run.via, run.created, run.rejected, run.actor) == (
        "answers",
        "folder",
        2,
        0,
        None,
    )
    assert (tmp_path / "done" / "answers-2026-01.csv").exists()
    assert AuditEvent.objects.get(entity="importrun").via == "folder"


# Hostile files


def test_an_empty_file_is_refused_by_the_form(world: World, survey: Survey) -> None:
    response = _preview(_client(world.admin), b"")
    assert response.status_code == 400
    assert "入力されたファイルは空です。" in response.text
    assert not ImportRun.objects.exists()


def test_a_file_of_only_a_header_imports_nothing(world: World, survey: Survey) -> None:
    client = _client(world.admin)
    response = _preview(client, HEADER.encode())
    assert response.status_code == 200 and DRY_RUN in response.text
    assert _rejected_rows(response.text) == []
    _import(client, HEADER.encode())
    run = ImportRun.objects.get()
    assert (run.status, run.created, run.rejected) == ("imported", 0, 0)
    assert not SurveyAnswer.objects.exists()


def test_a_file_without_a_header_row_or_a_column_is_refused(world: World, survey: Survey) -> None:
    client = _client(world.admin)
    response = _preview(client, b"\n\n")
    assert response.status_code == 400
    assert "ファイルに見出し行がありません。" in response.text
    response = _preview(client, b"email,comment\nsato@example.jp,x\n")
    assert response.status_code == 400
    assert "必須の列がありません: score (score)" in response.text
    # an import (not a dry run) that is refused is kept as a refused run
    _import(client, b"email,comment\nsato@example.jp,x\n")
    run = ImportRun.objects.get()
    assert (run.kind, run.status, run.error) == (
        "answers",
        "refused",
        "missing_column: score (score)",
    )


def test_a_utf8_file_with_a_bom_and_a_shift_jis_file(world: World, survey: Survey) -> None:
    client = _client(world.admin)
    bom = ("\ufeff" + _text(GOOD[0])).encode("utf-8")
    response = _preview(client, bom)
    assert "UTF-8 (BOM)" in response.text and _rejected_rows(response.text) == []
    # a Japanese survey tool's export as Japanese Excel saves it: Shift_JIS, CRLF
    sjis = _text(GOOD[1] + "\r", "sato@example.jp,10,①サポートが丁寧,2026-01-20,,T-9\r")
    data = sjis.replace("\n", "\r\n").replace("\r\r", "\r").encode("cp932")
    response = _preview(client, data)
    assert "Shift_JIS (CP932)" in response.text and _rejected_rows(response.text) == []
    _import(client, data)
    comments = sorted(SurveyAnswer.objects.values_list("comment", flat=True))
    assert comments == ["①サポートが丁寧", "遅い"]
    assert ImportRun.objects.get().encoding == "cp932"


def test_every_hostile_row_is_rejected_with_its_reason(world: World, survey: Survey) -> None:
    future = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    rows = (
        "sato@example.jp,10.0,,2026-01-15,,",  # 2 bad_score
        "sato@example.jp,-1,,2026-01-15,,",  # 3 score_out_of_range
        "sato@example.jp,11,,2026-01-15,,",  # 4
        "sato@example.jp,,,2026-01-15,,",  # 5 bad_score
        "sato@example.jp,9,,0001-01-01,,",  # 6 bad_date
        "sato@example.jp,9,,9999-12-31T23:59:59,,",  # 7
        f"sato@example.jp,9,,{future},,",  # 8
        "unknown@example.jp,9,,2026-01-15,,",  # 9 unknown_contact
        "sato@example.jp,9,,2026-01-15,,D-1",  # 10 good
        "sato@example.jp,9,,2026-01-15,,D-1",  # 11 the same row again: duplicate
        "suzuki@example.jp,8,,2026-01-15,,D-1",  # 12 the same id: duplicate
        "tanaka@example.jp,0,,2026-01-15,csat-support,",  # 13 CSAT 1–5
        ",9,,2026-01-15,,",  # 14 missing_email
        "sato@example.jp,9,\x00,2026-01-18,,",  # 15 a NUL in the text refuses the file
    )
    client = _client(world.admin)
    response = _preview(client, _text(*rows[:-1]).encode())
    assert [(line, value) for line, _reason, value in _rejected_rows(response.text)] == [
        (2, "10.0"),
        (3, "-1"),
        (4, "11"),
        (5, "—"),
        (6, "0001-01-01"),
        (7, "9999-12-31T23:59:59"),
        (8, future),
        (9, "unknown@example.jp"),
        (11, "D-1"),
        (12, "D-1"),
        (13, "0"),
        (14, "—"),
    ]
    reasons = [reason for _line, reason, _value in _rejected_rows(response.text)]
    assert reasons[0] == reasons[3] == "スコアが整数ではありません。"
    assert (
        reasons[4]
        == reasons[6]
        == ("回答日時が日付・日時（ISO形式）ではないか、2000年より前または明日より後です。")
    )
    assert (
        reasons[8]
        == reasons[9]
        == (
            "この回答は登録済みか、ファイルの前の行にあります（同じID、または同じ担当者・"
            "プログラム・日時）。"
        )
    )
    assert reasons[11] == "担当者のメールアドレスが空です。"
    assert '新しい回答</div><div class="value">1<' in response.text
    response = _preview(client, _text(rows[-1]).encode())
    assert response.status_code == 400
    assert "ファイルが UTF-8、UTF-16、Shift_JIS のテキストではありません。" in response.text


def test_a_10_mb_file_is_refused_whole_as_too_large(world: World, survey: Survey) -> None:
    client = _client(world.admin)
    comment = "あ" * 4000
    row = f"sato@example.jp,9,{comment},2026-01-15,,\n"
    data = (HEADER + row * (10 * 1024 * 1024 // len(row.encode()) + 1)).encode()
    assert len(data) > 10 * 1024 * 1024
    response = _preview(client, data)
    assert response.status_code == 400
    assert "ファイルが大きすぎます。" in response.text
    assert not ImportRun.objects.exists()  # a dry run keeps nothing
    _import(client, data)
    run = ImportRun.objects.get()
    assert (run.status, run.error, run.created) == ("refused", "too_large", 0)
    assert not SurveyAnswer.objects.exists()


def test_the_command_line_records_the_run_and_its_event(
    world: World, survey: Survey, tmp_path: Path, capsys: Any
) -> None:
    from kizuna.cli import imports

    path = tmp_path / "nps.csv"
    path.write_bytes(_text(*GOOD, "nobody@example.jp,5,,2026-01-16,,").encode())
    code = imports.run_answers(type("Args", (), {"path": path, "dry_run": False})())
    assert code == imports.REJECTED
    assert capsys.readouterr().out.splitlines() == [
        "nps.csv: utf-8",
        "  line 4: rejected: unknown_contact (nobody@example.jp)",
        "created 2, rejected 1",
    ]
    run = ImportRun.objects.get()
    assert (run.kind, run.via, run.actor, run.created, run.rejected) == (
        "answers",
        "cli",
        None,
        2,
        1,
    )
    event = AuditEvent.objects.get(entity="importrun")
    assert (event.via, event.changes["created"], event.changes["rejected"]) == (
        "cli",
        [None, 2],
        [None, 1],
    )
