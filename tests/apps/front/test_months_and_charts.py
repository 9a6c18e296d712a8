"""Months read as the reader's language writes them (2026年10月, Oct 2026), through one filter
and one helper, on every page (chart axes: tests/apps/front/test_charts.py and each app's
test_charts.py)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kizuna.apps.front.formats import day_in_month_label, month_label
from tests.factories import World

MONTH = Template("{% load kizuna %}{{ day|month }}")


@pytest.mark.parametrize(
    ("language", "day", "shown"),
    [
        ("ja", dt.date(2026, 10, 1), "2026年10月"),
        ("en", dt.date(2026, 10, 31), "Oct 2026"),
        ("ja", dt.date(1, 1, 1), "0001年1月"),
        ("en", dt.date(9999, 12, 31), "Dec 9999"),
        ("ja", None, ""),
        ("en", "", ""),
    ],
)
def test_the_month_filter_speaks_the_readers_language(
    language: str, day: dt.date | str | None, shown: str
) -> None:
    with translation.override(language):
        assert MONTH.render(Context({"day": day})) == shown
        assert month_label(day or None) == shown  # type: ignore[arg-type]


def test_a_day_on_an_axis_is_written_without_its_year() -> None:
    with translation.override("ja"):
        assert day_in_month_label(dt.date(2026, 10, 5)) == "10月5日"
    with translation.override("en"):
        assert day_in_month_label(dt.date(2026, 10, 5)) == "Oct 5"


def test_no_page_writes_a_month_as_an_iso_code(client: Client, world: World) -> None:
    # given a member reading Japanese, on the pages that list months
    client.force_login(world.admin)
    for name in ("onboarding:dashboard", "assignments:capacity"):
        # when the page is opened, then no "2026-10" style month is left
        body = client.get(reverse(name)).content.decode()
        assert "年" in body
        assert not re.search(r">\s*20\d\d-\d\d\s*<", body), name
