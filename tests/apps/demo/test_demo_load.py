"""Loading the generated demo company into the database."""

from __future__ import annotations

from kizuna.apps.customers.models import Account, Contact, SubscriptionLine
from kizuna.apps.demo.services import StepTime, demo_load_if_empty
from kizuna.apps.org.models import User
from kizuna.apps.reports.services import report_settings_get
from kizuna.apps.surveys.demo import CALL_SUMMARIES, EMAIL_SUMMARIES
from kizuna.apps.tasks.models import Task
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.apps.touchpoints.models import Touchpoint
from kizuna.demo.generator import generate


def test_it_loads_the_demo_once_into_an_empty_database(db: object) -> None:
    # when the demo is loaded twice
    first = demo_load_if_empty(accounts=80, seed=7, password="kizuna-demo")
    second = demo_load_if_empty(accounts=80, seed=7, password="kizuna-demo")
    # then everything the generator made is there, once
    dataset = generate(as_of=tenant_today(), accounts=80, seed=7)
    assert first.loaded and not second.loaded
    assert Account.objects.count() == 80 == first.accounts == second.accounts
    assert SubscriptionLine.objects.count() == len(dataset.subscription_lines)
    assert Contact.objects.count() == len(dataset.contacts)
    # the generated touchpoints, and the follow-up calls and e-mails to older detractors
    followups = Touchpoint.objects.filter(summary__in=CALL_SUMMARIES + EMAIL_SUMMARIES).count()
    # and the calls behind the rule and playbook tasks closed "contacted" or "saved"
    worked = Task.objects.filter(
        origin__in=("rule", "playbook"), state="done", outcome__in=("contacted", "saved")
    ).count()
    assert worked > 0
    assert Touchpoint.objects.count() == len(dataset.touchpoints) + followups + worked
    assert User.objects.count() == len(dataset.users)
    # and its group of companies (one, in an 80-account demo), each parent link as generated
    parents = {a.key: a.parent_key for a in dataset.accounts if a.parent_key is not None}
    assert 1 <= len(parents) <= 4
    stored = Account.objects.filter(parent__isnull=False).values_list(
        "external_crm_id", "parent__external_crm_id"
    )
    assert dict(stored) == parents
    # and the monthly report goes to the admin and the managers
    leaders = User.objects.filter(role__in=("admin", "manager"), is_active=True)
    recipients = report_settings_get().recipient_list()
    assert len(recipients) >= 2 and set(recipients) == {u.email for u in leaders}


def test_it_tells_how_long_each_step_took_in_the_load_order(db: object) -> None:
    steps: list[StepTime] = []
    demo_load_if_empty(accounts=80, seed=7, password="kizuna-demo", on_step=steps.append)
    assert [s.step for s in steps] == [
        "generate", "org", "customers", "touchpoints", "segments", "revenue", "usage",
        "onboarding", "health", "forecast", "renewals", "expansion", "feedback", "churnreasons",
        "rules", "surveys", "playbooks", "kpis", "diagnosis", "reports",
    ]  # fmt: skip
    assert all(0 <= s.seconds < 600 for s in steps)
    # nothing to load the second time: no step
    demo_load_if_empty(accounts=80, seed=7, password="kizuna-demo", on_step=steps.append)
    assert len(steps) == 20
