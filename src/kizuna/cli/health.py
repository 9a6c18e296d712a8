"""``kizuna health backtest``: test a score model against outcomes in any table.

    kizuna health backtest --model model.json --data history.parquet --outcome churned_on
    kizuna health backtest --model adoption --data history.csv --outcome churned --horizon 180

``--data`` is CSV or Parquet with one row per account and date: ``account_id``, ``date`` (the
prediction day), one column per input the model reads, and the outcome column: either a date
(when the account churned; rows after it are dropped, the label is "within the horizon") or
0/1 (already the label). ``--model`` is a JSON file (the stored form of a model, as on the
model page) or the name of a model in Kizuna's database (its published version, else its
latest). Prints AUC, the churn rate per grade, the lift of the worst grade, the lead time when
the outcome is a date, and suggested weights; writes them as JSON to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from kizuna.cli.django_setup import setup
from kizuna.core.health.backtest import backtest, labelled
from kizuna.core.health.model import ScoreModel, score
from kizuna.core.health.suggest import suggest_weights
from kizuna.core.health.tables import InputError, load_samples


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("health", help="health score lab")
    sub = parser.add_subparsers(dest="health_command", metavar="SUBCOMMAND", required=True)
    bt = sub.add_parser("backtest", help="backtest a score model against a table of outcomes")
    bt.add_argument("--model", required=True, help="a model JSON file, or a model name in Kizuna")
    bt.add_argument("--data", required=True, type=Path, help="CSV or Parquet history")
    bt.add_argument("--outcome", required=True, help="the outcome column (a date or 0/1)")
    bt.add_argument("--horizon", type=int, default=90, help="days after each date (default 90)")
    bt.add_argument("--out", type=Path, default=Path("backtest.json"))
    bt.set_defaults(handler=run_backtest)


def load_model(value: str) -> ScoreModel:
    path = Path(value)
    if path.suffix == ".json" or path.exists():
        try:
            return ScoreModel.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError, ValueError) as error:
            raise InputError("model", f"cannot read the model {value}: {error}") from error

    setup()  # before any app module: models need Django's app registry
    from kizuna.apps.health.models import ModelStatus, ScoreModelVersion

    found = (
        ScoreModelVersion.objects.filter(name=value, status=ModelStatus.PUBLISHED).first()
        or ScoreModelVersion.objects.filter(name=value).order_by("-version").first()
    )
    if found is None:
        raise InputError("model", f"no model file or model named {value!r}")
    return found.as_core()


def run_backtest(args: argparse.Namespace) -> int:
    try:
        model = load_model(args.model)
        samples = load_samples(args.data, model=model, outcome=args.outcome)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    scored = score(samples, model)
    result = backtest(scored, horizon_days=args.horizon)
    suggestion = suggest_weights(labelled(scored, horizon_days=args.horizon), model)
    print(
        f"rows {result.rows:,}  positives {result.positives:,}  base rate {_pct(result.base_rate)}"
    )
    print(f"AUC (churn within {args.horizon} days): {_num(result.auc)}")
    for g in result.by_grade:
        print(f"  grade {g.grade}: {g.positives:,} of {g.rows:,} ({_pct(g.rate)})")
    print(f"lift of the worst grade: {_num(result.worst_grade_lift)}")
    if result.lead_days:
        leads = sorted(result.lead_days)
        print(
            f"lead time (days red before churn): median {leads[len(leads) // 2]},"
            f" n={len(leads)}; not warned {result.not_warned}"
        )
    if suggestion:
        print(f"suggested weights (cross-validated AUC {_num(suggestion.cv_auc)}):")
        for c in model.components:
            print(f"  {c.key}: now {c.weight:g} → suggested {suggestion.weights[c.key]:g}")
    report = {
        "model": model.to_dict(),
        "result": {**asdict(result), "roc": list(result.roc)},
        "suggestion": asdict(suggestion) if suggestion else None,
    }
    args.out.write_text(
        json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    print(f"wrote {args.out}")
    return 0


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"
