"""Coverage in the app: snapshots from real rows, the CSM's worklist, the dashboard."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kizuna.apps.coverage.models import CoverageSnapshot
from kizuna.apps.coverage.selectors import (
    CoverageRows,
    WorklistSummary,
    uncovered_accounts,
    worklist_summary,
)
from kizuna.apps.coverage.services import coverage_snapshot_fill, coverage_snapshots_refresh
from kizuna.apps.customers.models import Account
from kizuna.apps.segments.services import segment_history_initialise
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.apps.touchpoints.services import touchpoint_create
from kizuna.core.calendar import add_months
from kizuna.core.coverage import CoverageDue
from tests.factories import AccountFactory, SubscriptionLineFactory, TouchpointFactory, World

JST = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture
def book(world: World) -> dict[str, Account]:
    """Three high-touch accounts of the CSM, active since 2026-01-01, touched differently."""
    Account.objects.all().delete()
    accounts = {}
    for name in ("met", "late", "never"):
        account = AccountFactory(
            name=name, segment="high", owner=world.csm, team=world.strategic, mrr=100_000
        )
        SubscriptionLineFactory(
            account=account, product=world.product, start_date=dt.date(2026, 1, 1)
        )
        accounts[name] = account
    segment_history_initialise(on=dt.date(2026, 1, 1))
    # a meeting at 23:30 JST on 2026-10-31 (14:30 UTC): counts for October
    TouchpointFactory(
        account=accounts["met"],
        csm=world.csm,
        occurred_at=dt.datetime(2026, 10, 31, 23, 30, tzinfo=JST),
    )
    # a call exactly one month before 2026-10-31: outside (d − P, d]
    TouchpointFactory(
        account=accounts["late"],
        csm=world.csm,
        kind="call",
        occurred_at=dt.datetime(2026, 9, 30, 10, 0, tzinfo=JST),
    )
    # a webinar never covers a high-touch account
    TouchpointFactory(
        account=accounts["never"],
        csm=world.csm,
        kind="webinar",
        occurred_at=dt.datetime(2026, 10, 20, 15, 0, tzinfo=JST),
    )
    return accounts


def test_it_fills_a_snapshot_with_exact_rates(world: World, book: dict[str, Account]) -> None:
    # when coverage is computed as of 2026-10-31
    rows = coverage_snapshot_fill(day=dt.date(2026, 10, 31))
    # then 1 of the 3 high-touch accounts is covered, company-wide, for the team and the CSM
    assert rows == 3
    company = CoverageSnapshot.objects.get(as_of=dt.date(2026, 10, 31), scope="segment")
    assert (company.segment, company.covered, company.total, company.rate, company.target) == (
        "high",
        1,
        3,
        1 / 3,
        0.8,
    )
    mine = CoverageSnapshot.objects.get(as_of=dt.date(2026, 10, 31), csm=world.csm)
    assert (mine.covered, mine.total) == (1, 3)
    # and the same day again replaces, never duplicates
    coverage_snapshot_fill(day=dt.date(2026, 10, 31))
    assert CoverageSnapshot.objects.filter(as_of=dt.date(2026, 10, 31)).count() == 3


def test_it_excludes_accounts_not_active_on_the_day(world: World, book: dict[str, Account]) -> None:
    book["late"].subscription_lines.update(end_date=dt.date(2026, 10, 15))
    coverage_snapshot_fill(day=dt.date(2026, 10, 31))
    company = CoverageSnapshot.objects.get(as_of=dt.date(2026, 10, 31), scope="segment")
    assert (company.covered, company.total) == (1, 2)


def test_it_refreshes_the_trend_once_per_month_end(world: World, book: dict[str, Account]) -> None:
    days = coverage_snapshots_refresh(today=dt.date(2026, 11, 25), months=3)
    assert days == [
        dt.date(2026, 8, 31),
        dt.date(2026, 9, 30),
        dt.date(2026, 10, 31),
        dt.date(2026, 11, 25),
    ]
    again = coverage_snapshots_refresh(today=dt.date(2026, 11, 25), months=3)
    assert again == [dt.date(2026, 10, 31), dt.date(2026, 11, 25)]


def test_it_orders_the_worklist_by_who_falls_out_first(
    world: World, book: dict[str, Account]
) -> None:
    client = Client()
    client.force_login(world.csm)
    response = client.get(reverse("coverage:worklist"))
    body = response.content.decode()
    assert response.status_code == 200
    # as of today every touch is older than a month: never-touched first, then by last touch
    assert body.index(">never<") < body.index(">late<") < body.index(">met<")


def test_it_lets_managers_but_not_csms_see_another_members_worklist(
    world: World, book: dict[str, Account]
) -> None:
    client = Client()
    client.force_login(world.outsider)
    assert client.get(reverse("coverage:worklist"), {"csm": "csm"}).status_code == 403
    client.force_login(world.manager)
    assert ">met<" in client.get(reverse("coverage:worklist"), {"csm": "csm"}).content.decode()


def test_it_shows_the_dashboard_from_snapshots_and_the_drill_down(
    world: World, book: dict[str, Account]
) -> None:
    # given no snapshot yet: today's figures are still there, counted live
    client = Client()
    client.force_login(world.viewer)
    body = client.get(reverse("coverage:dashboard")).content.decode()
    assert 'class="as-of"' in body
    # when the daily job stored an October snapshot, the trend uses it
    coverage_snapshot_fill(day=dt.date(2026, 10, 31))
    body = client.get(reverse("coverage:dashboard")).content.decode()
    assert "<polyline" in body
    drill = client.get(reverse("coverage:uncovered"), {"segment": "high"}).content.decode()
    assert ">never<" in drill
    assert 'class="as-of"' in drill


def _drill_down_count(client: Client, row: CoverageSnapshot) -> int:
    """The number of accounts the dashboard row's own drill-down link lists."""
    params = {"segment": row.segment}
    if row.scope == "team":
        params["team"] = str(row.team_id or "none")
    if row.scope == "csm":
        params["csm"] = str(row.csm_id or "none")
    response = client.get(reverse("coverage:uncovered"), params)
    count: int = response.context["count"]
    return count


def test_after_a_touch_the_dashboard_and_every_drill_down_count_the_same(
    world: World, book: dict[str, Account]
) -> None:
    # given a book of high- and low-touch accounts, some without a team or an owner, and the
    # daily snapshot stored this morning
    today = tenant_today()
    for name, segment, owner, team in (
        ("no-team", "high", world.teammate, None),
        ("no-owner", "high", None, world.strategic),
        ("low-one", "low", world.csm, world.strategic),
        ("low-other", "low", world.outsider, world.other_team),
    ):
        AccountFactory(name=name, segment=segment, owner=owner, team=team, mrr=50_000)
    coverage_snapshots_refresh(today=today, months=1)
    client = Client()
    client.force_login(world.manager)
    before = client.get(reverse("coverage:dashboard")).context["rows"]
    high_before = next(r for r in before.segment if r.segment == "high")
    # when a manager logs a meeting for a never-touched high-touch account
    touchpoint_create(
        actor=world.manager,
        account=book["never"],
        data={"kind": "meeting", "occurred_at": timezone.now(), "summary": "訪問"},
    )
    # then the dashboard counts it at once ...
    response = client.get(reverse("coverage:dashboard"))
    rows = response.context["rows"]
    high = next(r for r in rows.segment if r.segment == "high")
    assert (high.covered, high.total) == (high_before.covered + 1, high_before.total)
    assert 'class="as-of"' in response.content.decode()
    # ... and every row (company-wide, team, CSM) equals its drill-down, exactly
    compared = 0
    for scope in ("segment", "team", "csm"):
        for row in rows.of_scope(scope):
            assert row.total - row.covered == _drill_down_count(client, row), (scope, row)
            compared += 1
    assert compared >= 8
    assert any(r.scope == "team" and r.team_id is None for r in rows.team)
    assert any(r.scope == "csm" and r.csm_id is None for r in rows.csm)
    # and the CSM's worklist counts the same accounts as not covered as their dashboard rows
    worklist = client.get(reverse("coverage:worklist"), {"csm": "csm"}).context["summary"]
    mine = [r for r in rows.csm if r.csm_id == world.csm.pk]
    assert worklist.total == sum(r.total for r in mine)
    assert worklist.uncovered == sum(r.total - r.covered for r in mine)
    # and the API's rows for today are the same live figures
    api_rows = api_coverage_rows(world.viewer)
    assert {(r["scope"], r["segment"], r["team"], r["csm"]): (r["covered"], r["total"])
            for r in api_rows} == {
        (r.scope, r.segment, r.team.code if r.team else None, r.csm.username if r.csm else None):
        (r.covered, r.total) for r in (*rows.segment, *rows.team, *rows.csm)
    }  # fmt: skip
    # and the account page says the account is covered now
    page = client.get(reverse("customers:account_detail", args=[book["never"].pk]))
    assert page.context["coverage"].covered is True


def api_coverage_rows(user: object) -> list[dict[str, object]]:
    from kizuna.apps.org.services import api_token_create

    _token, raw = api_token_create(user=user, name="t")  # type: ignore[arg-type]
    rows: list[dict[str, object]] = (
        Client().get("/api/v1/coverage", headers={"Authorization": f"Bearer {raw}"}).json()
    )
    return rows


def test_the_drill_down_of_accounts_without_a_team_lists_only_those(
    world: World, book: dict[str, Account]
) -> None:
    # given an uncovered high-touch account without a team beside the team's three
    AccountFactory(name="loose", segment="high", owner=world.csm, team=None, mrr=10)
    client = Client()
    client.force_login(world.viewer)
    # when the "(no team)" row's drill-down is opened
    response = client.get(reverse("coverage:uncovered"), {"segment": "high", "team": "none"})
    # then it lists that account alone, not the whole segment
    assert [row.account.name for row in response.context["rows"]] == ["loose"]


def test_the_drill_down_query_agrees_with_the_core(world: World, book: dict[str, Account]) -> None:
    from kizuna.apps.coverage.selectors import due_list, uncovered_accounts

    # given more touchpoints on both sides of today's window boundary
    from kizuna.apps.tenant.selectors import tenant_today

    today = tenant_today()
    edge = dt.datetime.combine(today.replace(day=1), dt.time(0, 30), tzinfo=JST)
    TouchpointFactory(account=book["late"], csm=world.csm, kind="call", occurred_at=edge)
    # one account touched at 23:59 JST on today − 1 month (outside), one at 00:00 JST the day
    # after (inside)
    boundary = add_months(today, -1)
    for name, moment in (
        ("outside", dt.datetime.combine(boundary, dt.time(23, 59), tzinfo=JST)),
        ("inside", dt.datetime.combine(boundary + dt.timedelta(days=1), dt.time(0, 0), tzinfo=JST)),
    ):
        account = AccountFactory(name=name, segment="high", owner=world.csm, mrr=1)
        TouchpointFactory(account=account, csm=world.csm, occurred_at=moment)
    accounts = Account.objects.all()
    core = {a.pk for due, a in due_list(accounts=accounts, today=today) if not due.covered}
    sql = set(
        uncovered_accounts(accounts=accounts, segment="high", today=today).values_list(
            "pk", flat=True
        )
    )
    assert sql == core
    assert book["never"].pk in sql
    assert Account.objects.get(name="outside").pk in sql
    assert Account.objects.get(name="inside").pk not in sql


def _due(days_left: int | None, covered: bool) -> CoverageDue:
    return CoverageDue(1, "high", None, None, 1, None, None, days_left, covered)


def test_the_worklist_summary_counts_the_uncovered_and_those_falling_out_within_a_week() -> None:
    # given five lines: two not covered, covered with 0, 7 and 8 days left
    rows = [_due(None, False), _due(None, False), _due(0, True), _due(7, True), _due(8, True)]
    # when summed, then 7 days left is still "within 7 days", 8 is not
    assert worklist_summary(rows) == WorklistSummary(total=5, uncovered=2, due_in_7_days=2)
    assert worklist_summary([]) == WorklistSummary(total=0, uncovered=0, due_in_7_days=0)


def test_the_rows_of_a_scope_are_asked_by_name() -> None:
    # given rows split by scope
    segment, team = CoverageSnapshot(segment="high"), CoverageSnapshot(segment="low")
    rows = CoverageRows(segment=[segment], team=[team], csm=[])
    # then each scope answers its own, and an unknown scope is refused
    assert (rows.of_scope("segment"), rows.of_scope("team"), rows.of_scope("csm")) == (
        [segment],
        [team],
        [],
    )
    with pytest.raises(ValueError):
        rows.of_scope("company")


def test_the_drill_down_reads_each_accounts_touches_from_the_index_alone(
    world: World, book: dict[str, Account]
) -> None:
    # given the drill-down's query (its count checks every active account of the segment)
    query = uncovered_accounts(accounts=Account.objects.all(), segment="tech", today=tenant_today())
    if connection.vendor != "sqlite":
        pytest.skip("the plan's wording is SQLite's")
    # then the touch in the window is looked up in the touchpoints' (account, time, kind)
    # index without reading the touchpoint rows
    plan = query.explain()
    assert "COVERING INDEX touchpoints_account_cda6d0_idx" in plan, plan
