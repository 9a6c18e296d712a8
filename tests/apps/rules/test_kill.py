"""The kill test of the action layer: a real process carrying out a day's firings, killed with
SIGKILL between two of its transactions, leaves each firing either carried out whole (its
task, its alert, its webhook, its playbook run with the run's task, its mark) or not at all;
the next run finishes the rest, and no task, alert, webhook or playbook run is ever doubled.

A real process against a real database, as the import's kill test (``tests/apps/imports``):
on SQLite the migrated test database is copied to a file the process opens; on PostgreSQL the
process opens the test database itself. The process is slowed a little per firing (a sleep
around the real ``_act``) so that the kill lands after its first batch committed.
"""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kizuna.apps.health.models import HealthScore, ScoreModelVersion
from kizuna.apps.health.services import score_models_ensure_defaults
from kizuna.apps.notify.models import Delivery, Notification
from kizuna.apps.notify.services import webhook_endpoint_create
from kizuna.apps.playbooks.models import PlaybookRun
from kizuna.apps.playbooks.services import playbook_create
from kizuna.apps.rules import services
from kizuna.apps.rules.evaluation import ACT_BATCH, rules_evaluate
from kizuna.apps.rules.models import Firing
from kizuna.apps.tasks.models import Task
from kizuna.apps.tenant.selectors import tenant_today
from tests.apps.imports.test_kill import ROOT, database_url, environment
from tests.factories import AccountFactory, World

__all__ = ["database_url"]

FIRINGS = ACT_BATCH * 3
TABLES = {
    "acted": f"SELECT count(*) FROM {Firing._meta.db_table} WHERE acted_at IS NOT NULL",
    "tasks": f"SELECT count(*) FROM {Task._meta.db_table} WHERE origin = 'rule'",
    "runs": f"SELECT count(*) FROM {PlaybookRun._meta.db_table}",
    "run_tasks": f"SELECT count(*) FROM {Task._meta.db_table} WHERE origin = 'playbook'",
    "alerts": f"SELECT count(*) FROM {Notification._meta.db_table}",
    "webhooks": f"SELECT count(*) FROM {Delivery._meta.db_table} WHERE event_type = 'rule.fired'",
}
ACT = """
import time, django
django.setup()
from kizuna.apps.rules import evaluation
real = evaluation._act
def slow(firing):
    time.sleep(0.01)
    real(firing)
evaluation._act = slow
print(evaluation.firings_act(), flush=True)
"""


def counts(url: str) -> dict[str, int]:
    if url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            found = {name: db.execute(query).fetchone()[0] for name, query in TABLES.items()}
        db.close()
        return found
    from django.db import connection

    with connection.cursor() as cursor:
        return {name: cursor.execute(q).fetchone()[0] for name, q in TABLES.items()}


@pytest.mark.django_db(transaction=True)
def test_a_killed_run_carries_out_each_firing_whole_or_not_and_a_rerun_finishes(
    world: World, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # given: 600 red accounts, a rule with every action (its playbook has one step), an
    # endpoint for rule.fired, and the day evaluated (firings recorded, none carried out)
    score_models_ensure_defaults()
    model = ScoreModelVersion.objects.filter(name="adoption").first()
    day = tenant_today()
    for _ in range(FIRINGS):
        account = AccountFactory(owner=world.csm, team=world.strategic)
        HealthScore.objects.create(account=account, day=day, model=model, score=1, grade=1,
                                   rag="red")  # fmt: skip
    playbook = playbook_create(actor=world.admin, name="立て直し", steps=[
        {"order": 1, "title": "電話", "offset_days": 0, "anchor": "start"}])  # fmt: skip
    rule = services.rule_create(actor=world.admin, name="赤", data={
        "trigger": "health_red", "actions": ["task", "notify", "webhook", "playbook"],
        "playbook": playbook})  # fmt: skip
    services.rule_enable(actor=world.admin, rule=rule)
    services.alert_settings_update(
        actor=world.admin, weekly_budget=FIRINGS, digest_time=dt.time(8, 30)
    )
    webhook_endpoint_create(url="http://127.0.0.1:9/hook", event_types=["rule.fired"], by=None)
    assert rules_evaluate(day=day).firings == FIRINGS
    url = request.getfixturevalue("database_url")  # copied after the data exists
    env = environment(url, tmp_path)
    # when: a process carries them out and is killed once its first batch is committed
    process = subprocess.Popen([sys.executable, "-c", ACT], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if counts(url)["acted"] >= ACT_BATCH:
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(0.02)
    status = process.wait(timeout=30)
    after_kill = counts(url)
    # then: whole batches only, each firing with its task, alert, webhook and playbook run, or
    # none of them
    assert status == -signal.SIGKILL, process.stderr.read()[-2000:] if process.stderr else ""
    acted = after_kill["acted"]
    assert acted % ACT_BATCH == 0 and ACT_BATCH <= acted < FIRINGS, after_kill
    assert after_kill == dict.fromkeys(TABLES, acted)
    # when: the next run, then one more
    for _ in range(2):
        quick = ACT.replace("0.01", "0")
        done = subprocess.run(
            [sys.executable, "-c", quick], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=300, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
    # then: every firing carried out once; nothing doubled
    assert counts(url) == dict.fromkeys(TABLES, FIRINGS)
