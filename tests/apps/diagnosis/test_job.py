"""The daily job: it replaces exactly the day's rows, is idempotent, and survives a part it
cannot read and a setting row it cannot use."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from kizuna.apps.diagnosis import frames
from kizuna.apps.diagnosis.models import DiagnosisFinding, DiagnosisRuleSetting, DiagnosisRun
from kizuna.apps.diagnosis.services import diagnosis_run, rule_overrides
from kizuna.apps.diagnosis.tasks import diagnose
from kizuna.apps.jobs.registry import daily_jobs
from kizuna.core.diagnosis.rules import RULES
from tests.factories import World

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 30)


def rows(day: dt.date) -> list[tuple[str, bool | None, object]]:
    return list(
        DiagnosisFinding.objects.filter(run__day=day)
        .order_by("rule_key")
        .values_list("rule_key", "holds", "evidence")
    )


def test_a_run_stores_every_rule_and_a_rerun_replaces_only_that_day(world: World) -> None:
    # given yesterday's run
    diagnosis_run(day=DAY - dt.timedelta(days=1))
    yesterday = rows(DAY - dt.timedelta(days=1))
    # when today's runs twice
    first = diagnosis_run(day=DAY)
    before = rows(DAY)
    second = diagnosis_run(day=DAY)
    # then today's rows are the same, once, and yesterday's untouched
    assert rows(DAY) == before
    assert len(before) == len(RULES)
    assert DiagnosisRun.objects.filter(day=DAY).count() == 1
    assert not DiagnosisRun.objects.filter(pk=first.pk).exists()
    assert (second.phase, second.level) == ("startup", "reactive")
    assert rows(DAY - dt.timedelta(days=1)) == yesterday
    ops = DiagnosisFinding.objects.get(run=second, rule_key="ops_team")
    assert (ops.holds, ops.evidence) == (True, [{"key": "ops_members", "values": {"count": 1}}])
    assert ops.thresholds == {"min_members": 1.0}


def test_the_task_reports_the_phase_and_the_parts_not_read(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(day: dt.date) -> object:
        raise ValueError("bad row")

    monkeypatch.setitem(frames.PARTS, "team", broken)
    report = diagnose.call(DAY.isoformat())
    assert report == "phase startup, level reactive, evidence not read: team"
    run = DiagnosisRun.objects.get(day=DAY)
    assert run.errors == {"team": "ValueError: bad row"}
    # the team's rules say "not enough data" (ops_team: no member counted), the others ran
    assert DiagnosisFinding.objects.get(run=run, rule_key="leaders_span").holds is None
    assert DiagnosisFinding.objects.filter(run=run).count() == len(RULES)


def test_a_bad_setting_row_keeps_the_rules_defaults(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    # given rows edited by hand: a list, a string, an unknown rule, and one good row
    DiagnosisRuleSetting.objects.create(rule_key="ops_team", thresholds=["x"])
    DiagnosisRuleSetting.objects.create(
        rule_key="leaders_span", thresholds={"max_csms_per_manager": "8"}
    )
    DiagnosisRuleSetting.objects.create(rule_key="gone", thresholds={"x": 1})
    DiagnosisRuleSetting.objects.create(rule_key="managers_own_book", thresholds={"max_share": 0.5})
    # when
    with caplog.at_level(logging.WARNING):
        overrides = rule_overrides()
        run = diagnosis_run(day=DAY)
    # then only the good row is used, the others are logged
    assert overrides == {"managers_own_book": {"max_share": 0.5}}
    assert DiagnosisFinding.objects.get(run=run, rule_key="ops_team").thresholds == {
        "min_members": 1.0
    }
    assert sum("not usable" in r.message for r in caplog.records) == 6  # 3 rows, read twice


def test_the_job_runs_after_the_jobs_it_reads() -> None:
    names = [job.name for job in daily_jobs()]
    after = names.index("diagnosis.diagnose")
    for job in (
        "coverage.refresh_snapshots", "onboarding.evaluate", "renewals.refresh",
        "revenue.refresh_snapshots", "health.refresh_scores", "rules.evaluate",
    ):  # fmt: skip
        assert names.index(job) < after


def test_year_one_and_year_9999_days_run(world: World) -> None:
    assert diagnosis_run(day=dt.date(1, 1, 1)).phase == "startup"
    assert diagnosis_run(day=dt.date(9999, 12, 31)).phase == "startup"
