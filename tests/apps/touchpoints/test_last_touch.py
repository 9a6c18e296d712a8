"""One last touch: the account header, the account list and the coverage worklist read the
same selector, so they agree whatever was stored (a legacy date after today or before 2000, an
internal note, a touch older than the coverage window)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from kizuna.apps.customers.models import Account
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.apps.touchpoints.selectors import last_touches
from tests.factories import AccountFactory, TouchpointFactory, World

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
    assert {account.name: day for account, day in listed if account.name in book} == EXPECTED
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
