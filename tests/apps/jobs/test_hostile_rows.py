"""One bad row never stops a daily job: rows written straight to the database (legacy data, a
hand-edited table) that the forms and the API would refuse are reported or skipped, and every
job still ends ``ok`` for the other accounts."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import call_command

from kizuna.apps.customers.models import Account, SubscriptionLine
from kizuna.apps.demo.services import demo_load_if_empty
from kizuna.apps.jobs.models import JobState
from kizuna.apps.onboarding.models import Onboarding
from kizuna.apps.touchpoints.models import Touchpoint


def test_it_runs_every_daily_job_over_hostile_rows(db: Any, settings: Any, tmp_path: Path) -> None:
    # given a small demo company and, written straight to the tables, an MRR of 10**15, a
    # touchpoint in year 9999, an onboarding due in year 1 and an account with no owner and
    # no team (a line ending before it starts: a CHECK constraint refuses it)
    settings.USAGE_DIR = tmp_path / "usage"
    demo_load_if_empty(accounts=12, seed=7, password="kizuna-demo")
    lines = list(SubscriptionLine.objects.order_by("pk")[:2])
    SubscriptionLine.objects.filter(pk=lines[1].pk).update(billing_amount=10**15, mrr=10**15)
    touch = Touchpoint.objects.order_by("pk").first()
    assert touch is not None
    Touchpoint.objects.filter(pk=touch.pk).update(
        occurred_at=dt.datetime(9999, 12, 31, 12, tzinfo=dt.UTC)
    )
    onboarding = Onboarding.objects.order_by("pk").first()
    assert onboarding is not None
    Onboarding.objects.filter(pk=onboarding.pk).update(
        target_on=dt.date(1, 1, 1), current_target_on=dt.date(1, 1, 1)
    )
    orphan = Account.objects.order_by("-pk").first()
    assert orphan is not None
    Account.objects.filter(pk=orphan.pk).update(owner=None, team=None)
    # when the worker runs once
    out, err = StringIO(), StringIO()
    call_command("run_jobs", "--once", stdout=out, stderr=err)
    # then every daily job ran and ended ok
    states = {s.name: (s.last_status, s.last_message) for s in JobState.objects.all()}
    assert len(states) == 17, out.getvalue()
    assert {name: s for name, s in states.items() if s[0] != "ok"} == {}
