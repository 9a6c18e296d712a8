"""In a real browser: pages with scripts (htmx, charts, filter bars, the health editor, the API
docs) load under the Content-Security-Policy without a single violation, and the filter bars
still submit on change now that their handler lives in a static file."""

from __future__ import annotations

from typing import Any

from kizuna.apps.health.models import ScoreModelVersion
from tests.browser.test_health import _scored

# Chromium reports a refused script, style or handler as a securitypolicyviolation event (and
# a console error); the listener is installed through the DevTools protocol, not the page.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def _watch(page: Any) -> list[str]:
    errors: list[str] = []
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" else None,
    )
    return errors


def _visit(page: Any, path: str, console: list[str]) -> None:
    response = page.goto(path)
    page.wait_for_load_state("networkidle")
    assert response.status == 200, path
    assert "default-src 'self'" in response.headers["content-security-policy"], path
    assert page.evaluate("window.__violations") == [], path
    assert [m for m in console if "Content Security Policy" in m] == [], path


def test_pages_with_scripts_load_without_a_policy_violation(
    transactional_db: Any, page: Any, shot: Any, log_in: Any
) -> None:
    # given scored accounts, the default onboarding policy and an admin
    world = _scored()
    model = ScoreModelVersion.objects.get(name="adoption")
    console = _watch(page)
    # when the admin opens the login page, then the pages that run scripts
    _visit(page, "/login/", console)
    log_in("admin")
    page.wait_for_url("**/kpis/")  # CS ops land on the KPI home
    for path in (
        "/accounts/",
        f"/accounts/{world.account.pk}/",
        "/today/",
        "/onboarding/",
        "/onboarding/dashboard/",
        "/health/",
        f"/health/models/{model.pk}/",
        f"/health/models/{model.pk}/edit/",
        "/revenue/",
        "/coverage/",
        "/load/",
        "/api/v1/docs",
    ):
        _visit(page, path, console)
    # then (asserted on each page) no violation; and a filter bar submits on change
    page.goto("/health/")
    page.select_option("select[name=by]", "team")
    page.wait_for_url("**/health/?by=team")
    shot("90-health-by-team-under-csp")
    assert [m for m in console if "Content Security Policy" in m] == []
