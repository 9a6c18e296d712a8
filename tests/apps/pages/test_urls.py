"""The composed pages and the token page moved between apps and kept their addresses and
route names: each name reverses to the same path as before and the path reaches the view in
its new home; the lower apps' own routes in the same namespace still resolve."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.checks import run_checks
from django.urls import resolve, reverse

from kizuna.apps.coverage import views as coverage_views
from kizuna.apps.customers import views as customers_views
from kizuna.apps.front import tokens
from kizuna.apps.pages import views


@pytest.mark.parametrize(
    ("name", "args", "path", "view"),
    [
        ("customers:account_list", [], "/accounts/", views.account_list),
        ("customers:account_detail", [7], "/accounts/7/", views.account_detail),
        ("coverage:worklist", [], "/today/", views.worklist),
        ("customers:account_create", [], "/accounts/new/", customers_views.account_create),
        ("customers:account_edit", [7], "/accounts/7/edit/", customers_views.account_edit),
        ("customers:line_edit", [7, 3], "/accounts/7/lines/3/edit/", customers_views.line_edit),
        ("coverage:dashboard", [], "/coverage/", coverage_views.dashboard),
        ("coverage:uncovered", [], "/coverage/uncovered/", coverage_views.uncovered),
        ("org:tokens", [], "/me/tokens/", tokens.tokens),
        ("org:token_revoke", [5], "/me/tokens/5/revoke/", tokens.token_revoke),
    ],
)
def test_a_route_keeps_its_name_and_address(
    name: str, args: list[Any], path: str, view: Callable[..., Any]
) -> None:
    assert reverse(name, args=args) == path
    assert resolve(path).func is view
    assert resolve(path).view_name == name


def test_no_namespace_is_mounted_twice() -> None:
    # a namespace mounted twice would reverse in one of its mounts only (Django's urls.W005)
    assert [m for m in run_checks(tags=["urls"]) if m.id == "urls.W005"] == []


@pytest.mark.parametrize("path", ["/accounts/new/", "/accounts/0/", "/today/"])
@pytest.mark.django_db
def test_a_signed_out_visitor_is_sent_to_sign_in(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("front:login"))
