"""Loading the generated demo company (``kizuna.demo``) into the database.

Each app's ``demo.py`` loads its own part; ``demo_load`` calls them in this order, each after
the parts it reads:

1. ``org.demo``: teams, then members;
2. ``customers.demo``: products, accounts (owners and teams from 1), lines, contacts;
3. ``touchpoints.demo``: logged touchpoints (accounts, members and contacts from 1–2);
4. ``segments.demo``: the segment rule and every account's first segment period (accounts);
5. ``revenue.demo``: retention targets;
6. ``usage.demo``: usage through the store of record, summaries (accounts, lines);
7. ``onboarding.demo``: templates, onboardings and their criteria (lines, usage);
8. ``health.demo``: twelve weeks of scores (everything above);
9. ``renewals.demo_forecast``: the renewals derived from the lines, monthly health scores
   back-filled over two years (the forecast's history), the CSMs' calls by grade;
10. ``renewals.demo``: the work on the open renewals (calls, closing plans, reviews; the
    health colours of 8);
11. ``expansion.demo``: a year of CSQLs and their attributed expansion (lines, health scores);
12. ``feedback.demo``: the products' owners, feature requests and a year of feedback from
    the accounts using each product (lines, members of 1), a couple shipped;
13. ``churnreasons.demo``: the churn events found in the lines, most with a recorded reason;
14. ``rules.demo``: the enabled rules and half a year of their firings and tasks, worked
    through by their owners (the signals of 6–8; the admin and the members of 1);
14b. ``surveys.demo``: the NPS and CSAT programs switched on, two years of invitations and
    answers whose scores follow each account's grades of 8–9 and its churn in the lines, the
    detractors' follow-ups; then the recent scores of 8 again for the accounts with a recent
    answer (NPS and CSAT are score inputs). After the rules' replay: with the follow-ups in
    place, replaying half a year of rules took three times as long;
15. ``playbooks.demo``: three playbooks and their runs at various stages (accounts, lines,
    health scores of 2 and 8);
16. ``kpis.demo``: the KPI targets of this fiscal year and the last (the admin of 1; the
    segment targets of 5 are kept where no KPI target replaces them);
17. ``diagnosis.demo``: the calls of the worked rule and playbook tasks of 14–15, and the
    organisation diagnoses of the last two month-ends (today's is the daily job's);
18. ``reports.demo``: the monthly report's recipients, the admin and the managers (members
    of 1).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import transaction

from kizuna.apps.churnreasons.demo import churnreasons_demo_load
from kizuna.apps.customers.demo import customers_demo_load
from kizuna.apps.customers.models import Account, SubscriptionLine
from kizuna.apps.diagnosis.demo import diagnosis_demo_load
from kizuna.apps.expansion.demo import expansion_demo_load
from kizuna.apps.feedback.demo import feedback_demo_load
from kizuna.apps.health.demo import grade_history, health_demo_load, health_demo_rescore
from kizuna.apps.kpis.demo import kpis_demo_load
from kizuna.apps.onboarding.demo import onboarding_demo_load
from kizuna.apps.org.demo import org_demo_load
from kizuna.apps.playbooks.demo import playbooks_demo_load
from kizuna.apps.renewals.demo import renewals_demo_load
from kizuna.apps.renewals.demo_forecast import forecast_demo_load
from kizuna.apps.reports.demo import reports_demo_load
from kizuna.apps.revenue.demo import revenue_demo_load
from kizuna.apps.rules.demo import rules_demo_load
from kizuna.apps.segments.demo import segments_demo_load
from kizuna.apps.surveys.demo import surveys_demo_load
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.apps.tenant.services import tenant_settings_ensure
from kizuna.apps.touchpoints.demo import touchpoints_demo_load
from kizuna.apps.touchpoints.models import Touchpoint
from kizuna.apps.usage.demo import LARGE_DEMO, usage_demo_load
from kizuna.core.calendar import month_start_before
from kizuna.core.health.inputs import VOC_WINDOW
from kizuna.demo.generator import generate
from kizuna.demo.types import DemoDataset

#: The fixed logins the README and the demo banner print, one per role.
DEMO_LOGINS = (("admin", "admin"), ("manager", "manager"), ("csm", "csm"), ("viewer", "viewer"))


@dataclass(frozen=True)
class StepTime:
    """How long one step of the demo load took (wall clock)."""

    step: str
    seconds: float


#: Told of each step as it ends (``kizuna demo`` prints it).
OnStep = Callable[[StepTime], None]


@contextmanager
def _timed(step: str, on_step: OnStep | None) -> Iterator[None]:
    start = time.perf_counter()
    yield
    if on_step is not None:
        on_step(StepTime(step, time.perf_counter() - start))


@dataclass(frozen=True)
class DemoLoadResult:
    loaded: bool
    accounts: int
    subscription_lines: int
    touchpoints: int
    logins: tuple[tuple[str, str], ...] = DEMO_LOGINS

    def describe(self) -> str:
        verb = "Loaded the demo company" if self.loaded else "The database already has data"
        return (
            f"{verb}: {self.accounts:,} accounts, {self.subscription_lines:,} subscription lines, "
            f"{self.touchpoints:,} touchpoints."
        )


def demo_load_if_empty(
    *, accounts: int, seed: int, password: str, on_step: OnStep | None = None
) -> DemoLoadResult:
    """Load the demo company unless accounts exist already (then change nothing); ``on_step``
    is told how long each step took: ``generate`` (the dataset, in memory), then each app's
    part (``demo_load``)."""
    if not Account.objects.exists():
        with _timed("generate", on_step):
            dataset = generate(as_of=tenant_today(), accounts=accounts, seed=seed)
        demo_load(dataset=dataset, password=password, on_step=on_step)
        loaded = True
    else:
        loaded = False
    return DemoLoadResult(
        loaded=loaded,
        accounts=Account.objects.count(),
        subscription_lines=SubscriptionLine.objects.count(),
        touchpoints=Touchpoint.objects.count(),
    )


@transaction.atomic
def demo_load(*, dataset: DemoDataset, password: str, on_step: OnStep | None = None) -> None:
    """Insert ``dataset`` in bulk, each app's part in the order above, each a step named after
    its app for ``on_step``."""
    tenant_settings_ensure()
    review_on = last_review_day(dataset.as_of)
    with _timed("org", on_step):
        org = org_demo_load(dataset=dataset, password=password)
    with _timed("customers", on_step):
        customers = customers_demo_load(
            dataset=dataset, users=org.users, teams=org.teams, review_on=review_on
        )
    with _timed("touchpoints", on_step):
        touchpoints_demo_load(
            dataset=dataset,
            accounts=customers.accounts,
            users=org.users,
            contacts=customers.contacts,
        )
    with _timed("segments", on_step):
        segments_demo_load(review_on=review_on)
    with _timed("revenue", on_step):
        revenue_demo_load()
    with _timed("usage", on_step):
        usage_demo_load(dataset=dataset, accounts=customers.accounts)
    with _timed("onboarding", on_step):
        onboarding_demo_load(dataset=dataset, accounts=customers.accounts)
    with _timed("health", on_step):
        health_demo_load(as_of=dataset.as_of, large=len(dataset.accounts) > LARGE_DEMO)
    with _timed("forecast", on_step):
        forecast_demo_load(as_of=dataset.as_of, large=len(dataset.accounts) > LARGE_DEMO)
    with _timed("renewals", on_step):
        renewals_demo_load(as_of=dataset.as_of)
    with _timed("expansion", on_step):
        expansion_demo_load(as_of=dataset.as_of, sales=None)
    with _timed("feedback", on_step):
        owners = [org.users[name] for name in ("manager", "admin") if name in org.users]
        feedback_demo_load(as_of=dataset.as_of, owners=owners)
    with _timed("churnreasons", on_step):
        churnreasons_demo_load(as_of=dataset.as_of, admin=org.users["admin"])
    with _timed("rules", on_step):
        rules_demo_load(
            as_of=dataset.as_of,
            admin=org.users["admin"],
            login=org.users.get("csm"),
            accounts=len(dataset.accounts),
        )
    with _timed("surveys", on_step):
        large = len(dataset.accounts) > LARGE_DEMO
        answered = surveys_demo_load(as_of=dataset.as_of, grades=grade_history(), large=large)
        # the accounts whose answers the recent scores (13 weeks back) read: answered within
        # VOC_WINDOW days before the oldest of those days
        since = dt.datetime.combine(dataset.as_of, dt.time(), dt.UTC) - dt.timedelta(
            days=VOC_WINDOW + 7 * 13 + 1
        )
        recent = sorted(pk for pk, at in answered.items() if at >= since)
        health_demo_rescore(as_of=dataset.as_of, account_ids=recent, large=large)
    with _timed("playbooks", on_step):
        playbooks_demo_load(
            as_of=dataset.as_of, admin=org.users["admin"], login=org.users.get("csm")
        )
    with _timed("kpis", on_step):
        kpis_demo_load(as_of=dataset.as_of, admin=org.users["admin"])
    with _timed("diagnosis", on_step):
        diagnosis_demo_load(as_of=dataset.as_of)
    with _timed("reports", on_step):
        reports_demo_load(admin=org.users["admin"])


def last_review_day(as_of: dt.date) -> dt.date:
    """The demo's last segmentation review: the first of the month six months ago."""
    return month_start_before(as_of, 6)
