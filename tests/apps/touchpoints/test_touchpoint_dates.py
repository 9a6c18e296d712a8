"""A touchpoint's day must be in [2000-01-01, the company's today]: the form, the API, the
services. Today is pinned to 2026-11-28 in Asia/Tokyo (12:00 there)."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from kizuna.apps.org.models import User
from kizuna.apps.org.services import api_token_create
from kizuna.apps.touchpoints.dates import FUTURE, TOO_EARLY, touch_day_problem
from kizuna.apps.touchpoints.models import Touchpoint
from kizuna.apps.touchpoints.services import touchpoint_create
from tests.factories import TouchpointFactory, World

UTC = dt.UTC
JST = dt.timezone(dt.timedelta(hours=9))
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
TODAY = dt.date(2026, 11, 28)


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    now = dt.datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    monkeypatch.setattr("kizuna.apps.tenant.selectors.timezone.now", lambda: now)


def api(user: User, method: str, path: str, body: dict[str, Any]) -> Any:
    _token, raw = api_token_create(user=user, name="test")
    call = getattr(Client(), method)
    return call(
        "/api/v1" + path,
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )


@pytest.mark.parametrize(
    ("occurred_at", "problem"),
    [
        (dt.datetime(2026, 11, 28, 23, 59, tzinfo=JST), None),  # later today is today
        (dt.datetime(2026, 11, 28, 14, 59, tzinfo=UTC), None),  # 23:59 JST
        (dt.datetime(2026, 11, 28, 15, 0, tzinfo=UTC), FUTURE),  # 00:00 JST tomorrow
        (dt.datetime(2027, 1, 5, 10, 0, tzinfo=JST), FUTURE),
        (dt.datetime(9999, 12, 31, 23, 59, tzinfo=UTC), FUTURE),  # overflows in JST
        (dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))), FUTURE),
        (dt.datetime(2000, 1, 1, 0, 0, tzinfo=JST), None),  # the first allowed minute
        (dt.datetime(1999, 12, 31, 15, 0, tzinfo=UTC), None),  # = 2000-01-01 00:00 JST
        (dt.datetime(1999, 12, 31, 23, 59, tzinfo=JST), TOO_EARLY),
        (dt.datetime(1, 1, 1, 0, 0, tzinfo=UTC), TOO_EARLY),
        (dt.datetime(1, 1, 1, 0, 0, tzinfo=JST), TOO_EARLY),  # overflows in UTC
        (dt.datetime(2026, 11, 28, 20, 0), None),  # naive: read in the company's zone
        (dt.datetime(2026, 11, 29, 0, 0), FUTURE),
    ],
)
def test_the_rule_bounds_the_day_in_the_company_time_zone(
    occurred_at: dt.datetime, problem: str | None
) -> None:
    assert touch_day_problem(occurred_at, zone=TOKYO, today=TODAY) == problem


@pytest.mark.parametrize(
    "occurred_at",
    [dt.datetime(2027, 3, 1, 10, 0, tzinfo=JST), dt.datetime(1999, 6, 1, 10, 0, tzinfo=JST)],
)
def test_the_service_refuses_a_date_out_of_bounds(world: World, occurred_at: dt.datetime) -> None:
    with pytest.raises(ValidationError) as error:
        touchpoint_create(
            actor=world.csm,
            account=world.account,
            data={"kind": "call", "occurred_at": occurred_at, "summary": "x"},
        )
    assert list(error.value.message_dict) == ["occurred_at"]
    assert not Touchpoint.objects.exists()


@pytest.mark.parametrize(
    ("language", "when", "message"),
    [
        ("ja", "2027-01-05T10:00", "今日（2026/11/28）より後の日付です"),
        ("en", "2027-01-05T10:00", "The date is after today (11/28/2026)"),
        ("ja", "1999-12-31T10:00", "2000/01/01 より前の日付です。年をご確認ください。"),
        ("en", "1999-12-31T10:00", "The date is before 01/01/2000: check the year."),
    ],
)
def test_the_form_refuses_a_future_or_implausible_date_in_the_users_language(
    world: World, language: str, when: str, message: str
) -> None:
    # given the CSM (in Japanese or English) on the "log a touchpoint" form
    world.csm.language = language
    world.csm.save()
    client = Client()
    client.force_login(world.csm)
    url = reverse("touchpoints:touchpoint_create", args=[world.account.pk])
    # when they log a call dated next year or last century
    response = client.post(
        url, {"kind": "call", "occurred_at": when, "csm": world.csm.pk, "summary": "電話"}
    )
    # then the form is shown again with the reason on the date, and nothing is saved
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Touchpoint.objects.exists()


def test_the_form_accepts_today_and_offers_only_allowed_days(world: World) -> None:
    client = Client()
    client.force_login(world.csm)
    url = reverse("touchpoints:touchpoint_create", args=[world.account.pk])
    page = client.get(url).content.decode()
    assert 'min="2000-01-01T00:00"' in page
    assert 'max="2026-11-28T23:59"' in page
    response = client.post(
        url, {"kind": "call", "occurred_at": "2026-11-28T23:30", "csm": world.csm.pk}
    )
    assert response.status_code == 302
    assert Touchpoint.objects.get().occurred_at == dt.datetime(2026, 11, 28, 23, 30, tzinfo=JST)


@pytest.mark.parametrize(
    "occurred_at",
    [
        "2027-01-05T10:00:00+09:00",
        "2026-11-29T00:00:00+09:00",
        "9999-12-31T23:59:59+00:00",
        "1999-12-31T23:59:59+09:00",
        "0001-01-01T00:00:00+00:00",
    ],
)
def test_the_api_answers_400_on_occurred_at_for_a_date_out_of_bounds(
    world: World, occurred_at: str
) -> None:
    # when a client logs a touchpoint dated after today or before 2000
    response = api(
        world.csm,
        "post",
        f"/accounts/{world.account.pk}/touchpoints",
        {"kind": "call", "occurred_at": occurred_at},
    )
    # then it is a 4xx JSON error on the field, and nothing is saved
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == ["occurred_at"]
    assert not Touchpoint.objects.exists()


def test_the_api_refuses_to_move_a_touchpoint_into_the_future(world: World) -> None:
    touchpoint = TouchpointFactory(account=world.account, csm=world.csm, created_by=world.csm)
    response = api(
        world.csm,
        "patch",
        f"/touchpoints/{touchpoint.pk}",
        {"occurred_at": "2027-01-05T10:00:00+09:00"},
    )
    assert response.status_code == 400
    assert "occurred_at" in response.json()["error"]["fields"]
    touchpoint.refresh_from_db()
    assert touchpoint.occurred_at == dt.datetime(2026, 11, 1, 1, 0, tzinfo=UTC)
