"""Health score models and scoring: components, normalisations, weights, the red override.

A **model** is a list of components. Each component reads one input column (a number per
account and day), turns it into a value between 0 and 1 with its normalisation, and carries a
weight. For one account on one day:

    points(c) = 100 × weight(c) / Σ weight(present components) × value(c)
    score     = Σ points(c)                                  (0–100)

- **Normalisations.** ``linear``: 0 at ``low``, 1 at ``high``, straight in between, clipped
  outside (``low`` may be above ``high`` for "less is better", e.g. days since the last touch:
  low 90, high 14). ``thresholds``: 0 below ``low``, 1 from ``high`` on, 0.5 in between (the
  red / yellow / green steps many CS teams start with).
- **Missing inputs** (null: no NPS answered, no support data) leave the component out; the
  weights of the others are scaled up so the score stays on 0–100. With no input at all the
  score is null.
- **Zones.** A component is red when ``100 × value < red_below`` and green when
  ``100 × value ≥ green_from`` (the model's bands), yellow in between. The score's colour uses
  the same bands.
- **Red override.** A component marked ``red_forces_red`` that is red makes the whole account
  red, whatever the score; its grade is then at most the highest grade below ``red_below``.
- **Grade 1–5** (LayerX's five-level customer score): 1 below ``grade_cuts[0]``, 2 below
  ``grade_cuts[1]``, … 5 from ``grade_cuts[3]`` on.

Points are rounded to one decimal and the score is the sum of the rounded points, so an
explanation always adds up to the score shown; each component's maximum on a row is rounded
the same way, so its points never exceed it (``kizuna.core.health.explain``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import polars as pl

NormalisationKind = Literal["linear", "thresholds"]


@dataclass(frozen=True, slots=True)
class Component:
    key: str
    input: str
    kind: NormalisationKind
    low: float
    high: float
    weight: float
    red_forces_red: bool = False

    def __post_init__(self) -> None:
        if self.weight < 0:
            raise ValueError(f"{self.key}: a weight cannot be negative")
        if self.low == self.high:
            raise ValueError(f"{self.key}: low and high must differ")
        if self.kind == "thresholds" and self.low > self.high:
            raise ValueError(f"{self.key}: thresholds need low below high")


#: the default bands (points out of 100): red below 40, green from 70, yellow between
RED_BELOW: Final = 40
GREEN_FROM: Final = 70
#: the default grade cuts: grade 1 below 20, 2 below 40, 3 below 60, 4 below 80, else 5
GRADE_CUTS: Final = (20, 40, 60, 80)


@dataclass(frozen=True, slots=True)
class ScoreModel:
    components: tuple[Component, ...]
    red_below: float = float(RED_BELOW)
    green_from: float = float(GREEN_FROM)
    grade_cuts: tuple[float, float, float, float] = (20.0, 40.0, 60.0, 80.0)  # GRADE_CUTS

    def __post_init__(self) -> None:
        if not self.components:
            raise ValueError("a model needs at least one component")
        keys = [c.key for c in self.components]
        if len(set(keys)) != len(keys):
            raise ValueError("component keys must be unique")
        if not sum(c.weight for c in self.components) > 0:
            raise ValueError("the weights must not all be zero")
        if not 0 <= self.red_below <= self.green_from <= 100:
            raise ValueError("bands must satisfy 0 ≤ red_below ≤ green_from ≤ 100")
        if list(self.grade_cuts) != sorted(self.grade_cuts):
            raise ValueError("grade cuts must be increasing")

    @property
    def inputs(self) -> list[str]:
        return sorted({c.input for c in self.components})

    def to_dict(self) -> dict[str, Any]:
        return {
            "components": [
                {
                    "key": c.key,
                    "input": c.input,
                    "kind": c.kind,
                    "low": c.low,
                    "high": c.high,
                    "weight": c.weight,
                    "red_forces_red": c.red_forces_red,
                }
                for c in self.components
            ],
            "red_below": self.red_below,
            "green_from": self.green_from,
            "grade_cuts": list(self.grade_cuts),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScoreModel:
        """A model from its stored form (JSON); raises ValueError on a bad one."""
        try:
            components = tuple(
                Component(
                    key=str(c["key"]),
                    input=str(c["input"]),
                    kind=c["kind"],
                    low=float(c["low"]),
                    high=float(c["high"]),
                    weight=float(c["weight"]),
                    red_forces_red=bool(c.get("red_forces_red", False)),
                )
                for c in data["components"]
            )
            cuts = tuple(float(x) for x in data.get("grade_cuts", GRADE_CUTS))
            if len(cuts) != 4:
                raise ValueError("grade_cuts needs four numbers")
            return cls(
                components,
                float(data.get("red_below", RED_BELOW)),
                float(data.get("green_from", GREEN_FROM)),
                (cuts[0], cuts[1], cuts[2], cuts[3]),
            )
        except (KeyError, TypeError) as error:
            raise ValueError(f"not a score model: {error}") from error


RAG: Final = ("red", "yellow", "green")


def _value(c: Component) -> pl.Expr:
    x = pl.col(c.input).cast(pl.Float64)
    if c.kind == "thresholds":
        return (
            pl.when(x.is_null())
            .then(None)
            .when(x < c.low)
            .then(0.0)
            .when(x >= c.high)
            .then(1.0)
            .otherwise(0.5)
        )
    return ((x - c.low) / (c.high - c.low)).clip(0.0, 1.0)


def _band(points_per_100: pl.Expr, model: ScoreModel) -> pl.Expr:
    return (
        pl.when(points_per_100 < model.red_below)
        .then(pl.lit("red"))
        .when(points_per_100 >= model.green_from)
        .then(pl.lit("green"))
        .otherwise(pl.lit("yellow"))
    )


def _grade(score: pl.Expr, cuts: Sequence[float]) -> pl.Expr:
    grade = pl.lit(1, dtype=pl.Int8)
    for cut in cuts:
        grade = grade + (score >= cut).cast(pl.Int8)
    return grade


def score(inputs: pl.DataFrame, model: ScoreModel) -> pl.DataFrame:
    """Score every row of ``inputs`` (one per account and day, any key columns kept).

    Adds, per component ``k``: ``value_k`` (0–1, null when its input is null), ``points_k``,
    ``max_k`` (the most it could score on this row: 100 × weight ÷ Σ present weights, rounded
    like the points; null when left out) and ``zone_k``; and ``score`` (0–100, null with no
    input), ``rag``, ``grade`` (1–5) and ``forced_red`` (the red override applied)."""
    missing = [name for name in model.inputs if name not in inputs.columns]
    if missing:
        raise ValueError(f"missing input columns: {', '.join(missing)}")
    # one lazy query, collected once: each eager step would be a query of its own (on the
    # account page, one row, Polars' fixed cost per query is most of the time)
    values = inputs.lazy().with_columns(_value(c).alias(f"value_{c.key}") for c in model.components)
    present = pl.sum_horizontal(
        pl.when(pl.col(f"value_{c.key}").is_not_null()).then(c.weight).otherwise(0.0)
        for c in model.components
    )
    points = (
        values.with_columns(
            pl.when(present > 0)
            # rounded to 9 places first: the last bit of a float (Polars may divide by a constant
            # as a multiplication) must not decide which way a half rounds
            .then((100.0 * c.weight / present * pl.col(f"value_{c.key}")).round(9).round(1))
            .alias(f"points_{c.key}")
            for c in model.components
        )
        .with_columns(
            # the effective maximum: the same expression with value 1, so points ≤ max always
            pl.when((present > 0) & pl.col(f"value_{c.key}").is_not_null())
            .then((100.0 * c.weight / present * pl.lit(1.0)).round(9).round(1))
            .alias(f"max_{c.key}")
            for c in model.components
        )
        .with_columns(
            _band(pl.col(f"value_{c.key}") * 100, model).alias(f"zone_{c.key}")
            for c in model.components
        )
    )
    keys = [c.key for c in model.components]
    forced = (
        pl.any_horizontal(
            (pl.col(f"zone_{c.key}") == "red") & pl.col(f"value_{c.key}").is_not_null()
            for c in model.components
            if c.red_forces_red
        )
        if any(c.red_forces_red for c in model.components)
        else pl.lit(False)
    )
    total = pl.when(present > 0).then(pl.sum_horizontal(f"points_{k}" for k in keys).round(1))
    with_score = points.with_columns(
        total.alias("score"), forced.fill_null(False).alias("forced_red")
    )
    red_grade_cap = 1 + sum(1 for cut in model.grade_cuts if cut < model.red_below)
    grade = _grade(pl.col("score"), model.grade_cuts)
    return with_score.with_columns(
        pl.when(pl.col("score").is_null())
        .then(None)
        .when(pl.col("forced_red"))
        .then(pl.lit("red"))
        .otherwise(_band(pl.col("score"), model))
        .alias("rag"),
        pl.when(pl.col("score").is_null())
        .then(None)
        .when(pl.col("forced_red"))
        .then(pl.min_horizontal(grade, pl.lit(red_grade_cap, dtype=pl.Int8)))
        .otherwise(grade)
        .alias("grade"),
    ).collect()
