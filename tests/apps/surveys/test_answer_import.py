"""The import of a survey tool's answer export: the dry run, every reason a row is rejected,
the files refused whole, and a second import of the same file that writes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kizuna.apps.surveys.answers import answers_import
from kizuna.apps.surveys.models import SurveyAnswer, SurveyKind, SurveyProgram
from kizuna.core.imports.columns import FileRefused
from tests.apps.surveys.helpers import survey_world
from tests.factories import World

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 10)
HEADER = "email,score,comment,answered_at,program,external_id\n"


def _csat() -> SurveyProgram:
    return SurveyProgram.objects.create(
        code="csat-support",
        kind=SurveyKind.CSAT,
        name_ja="サポート満足度",
        question_ja="満足度は？",
    )


def _file(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


GOOD = (
    "sato@example.jp,9,とても良い,2026-03-02T10:00:00,,T-1",
    "SUZUKI@example.jp,3,遅い,2026-03-02,nps-30-90,T-2",
    "tanaka@example.jp,4,,2026-03-05T09:00:00+00:00,csat-support,",
)


def test_the_good_rows_become_answers_of_the_contacts_accounts(world: World) -> None:
    survey = survey_world(world)
    _csat()
    result = answers_import(data=_file(*GOOD), today=TODAY)
    assert (result.created, result.rejected, result.encoding) == (3, (), "utf-8")
    answers = list(SurveyAnswer.objects.order_by("answered_at", "id"))
    got = [
        (a.contact, a.program.code, a.kind, a.score, a.comment, a.source, a.external_id)
        for a in answers
    ]
    assert got == [
        (survey.admin, "nps-30-90", "nps", 3, "遅い", "import", "T-2"),
        (survey.decision_maker, "nps-30-90", "nps", 9, "とても良い", "import", "T-1"),
        (survey.user, "csat-support", "csat", 4, "", "import", ""),
    ]
    # naive times are Tokyo's; the line started on 2026-01-31
    assert answers[0].answered_at == dt.datetime(2026, 3, 1, 15, 0, tzinfo=dt.UTC)
    assert answers[1].answered_at == dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
    assert [a.tenure_days for a in answers] == [30, 30, 33]
    assert {a.account_id for a in answers} == {survey.account.pk}


def test_a_dry_run_writes_nothing_and_says_the_same(world: World) -> None:
    survey_world(world)
    _csat()
    result = answers_import(
        data=_file(*GOOD, "nobody@example.jp,5,,2026-03-02,,"), dry_run=True, today=TODAY
    )
    assert (result.created, [(r.line, r.code) for r in result.rejected]) == (
        3,
        [(5, "unknown_contact")],
    )
    assert result.summary == "created 3, rejected 1"
    assert SurveyAnswer.objects.count() == 0


def test_a_second_import_of_the_same_file_writes_nothing(world: World) -> None:
    survey_world(world)
    _csat()
    answers_import(data=_file(*GOOD), today=TODAY)
    again = answers_import(data=_file(*GOOD), today=TODAY)
    assert again.created == 0
    assert [(r.line, r.code) for r in again.rejected] == [
        (2, "duplicate"),
        (3, "duplicate"),
        (4, "duplicate"),
    ]
    assert SurveyAnswer.objects.count() == 3


def test_every_reason_a_row_is_rejected(world: World) -> None:
    survey_world(world)
    _csat()
    answers_import(data=_file("sato@example.jp,10,,2026-02-01,,STORED"), today=TODAY)
    rows = (
        ",9,,2026-03-02,,",  # 2 missing_email
        "nobody@example.jp,9,,2026-03-02,,",  # 3 unknown_contact
        "sato@example.jp,11,,2026-03-02,,",  # 4 score_out_of_range (NPS 0–10)
        "sato@example.jp,-1,,2026-03-02,,",  # 5
        "tanaka@example.jp,0,,2026-03-02,csat-support,",  # 6 (CSAT 1–5)
        "tanaka@example.jp,6,,2026-03-02,csat-support,",  # 7
        "sato@example.jp,99999999999999999999,,2026-03-02,,",  # 8 huge
        "sato@example.jp,7.5,,2026-03-02,,",  # 9 bad_score
        "sato@example.jp,9,,yesterday,,",  # 10 bad_date
        "sato@example.jp,9,,0001-01-01,,",  # 11
        "sato@example.jp,9,,9999-12-31,,",  # 12
        "sato@example.jp,9,,2026-03-12,,",  # 13 after today + 1
        "sato@example.jp,9,,2026-03-11T23:00:00,,",  # 14 tomorrow: taken
        "sato@example.jp,9,,2026-03-03,nps-later,",  # 15 unknown_program
        "sato@example.jp,8,,2026-03-11T23:00:00,,",  # 16 same contact, program, time
        "suzuki@example.jp,8,,2026-03-04,,STORED",  # 17 external id stored
        "suzuki@example.jp,8,,2026-03-05,,X-1",  # 18 taken
        "tanaka@example.jp,8,,2026-03-06,,X-1",  # 19 external id earlier in the file
        "sato@example.jp,9,,2026-02-01T00:00:00,,",  # 20 stored (contact, program, time)
        "sato@example.jp,9," + "あ" * 5001 + ",2026-03-07,,",  # 21 comment_too_long
    )
    result = answers_import(data=_file(*rows), today=TODAY)
    assert [(r.line, r.code) for r in result.rejected] == [
        (2, "missing_email"),
        (3, "unknown_contact"),
        (4, "score_out_of_range"),
        (5, "score_out_of_range"),
        (6, "score_out_of_range"),
        (7, "score_out_of_range"),
        (8, "score_out_of_range"),
        (9, "bad_score"),
        (10, "bad_date"),
        (11, "bad_date"),
        (12, "bad_date"),
        (13, "bad_date"),
        (15, "unknown_program"),
        (16, "duplicate"),
        (17, "duplicate"),
        (19, "duplicate"),
        (20, "duplicate"),
        (21, "comment_too_long"),
    ]
    assert result.created == 2
    assert SurveyAnswer.objects.count() == 3


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"\n\n", "empty"),
        (b"mail,points,when\nsato@example.jp,9,2026-03-02\n", "missing_column"),
        (HEADER.encode() + b"sato@example.jp,9,\x00,2026-03-02,,\n", "encoding"),
        (HEADER.encode() + b"x" * (10 * 1024 * 1024), "too_large"),
    ],
)
def test_files_refused_whole(world: World, data: bytes, code: str) -> None:
    survey_world(world)
    with pytest.raises(FileRefused) as refused:
        answers_import(data=data, today=TODAY)
    assert refused.value.code == code
    assert SurveyAnswer.objects.count() == 0


def test_a_file_of_headers_only_imports_nothing(world: World) -> None:
    survey_world(world)
    result = answers_import(data=HEADER.encode(), today=TODAY)
    assert (result.created, result.rejected) == (0, ())


def test_the_default_program_is_needed_without_a_program_column(world: World) -> None:
    survey = survey_world(world)
    survey.program.code = "renamed"
    survey.program.save()
    result = answers_import(
        data=b"email,score,answered_at\nsato@example.jp,9,2026-03-02\n", today=TODAY
    )
    assert [(r.line, r.code) for r in result.rejected] == [(2, "unknown_program")]


def test_the_command_line(world: World, tmp_path: Path) -> None:
    survey_world(world)
    path = tmp_path / "answers.csv"
    path.write_bytes(_file("sato@example.jp,9,,2026-03-02,,", "nobody@example.jp,9,,2026-03-02,,"))
    from kizuna.cli import imports

    code = imports.run_answers(type("Args", (), {"path": path, "dry_run": True})())
    assert code == imports.REJECTED
    assert SurveyAnswer.objects.count() == 0
