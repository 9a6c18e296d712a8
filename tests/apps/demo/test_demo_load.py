"""Loading the generated demo company into the database."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from kizuna.apps.churnreasons.models import ChurnReason
from kizuna.apps.customers.models import Account, Contact, SubscriptionLine
from kizuna.apps.demo.services import StepTime, demo_load_if_empty
from kizuna.apps.jobs.services import jobs_run_due_runs
from kizuna.apps.org.models import User
from kizuna.apps.renewals.models import ClosingPlan, PlanReview
from kizuna.apps.renewals.selectors import PipelineFilters, pipeline_rows
from kizuna.apps.reports.services import report_settings_get
from kizuna.apps.surveys.demo import CALL_SUMMARIES, EMAIL_SUMMARIES
from kizuna.apps.tasks.models import Task
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.apps.touchpoints.models import Touchpoint
from kizuna.cli.demo import step_line
from kizuna.core.calendar import add_months
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


def test_it_derives_each_account_mrr_from_its_active_lines(db: object) -> None:
    demo_load_if_empty(accounts=80, seed=7, password="kizuna-demo")
    today = tenant_today()
    for account in Account.objects.all():
        active = account.subscription_lines.filter(start_date__lte=today).exclude(
            end_date__lte=today
        )
        assert account.mrr == (active.aggregate(total=Sum("mrr"))["total"] or 0)
    assert Account.objects.filter(mrr__gt=0).exists()
    assert Account.objects.filter(phase="churned", mrr=0).exists()


def test_it_creates_a_working_login_per_role(db: object) -> None:
    demo_load_if_empty(accounts=80, seed=7, password="kizuna-demo")
    for username in ("admin", "manager", "csm", "viewer"):
        # through the login page, as in the browser (login throttling needs the request)
        client = Client()
        response = client.post(
            reverse("front:login"), {"username": username, "password": "kizuna-demo"}
        )
        assert response.status_code == 302
        user = User.objects.get(pk=client.session["_auth_user_id"])
        assert user.role == username
    assert User.objects.get(username="csm").owned_accounts.exists()


def test_it_stores_annual_lines_with_their_annual_amount(db: object) -> None:
    demo_load_if_empty(accounts=80, seed=7, password="kizuna-demo")
    annual = SubscriptionLine.objects.filter(billing_period="annual").first()
    assert annual is not None
    assert annual.billing_amount == annual.mrr * 12
    assert annual.start_date <= tenant_today() + dt.timedelta(days=1)


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


def test_the_daily_jobs_after_the_load_report_their_time(db: object) -> None:
    demo_load_if_empty(accounts=80, seed=7, password="kizuna-demo")
    runs = jobs_run_due_runs(day=tenant_today())
    assert {r.every for r in runs} == {"day"}
    assert "onboarding.evaluate" in [r.name for r in runs]
    assert all(r.status == "ok" and r.seconds is not None and r.seconds >= 0 for r in runs)
    assert step_line("onboarding", 12.345) == "  onboarding        12.3 s"


def test_it_gives_the_open_renewals_believable_work(db: object) -> None:
    # given the demo company of 200 accounts
    demo_load_if_empty(accounts=200, seed=7, password="kizuna-demo")
    today = tenant_today()
    rows = pipeline_rows(
        PipelineFilters(first_month=today.replace(day=1), last_month=add_months(today, 6)),
        today=today,
    )
    statuses = Counter(row.status for row in rows)
    # then renewals ahead have plans, some overdue for review and some missing, calls on most
    # of those in their window, and reviews signed off by managers only
    assert statuses["planned"] >= 3
    assert statuses["review_overdue"] >= 1
    assert statuses["plan_missing"] >= 1
    worked = [row for row in rows if row.status in {"planned", "review_overdue", "plan_missing"}]
    assert sum(1 for row in worked if row.renewal.forecast_call) > len(worked) // 2
    assert set(PlanReview.objects.values_list("reviewed_by__role", flat=True)) == {"manager"}
    assert ClosingPlan.objects.exclude(decision_maker="").count() == ClosingPlan.objects.count()


def test_it_gives_the_churned_accounts_and_cancelled_lines_believable_reasons(db: object) -> None:
    # given the demo company of 200 accounts
    demo_load_if_empty(accounts=200, seed=7, password="kizuna-demo")
    today = tenant_today()
    reasons = list(ChurnReason.objects.select_related("category"))
    # then every churned account has its churn found, and most older churns have a reason
    churned = set(Account.objects.filter(phase="churned", mrr=0).values_list("pk", flat=True))
    whole = {r.account_id for r in reasons if r.line_id is None}
    assert churned and churned <= whole
    older = [r for r in reasons if (today - r.churned_on).days > 30]
    recorded = [r for r in older if r.category is not None]
    assert len(recorded) >= 0.8 * len(older)
    assert all(r.recorded_at and r.recorded_at.date() > r.churned_on for r in recorded)
    assert all(r.lost_mrr == sum(r.losses.values_list("mrr", flat=True)) for r in reasons)
    # and the reasons spread over the taxonomy, the most common no more than half of them
    counts = Counter(r.category.key for r in recorded if r.category)
    assert len(counts) >= 5
    assert counts.most_common(1)[0][1] <= len(recorded) / 2
    # and nothing recent was recorded by the demo: the missing tab has work to show
    assert all(r.category is None for r in reasons if (today - r.churned_on).days <= 30)
