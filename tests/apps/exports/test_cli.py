"""``kizuna export`` and ``kizuna restore``: their output and exit status."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kizuna.apps.customers.models import Account
from kizuna.cli import main
from tests.apps.exports.test_export_restore import every_row, fresh_database
from tests.factories import World


def test_it_exports_and_restores_from_the_command_line(
    world: World, settings: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = every_row()
    out = tmp_path / "export"
    assert main(["export", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "customers_account                                   2" in printed
    assert f"Exported {len(rows) + 2} tables to {out}" in printed
    # an export into a folder that holds files is refused
    assert main(["export", "--out", str(out)]) == 2
    assert "not an empty folder" in capsys.readouterr().err
    # a restore into this database (not empty) is refused, and writes nothing
    assert main(["restore", str(out)]) == 2
    assert (
        "Nothing restored: the database is not empty: org_team, org_user" in capsys.readouterr().err
    )
    assert every_row() == rows
    # into an empty one it loads everything
    fresh_database(settings, tmp_path / "usage2")
    assert main(["restore", str(out), "--from", "csv"]) == 0
    assert f"Restored {len(rows) + 2} tables from {out}" in capsys.readouterr().out
    assert every_row() == rows
    assert Account.objects.count() == 2
