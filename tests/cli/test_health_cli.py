"""``kizuna health backtest`` on a table brought from elsewhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kizuna.cli import main

MODEL = {
    "components": [
        {"key": "usage", "input": "usage", "kind": "linear", "low": 0, "high": 1, "weight": 1}
    ]
}


def _write(tmp_path: Path, rows: list[str]) -> tuple[Path, Path]:
    model = tmp_path / "model.json"
    model.write_text(json.dumps(MODEL))
    data = tmp_path / "history.csv"
    data.write_text("\n".join(rows) + "\n")
    return model, data


def test_it_backtests_a_table_with_a_date_outcome(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given: churners at usage 0.1, 0.2, 0.3, 0.7; stayers at 0.4, 0.5, 0.6, 0.8 → AUC 13/16
    rows = ["account_id,date,usage,churned_on"]
    for n, (u, churn) in enumerate(
        [(0.1, 1), (0.2, 1), (0.3, 1), (0.7, 1), (0.4, 0), (0.5, 0), (0.6, 0), (0.8, 0)]
    ):
        rows.append(f"{n},2026-01-01,{u},{'2026-02-01' if churn else ''}")
    model, data = _write(tmp_path, rows)
    out = tmp_path / "report.json"
    # when
    code = main(
        [
            "health",
            "backtest",
            "--model",
            str(model),
            "--data",
            str(data),
            "--outcome",
            "churned_on",
            "--out",
            str(out),
        ]
    )
    # then
    assert code == 0
    assert "AUC (churn within 90 days): 0.812" in capsys.readouterr().out
    report = json.loads(out.read_text())
    assert report["result"]["auc"] == pytest.approx(0.8125)
    assert [g["rows"] for g in report["result"]["by_grade"]] == [1, 2, 2, 2, 1]


def test_it_takes_a_ready_label(tmp_path: Path) -> None:
    model, data = _write(
        tmp_path, ["account_id,date,usage,churned", "1,2026-01-01,0.1,1", "2,2026-01-01,0.9,0"]
    )
    assert (
        main(
            [
                "health",
                "backtest",
                "--model",
                str(model),
                "--data",
                str(data),
                "--outcome",
                "churned",
                "--out",
                str(tmp_path / "r.json"),
            ]
        )
        == 0
    )
    assert json.loads((tmp_path / "r.json").read_text())["result"]["auc"] == 1.0


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["account_id,date,churned", "1,2026-01-01,1"], "lacks the columns: usage"),
        (["account_id,date,usage,churned", "1,2026-01-01,0.5,maybe"], "must be a date or 0/1"),
        (["account_id,date,usage,churned", "1,someday,0.5,1"], "must hold dates"),
    ],
)
def test_bad_tables_are_explained(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: list[str], message: str
) -> None:
    model, data = _write(tmp_path, rows)
    assert (
        main(
            [
                "health",
                "backtest",
                "--model",
                str(model),
                "--data",
                str(data),
                "--outcome",
                "churned",
            ]
        )
        == 2
    )
    assert message in capsys.readouterr().err


def test_a_bad_model_file_is_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model, data = _write(tmp_path, ["account_id,date,usage,churned", "1,2026-01-01,0.5,1"])
    model.write_text("{not json")
    assert (
        main(
            [
                "health",
                "backtest",
                "--model",
                str(model),
                "--data",
                str(data),
                "--outcome",
                "churned",
            ]
        )
        == 2
    )
    assert "cannot read the model" in capsys.readouterr().err
