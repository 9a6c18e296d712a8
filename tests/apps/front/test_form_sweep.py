"""Hostile values posted to every form of the web UI, as each persona: never a 500, and a
refused submission writes nothing.

The forms are found, not listed: every page of the URL conf (admin and API aside) is read as the
admin with its ids filled from a small world (the CSM's own account and another team's), each
``<form method="post">`` on it is taken with its fields, and each is posted by every persona with
every field set to one hostile value at a time (a formset's first row standing for its other
rows): empty, 10,000 characters, a NUL, emoji, negative and huge numbers, dates in year 1, 9999
and 2026-02-30, a choice that is not offered. An answer
is a redirect (the data was valid), a 4xx, or the form again (200); after a 200 or a 4xx no row
of the application's tables was inserted, updated or deleted (read off the SQL sent).
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from kizuna.apps.feedback.services import feature_request_create
from tests.apps.front.url_conf import SKIPPED_PREFIXES, Ids, page_urls
from tests.factories import ContactFactory, SubscriptionLineFactory, TouchpointFactory

HOSTILE: tuple[str, ...] = (
    "",
    "x" * 10_000,
    "a\x00b",
    "😀👨‍👩‍👧",
    "-1",
    str(10**30),
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "not-a-choice",
)
PERSONAS = ("csm", "manager", "viewer", "admin")
# a valid name answers 200 with the new token shown once: a success that is not a redirect
RENDERS_ITS_SUCCESS = {"/me/tokens/"}


class _FormParser(HTMLParser):
    """The post forms of a page: action and the names of their fields with a default value."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._current: dict[str, str] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._current = {}
            self.forms.append((a.get("action", ""), self._current))
        elif self._current is None or not a.get("name"):
            return
        elif tag == "input" and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                self._current.setdefault(a["name"], "")
            else:
                self._current[a["name"]] = a.get("value", "on")
        elif tag == "textarea":
            self._current[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
            self._current[a["name"]] = ""
        elif (
            tag == "option"
            and self._select
            and (not self._current[self._select] or "selected" in a)
        ):
            self._current[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None
        elif tag == "select":
            self._select = None


# a formset's rows after the first: the same fields and code as its first row, which is swept
_LATER_ROW = re.compile(r"^[\w]+-[1-9][0-9]*-")
_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
# what every request may write: the session, the audit trail, the login-attempt log
_SKIPPED_TABLES = re.compile(r"^(django_session|audit_auditevent|axes_\w+)$")


class _Writes:
    """The application tables a request wrote rows to, read off the SQL it sent: cheaper than
    counting every table before and after each of the thousands of posts."""

    def __init__(self) -> None:
        self.tables: set[str] = set()

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        match = _WRITE.match(sql)
        if match and not _SKIPPED_TABLES.match(match.group(1)):
            self.tables.add(match.group(1))
        return result


@pytest.fixture
def sweep_world(world: Any, settings: Any, tmp_path: Any) -> Any:
    settings.USAGE_DIR = tmp_path / "usage"
    world.contact = ContactFactory(account=world.account)
    world.line = SubscriptionLineFactory(account=world.account, product=world.product)
    world.touchpoint = TouchpointFactory(account=world.account, csm=world.csm, created_by=world.csm)
    world.feature_request = feature_request_create(
        actor=world.csm, product=world.product, title="CSV 出力"
    )
    return world


def _urls(w: Any) -> list[str]:
    from kizuna.apps.health.models import ScoreModelVersion
    from kizuna.apps.segments.models import CoveragePolicy

    ids: Ids = {
        "account_id": lambda: [str(w.account.pk), str(w.other_account.pk)],
        "contact_id": lambda: [str(w.contact.pk)],
        "line_id": lambda: [str(w.line.pk)],
        "touchpoint_id": lambda: [str(w.touchpoint.pk)],
        "pk": lambda: [str(p) for p in ScoreModelVersion.objects.values_list("pk", flat=True)[:1]],
        "code": lambda: [w.product.code],
        "request_id": lambda: [str(w.feature_request.pk)],
        "segment": lambda: list(CoveragePolicy.objects.values_list("segment", flat=True)[:1]),
        "day": lambda: [dt.date(2026, 1, 5).isoformat()],
    }
    return page_urls(ids)


def _forms(client: Client, urls: list[str]) -> list[tuple[str, dict[str, str]]]:
    found: dict[str, dict[str, str]] = {}
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = _FormParser()
        parser.feed(response.content.decode())
        for action, fields in parser.forms:
            target = action or url
            if target.startswith("/") and not target.startswith(SKIPPED_PREFIXES[:2]):
                found.setdefault(target.split("?")[0], {}).update(fields)
    for skipped in ("/logout/", "/language/"):
        found.pop(skipped, None)
    return sorted(found.items())


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_never_answers_500_nor_writes_a_refused_form(sweep_world: Any, persona: str) -> None:
    # given every post form the admin sees, and the four personas logged in
    admin = Client(raise_request_exception=False)
    admin.force_login(sweep_world.admin)
    forms = _forms(admin, _urls(sweep_world))
    assert len(forms) >= 15, [a for a, _ in forms]
    failures: list[str] = []
    client = Client(raise_request_exception=False)
    client.force_login(getattr(sweep_world, persona))
    for action, defaults in forms:
        for field in [
            f for f in defaults if f != "csrfmiddlewaretoken" and not _LATER_ROW.match(f)
        ]:
            for value in HOSTILE:
                # when one field carries a hostile value
                writes = _Writes()
                with connection.execute_wrapper(writes):
                    response = client.post(action, {**defaults, field: value})
                status = response.status_code
                # then no 500, and a refused submission leaves every table as it was
                if status >= 500:
                    failures.append(f"{persona} {action} {field}={value[:20]!r}: {status}")
                elif writes.tables and (
                    (status == 200 and action not in RENDERS_ITS_SUCCESS) or status >= 400
                ):
                    failures.append(f"{persona} {action} {field}: {status} wrote {writes.tables}")
    assert not failures, "\n".join(failures[:60]) + f"\n… {len(failures)} in all"


def test_the_recorder_sees_what_a_post_writes(sweep_world: Any) -> None:
    # given the admin, and the write recorder the sweep uses
    client = Client(raise_request_exception=False)
    client.force_login(sweep_world.admin)
    writes = _Writes()
    # when a touchpoint is deleted through its form
    with connection.execute_wrapper(writes):
        response = client.post(f"/accounts/touchpoints/{sweep_world.touchpoint.pk}/delete/")
    # then the recorder names the table (and not the audit trail every request may write)
    assert response.status_code == 302
    assert "touchpoints_touchpoint" in writes.tables
    assert not {t for t in writes.tables if t.startswith(("audit_", "django_session"))}
