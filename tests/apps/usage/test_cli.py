"""``kizuna usage import``: a progress bar, quarantine, and a re-import that adds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from kizuna.apps.usage.models import IngestionRun, QuarantinedEvent, UsageDay, UsageSource
from kizuna.apps.usage.services import ingestion as services
from kizuna.cli import main
from kizuna.cli.usage import progress_bar
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


def test_progress_bar_is_plain_text() -> None:
    assert progress_bar(3, 10, width=10) == "[###.......]  30% 3/10 rows"
