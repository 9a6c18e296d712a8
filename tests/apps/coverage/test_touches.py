"""One last touch: the account header, the account list, the coverage worklist, its uncovered
drill-down and dashboard, and the health input "days since the last touch" read the same rule,
so they agree whatever was stored (a legacy date after today or before 2000, an internal note,
a webinar that counts for tech touch only, a touch older than the coverage window)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from kizuna.apps.coverage.frames import latest_touches_between
from kizuna.apps.coverage.touches import last_touches, qualifying_touchpoints
from kizuna.apps.customers.models import Account
from kizuna.apps.health.frames import input_frames
from kizuna.apps.health.models import HealthScore
from kizuna.apps.health.services import health_scores_refresh, score_models_ensure_defaults
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.health.inputs import inputs_over
from tests.factories import AccountFactory, SubscriptionLineFactory, TouchpointFactory, World

UTC = dt.UTC
JST = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture(autouse=True)
def today_is_november_28th(monkeypatch: pytest.MonkeyPatch) -> None:
    now = dt.datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo
    monkeypatch.setattr("kizuna.apps.tenant.selectors.timezone.now", lambda: now)


@pytest.fixture
def book(world: World) -> dict[str, Account]:
    """High-touch accounts of the CSM, each with a history that once made pages disagree.
    The touchpoints are written as the database may hold them (no service, no date check)."""
    accounts = {
        name: AccountFactory(
            name=name, segment="high", owner=world.csm, team=world.strategic, mrr=100_000
        )
        for name in ("future", "last_century", "old", "tonight", "noted")
    }

    def touch(name: str, kind: str, when: dt.datetime) -> None:
        TouchpointFactory(account=accounts[name], csm=world.csm, kind=kind, occurred_at=when)

    touch("future", "meeting", dt.datetime(2026, 11, 10, 10, 0, tzinfo=JST))
    touch("future", "meeting", dt.datetime(2027, 3, 1, 10, 0, tzinfo=JST))  # typed 2027
    touch("last_century", "call", dt.datetime(1999, 6, 1, 10, 0, tzinfo=JST))  # typed 1999
    touch("old", "meeting", dt.datetime(2026, 3, 15, 10, 0, tzinfo=JST))  # before any window
    touch("tonight", "call", dt.datetime(2026, 11, 28, 23, 30, tzinfo=JST))  # still today
    touch("noted", "email", dt.datetime(2026, 11, 2, 9, 0, tzinfo=JST))
    touch("noted", "note", dt.datetime(2026, 11, 25, 9, 0, tzinfo=JST))  # not a touch of theirs
    return accounts


EXPECTED = {
    "future": dt.date(2026, 11, 10),
    "last_century": None,
    "old": dt.date(2026, 3, 15),
    "tonight": dt.date(2026, 11, 28),
    "noted": dt.date(2026, 11, 2),
}


def test_the_header_the_account_list_and_the_worklist_show_the_same_last_touch(
    world: World, book: dict[str, Account]
) -> None:
    client = Client()
    client.force_login(world.csm)
    # when the CSM looks at each account page, the account list and their worklist
    pages = {
        name: client.get(reverse("customers:account_detail", args=[a.pk])).context
        for name, a in book.items()
    }
    headers = {name: context["last_touch"] for name, context in pages.items()}
    coverage_lines = {name: context["coverage"].last_touch for name, context in pages.items()}
    listed = client.get(reverse("customers:account_list"), {"owner": "csm"}).context["rows"]
    worklist = client.get(reverse("coverage:worklist")).context["rows"]
    # then every page shows the same day: the latest qualifying touch in [2000-01-01, today]
    assert headers == EXPECTED
    assert coverage_lines == EXPECTED
    assert {row.name: row.last_touch_on for row in listed if row.name in book} == EXPECTED
    assert {account.name: due.last_touch for due, account in worklist} == EXPECTED
    # and the worklist's coverage follows from it (1 month for high touch)
    covered = {account.name: due.covered for due, account in worklist}
    assert covered == {
        "future": True,
        "last_century": False,
        "old": False,
        "tonight": True,
        "noted": True,
    }


def test_the_selector_reads_the_days_in_the_company_time_zone(
    world: World, book: dict[str, Account]
) -> None:
    found = last_touches(accounts=book.values(), today=tenant_today())
    assert {book_name: found[a.pk].day for book_name, a in book.items() if a.pk in found} == {
        name: day for name, day in EXPECTED.items() if day is not None
    }
    assert found[book["tonight"].pk].kind == "call"


@pytest.fixture
def scored_book(world: World) -> dict[str, Account]:
    """Active accounts of the CSM (a line each) whose touchpoints, written as legacy data may
    hold them, once gave each page its own last touch."""
    accounts = {
        name: AccountFactory(
            name=name,
            segment=segment,
            phase="adoption",
            owner=world.csm,
            team=world.strategic,
            mrr=100_000,
        )
        for name, segment in (
            ("tomorrow", "high"),
            ("noted", "high"),
            ("last_century", "high"),
            ("tonight", "high"),
            ("webinar", "tech"),
        )
    }
    for account in accounts.values():
        SubscriptionLineFactory(account=account, product=world.product, seats=10)

    def touch(name: str, kind: str, when: dt.datetime) -> None:
        TouchpointFactory(account=accounts[name], csm=world.csm, kind=kind, occurred_at=when)

    touch("tomorrow", "meeting", dt.datetime(2026, 10, 1, 10, 0, tzinfo=JST))
    touch("tomorrow", "meeting", dt.datetime(2026, 11, 29, 0, 30, tzinfo=JST))  # tomorrow
    touch("noted", "email", dt.datetime(2026, 10, 5, 9, 0, tzinfo=JST))
    touch("noted", "note", dt.datetime(2026, 11, 25, 9, 0, tzinfo=JST))  # an internal note
    touch("last_century", "call", dt.datetime(1999, 6, 1, 10, 0, tzinfo=JST))
    touch("tonight", "call", dt.datetime(2026, 11, 28, 23, 30, tzinfo=JST))
    touch("webinar", "webinar", dt.datetime(2026, 11, 2, 15, 0, tzinfo=JST))  # counts: tech
    return accounts


SCORED_EXPECTED = {
    "tomorrow": dt.date(2026, 10, 1),
    "noted": dt.date(2026, 10, 5),
    "last_century": None,
    "tonight": dt.date(2026, 11, 28),
    "webinar": dt.date(2026, 11, 2),
}


def test_every_page_and_the_health_input_agree_on_the_last_touch(
    world: World, scored_book: dict[str, Account]
) -> None:
    # given today's health scores (the nightly run) and the CSM signed in
    today = tenant_today()
    score_models_ensure_defaults()
    health_scores_refresh(day=today)
    client = Client()
    client.force_login(world.csm)
    # when they read the account pages, their worklist, the coverage dashboard and its
    # drill-downs
    pages = {
        name: client.get(reverse("customers:account_detail", args=[a.pk])).context
        for name, a in scored_book.items()
    }
    worklist = client.get(reverse("coverage:worklist")).context["rows"]
    dashboard = client.get(reverse("coverage:dashboard")).context["rows"].segment
    drill = {
        segment: client.get(reverse("coverage:uncovered"), {"segment": segment}).context
        for segment in ("high", "tech")
    }
    # then the header, the health card, the worklist and the drill-down show one last touch:
    # the latest touch of a counted kind dated from 2000-01-01 to today
    assert {name: page["last_touch"] for name, page in pages.items()} == SCORED_EXPECTED
    freshness = {name: dict(page["health"].freshness) for name, page in pages.items()}
    assert {name: f["最終接点"] for name, f in freshness.items()} == SCORED_EXPECTED
    assert {account.name: due.last_touch for due, account in worklist} == SCORED_EXPECTED
    uncovered = {row.account.name: row.last_touch for row in drill["high"]["rows"]}
    assert uncovered == {
        name: SCORED_EXPECTED[name] for name in ("tomorrow", "noted", "last_century")
    }
    assert drill["tech"]["rows"] == []
    # and the dashboard counts what the worklist and the drill-down list
    high = next(row for row in dashboard if row.segment == "high")
    tech = next(row for row in dashboard if row.segment == "tech")
    assert (high.covered, high.total, tech.covered, tech.total) == (1, 4, 1, 1)
    assert high.total - high.covered == drill["high"]["count"]
    assert {a.name for due, a in worklist if not due.covered} == set(uncovered)
    # and the health input "days since the last touch" counts from the same day
    days = {
        score.account.name: score.inputs["days_since_touch"]
        for score in HealthScore.objects.filter(day=today).select_related("account")
    }
    assert days == {
        name: (today - day).days if day else None for name, day in SCORED_EXPECTED.items()
    }


def test_a_past_day_reads_no_touch_dated_after_it(
    world: World, scored_book: dict[str, Account]
) -> None:
    # given the touches as the health backtest reads them for two past days
    frames = input_frames(first=dt.date(2026, 10, 3), last=dt.date(2026, 11, 28))
    inputs = inputs_over([dt.date(2026, 10, 3), dt.date(2026, 11, 28)], **frames)
    # when the inputs of 2026-10-03 are read
    days = {
        (row["account_id"], row["as_of"]): row["days_since_touch"]
        for row in inputs.iter_rows(named=True)
    }
    ids = {name: a.pk for name, a in scored_book.items()}
    # then a touch after that day does not count (the e-mail of 10-05, the webinar of 11-02),
    # and on today every account counts from its last touch
    assert days[(ids["tomorrow"], dt.date(2026, 10, 3))] == 2
    assert days[(ids["noted"], dt.date(2026, 10, 3))] is None
    assert days[(ids["webinar"], dt.date(2026, 10, 3))] is None
    assert days[(ids["webinar"], dt.date(2026, 11, 28))] == 26
    # and the shared rule itself, asked as of that day, returns nothing later
    counted = qualifying_touchpoints(as_of=dt.date(2026, 10, 3)).values_list(
        "account__name", "kind"
    )
    assert sorted(counted) == [("tomorrow", "meeting")]


def test_the_latest_touch_of_each_kind_is_read_per_local_day(world: World) -> None:
    """``latest_touches_between`` keeps, per account and kind, the latest touch of the range
    by its local (Tokyo) day: a call at 23:30 JST on the last day is in, one at 00:10 JST the
    day after is not, and only the later of two meetings is kept."""
    account = AccountFactory(owner=world.csm, team=world.strategic)

    def touch(kind: str, when: dt.datetime) -> None:
        TouchpointFactory(account=account, csm=world.csm, kind=kind, occurred_at=when)

    touch("meeting", dt.datetime(2026, 10, 1, 10, 0, tzinfo=JST))
    touch("meeting", dt.datetime(2026, 10, 20, 10, 0, tzinfo=JST))
    touch("call", dt.datetime(2026, 10, 31, 23, 30, tzinfo=JST))
    touch("call", dt.datetime(2026, 11, 1, 0, 10, tzinfo=JST))
    touch("email", dt.datetime(2026, 9, 30, 23, 59, tzinfo=JST))  # before the range

    found = latest_touches_between(dt.date(2026, 10, 1), dt.date(2026, 10, 31))

    assert sorted((t.account_id, t.kind, t.day) for t in found) == [
        (account.pk, "call", dt.date(2026, 10, 31)),
        (account.pk, "meeting", dt.date(2026, 10, 20)),
    ]
    assert latest_touches_between(dt.date(2026, 12, 1), dt.date(2026, 12, 31)) == []
