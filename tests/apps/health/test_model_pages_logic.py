"""What the score-model pages used to decide themselves, now in services and forms: the
backtest's window and cache, a draft's name, the editor's starting bands."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache

from kizuna.apps.health import services
from kizuna.apps.health.forms import bands_initial, components_initial
from kizuna.apps.health.models import ScoreModelVersion
from kizuna.apps.health.services import (
    health_backtest_recent,
    score_model_draft_create,
    score_models_ensure_defaults,
)
from tests.factories import World

TODAY = dt.date(2026, 6, 30)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """``health_backtest`` replaced by a recorder that returns a fresh object each call."""
    cache.clear()
    seen: list[dict[str, Any]] = []

    def recorder(**kwargs: Any) -> services.Backtest:
        seen.append(kwargs)
        return services.Backtest({}, None, None, kwargs["first"], kwargs["last"])  # type: ignore[arg-type]

    monkeypatch.setattr(services, "health_backtest", recorder)
    return seen


def test_the_backtest_reads_265_to_90_days_back_and_caches_a_stored_version(
    world: World, calls: list[dict[str, Any]]
) -> None:
    # given a stored version
    score_models_ensure_defaults()
    version = ScoreModelVersion.objects.get(name="adoption")
    model = version.as_core()

    # when its backtest is asked for twice the same day, and once the next day
    first = health_backtest_recent(model=model, today=TODAY, version=version)
    again = health_backtest_recent(model=model, today=TODAY, version=version)
    health_backtest_recent(model=model, today=TODAY + dt.timedelta(days=1), version=version)

    # then it is computed once per day (the second answer is the cached copy), over
    # 2025-10-08 … 2026-04-01 with the data until today
    assert again == first
    assert [(c["first"], c["last"], c["data_until"]) for c in calls] == [
        (dt.date(2025, 10, 8), dt.date(2026, 4, 1), TODAY),
        (dt.date(2025, 10, 9), dt.date(2026, 4, 2), TODAY + dt.timedelta(days=1)),
    ]


def test_a_draft_being_edited_is_backtested_each_time(
    world: World, calls: list[dict[str, Any]]
) -> None:
    # given a model that is no stored version
    score_models_ensure_defaults()
    model = ScoreModelVersion.objects.get(name="adoption").as_core()

    # when it is backtested twice
    one = health_backtest_recent(model=model, today=TODAY)
    two = health_backtest_recent(model=model, today=TODAY)

    # then twice computed, never cached
    assert one == two
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("segment", "name", "version"),
    [("", "adoption", 2), ("high", "adoption-high", 1)],
)
def test_a_draft_keeps_its_models_name_unless_its_touch_model_changes(
    world: World, segment: str, name: str, version: int
) -> None:
    # given the default adoption model (every touch model)
    score_models_ensure_defaults()
    base = ScoreModelVersion.objects.get(name="adoption")

    # when an edited copy is saved for ``segment``
    saved = score_model_draft_create(
        actor=world.admin, base=base, segment=segment, spec=base.spec, note="n"
    )

    # then it is the next version of the same model, or the first of a model of its own
    assert (saved.name, saved.version, saved.phase, saved.segment) == (
        name,
        version,
        "adoption",
        segment,
    )
    assert saved.status == "draft"


def test_a_high_touch_model_copied_for_every_touch_model_is_named_all(world: World) -> None:
    # given a high-touch adoption model
    score_models_ensure_defaults()
    base = ScoreModelVersion.objects.get(name="adoption")
    high = score_model_draft_create(actor=world.admin, base=base, segment="high", spec=base.spec)

    # when it is saved for every touch model
    saved = score_model_draft_create(actor=world.admin, base=high, segment="", spec=base.spec)

    # then it is the first version of "adoption-all"
    assert (saved.name, saved.version) == ("adoption-all", 1)


def test_the_editor_starts_from_the_specs_bands_or_the_cores_defaults() -> None:
    # given a spec without bands and one with them
    bare = {"components": [{"key": "a", "input": "sentiment", "kind": "linear", "low": 1,
                            "high": 5, "weight": 1, "red_forces_red": False}]}  # fmt: skip
    banded = {**bare, "red_below": 30.0, "green_from": 80.0}

    # when / then: 40 and 70 as whole numbers (the form shows "40", "70"), else the spec's
    assert bands_initial(bare, segment="") == {"red_below": 40, "green_from": 70, "segment": ""}
    assert bands_initial(banded, segment="low") == {
        "red_below": 30.0,
        "green_from": 80.0,
        "segment": "low",
    }
    assert components_initial(bare) == [
        {"input": "sentiment", "kind": "linear", "low": 1, "high": 5, "weight": 1,
         "red_forces_red": False}
    ]  # fmt: skip
