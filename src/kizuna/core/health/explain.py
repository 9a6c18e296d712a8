"""Why an account scores what it does: each component's points out of the most it could
score on that day, and which inputs had no data.

When an input is missing its component is left out and the others' weights are scaled up
(``kizuna.core.health.model``), so a component's maximum on that day is

    max(c) = 100 × weight(c) ÷ Σ weight(components with an input)       (rounded to 0.1)

not its share of all the weights: with 30 of 100 weight and an input of weight 15 missing, it
is 100 × 30 ÷ 85 = 35.3. Points and maxima come from the same scoring expression, so

- every part's points ≤ its maximum (points = max × value, value ≤ 1, rounded alike);
- the parts add up to the score (the score is the sum of the rounded points);
- the maxima of the present components add up to 100 ± 0.05 per component (rounding).

A component whose weight is 0 has a maximum of 0. When no component with an input has any
weight (every input missing, or only weight-0 ones present) there is no score and no maximum.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from kizuna.core.health.model import ScoreModel, score


@dataclass(frozen=True, slots=True)
class Part:
    """One component of one account's score on one day."""

    key: str
    input: str
    weight: float
    points: float | None
    """None when the component is left out (its input is missing) or there is no score."""
    max_points: float | None
    """The most the component could score that day, after rescaling; None like ``points``."""
    nominal_max: float
    """Its maximum with every input present: 100 × weight ÷ Σ all weights (rounded to 0.1)."""
    missing: bool
    """The input had no value."""


@dataclass(frozen=True, slots=True)
class Explanation:
    score: float | None
    parts: tuple[Part, ...]
    missing_inputs: tuple[str, ...]
    """Inputs of the model without a value, in the model's component order, each once."""

    @property
    def rescaled(self) -> bool:
        """Some weight was left out, so the others' maxima were scaled up."""
        return any(p.missing and p.weight > 0 for p in self.parts) and self.score is not None


def explain(model: ScoreModel, inputs: Mapping[str, float | int | None]) -> Explanation:
    """Score one account's ``inputs`` (input name → value; absent or None = missing) with
    ``model`` and return each component's points and effective maximum (see the module
    docstring for the formula and the guarantees)."""
    row = {name: [None if inputs.get(name) is None else float(inputs[name])]  # type: ignore[arg-type]
           for name in model.inputs}  # fmt: skip
    scored = score(pl.DataFrame(row, schema={name: pl.Float64 for name in model.inputs}), model)
    result = scored.row(0, named=True)
    total = sum(c.weight for c in model.components)
    parts = tuple(
        Part(
            key=c.key,
            input=c.input,
            weight=c.weight,
            points=result[f"points_{c.key}"],
            max_points=result[f"max_{c.key}"],
            nominal_max=round(100 * c.weight / total, 1),
            missing=inputs.get(c.input) is None,
        )
        for c in model.components
    )
    missing = tuple(dict.fromkeys(p.input for p in parts if p.missing))
    return Explanation(score=result["score"], parts=parts, missing_inputs=missing)
