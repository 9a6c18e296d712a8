"""``kizuna usage import``: a progress bar, quarantine, and a re-import that adds nothing."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from rich.console import Console

from kizuna.apps.usage.models import IngestionRun, QuarantinedEvent, UsageDay, UsageSource
from kizuna.apps.usage.services import ingestion as services
from kizuna.cli import main
from kizuna.cli.usage import import_progress
from tests.factories import World

CSV = (
    "account_key,user_id,event,occurred_at,quantity\n"
    "yamada,u1,expense.create,2026-03-02T10:00:00+09:00,1\n"
    "yamada,u2,expense.create,2026-03-02T11:00:00+09:00,\n"
    "yamada,u2,expense.create,2026-03-02 11:00:00,1\n"
    "nobody,u3,expense.create,2026-03-02T11:00:00+09:00,1\n"
)


def test_it_imports_a_file_in_chunks_and_a_reimport_adds_nothing(
    world: World,
    source: UsageSource,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "events.csv"
    path.write_text(CSV)
    monkeypatch.setattr(services, "FILE_CHUNK_ROWS", 2)
    # when: imported twice, two rows per batch
    assert main(["usage", "import", str(path)]) == 0
    assert main(["usage", "import", str(path)]) == 0
    # then
    out = capsys.readouterr().out
    assert "[###############################] 100% 4/4 rows" not in out
    assert "100% 4/4 rows" in out
    assert "events.csv: 2 events stored, 2 rejected" in out
    assert UsageDay.objects.get(account=world.account).events == 2
    # one run per chunk, each ingested twice: a re-import is not a second run
    assert list(IngestionRun.objects.order_by("id").values_list("attempts", flat=True)) == [2, 2]
    # the second import superseded the first one's quarantine: each bad row is there once
    assert sorted(QuarantinedEvent.objects.values_list("line", "reason")) == [
        (4, "naive_timestamp"),
        (5, "unknown_account"),
    ]


def test_a_file_with_wrong_columns_is_refused_with_a_reason(
    world: World, source: UsageSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("tenant,user,when\nx,y,z\n")
    assert main(["usage", "import", str(path)]) == 1
    assert "missing column(s): account_key, user_id, event, occurred_at" in capsys.readouterr().err
    assert not IngestionRun.objects.exists()


def test_the_progress_bar_is_printed_once_in_plain_text_off_a_terminal() -> None:
    # given a console that is not a terminal (a pipe, a log file)
    out = StringIO()
    console = Console(file=out, width=100)
    assert not console.is_terminal
    # when an import reports its progress three times, and another one knows no total yet
    with import_progress(console) as bar:
        rows = bar.add_task("events.csv", total=None)
        for done in (1_000, 2_000, 3_000):
            bar.update(rows, completed=done, total=10_000)
        bar.add_task("empty.csv", total=None)
    # then its last state is printed once, without escape codes or carriage returns
    lines = [line.rstrip() for line in out.getvalue().splitlines()]  # columns are padded
    assert len(lines) == 2
    assert lines[0].startswith("events.csv ") and lines[0].endswith("  30% 3,000/10,000 rows")
    assert lines[1].startswith("empty.csv ") and lines[1].endswith(" 100% 0/0 rows")
    assert "\x1b" not in out.getvalue() and "\r" not in out.getvalue()
