"""What the loaded demo company holds: MRR from its lines, a login per role, annual lines, daily
jobs that run over it (the 80-account demo, loaded once for the module)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from kizuna.apps.customers.models import Account, SubscriptionLine
from kizuna.apps.jobs.services import jobs_run_due_runs
from kizuna.apps.org.models import User
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.cli.demo import step_line


def test_it_derives_each_account_mrr_from_its_active_lines(demo: None) -> None:
    today = tenant_today()
    for account in Account.objects.all():
        active = account.subscription_lines.filter(start_date__lte=today).exclude(
            end_date__lte=today
        )
        assert account.mrr == (active.aggregate(total=Sum("mrr"))["total"] or 0)
    assert Account.objects.filter(mrr__gt=0).exists()
    assert Account.objects.filter(phase="churned", mrr=0).exists()


def test_it_creates_a_working_login_per_role(demo: None) -> None:
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


def test_it_stores_annual_lines_with_their_annual_amount(demo: None) -> None:
    annual = SubscriptionLine.objects.filter(billing_period="annual").first()
    assert annual is not None
    assert annual.billing_amount == annual.mrr * 12
    assert annual.start_date <= tenant_today() + dt.timedelta(days=1)


def test_the_daily_jobs_after_the_load_report_their_time(demo: None) -> None:
    runs = jobs_run_due_runs(day=tenant_today())
    assert {r.every for r in runs} == {"day"}
    assert "onboarding.evaluate" in [r.name for r in runs]
    assert all(r.status == "ok" and r.seconds is not None and r.seconds >= 0 for r in runs)
    assert step_line("onboarding", 12.345) == "  onboarding        12.3 s"
