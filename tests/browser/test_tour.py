"""A screenshot tour of every page in Japanese, on the demo company: every link of the
navigation and the pages behind them (an account, an onboarding, a health explanation, the
administration and one of its change forms). Each page is saved in artifacts/screenshots/
and the tour fails when visible English is left on a page."""

from __future__ import annotations

import re
from typing import Any

from kizuna.apps.customers.models import Account
from kizuna.apps.demo.services import demo_load_if_empty
from kizuna.apps.health.models import ScoreModelVersion
from kizuna.apps.jobs.services import jobs_run_due
from kizuna.apps.onboarding.models import Onboarding
from kizuna.apps.org.models import User
from kizuna.apps.tenant.selectors import tenant_today
from tests.browser.conftest import ARTIFACTS

PASSWORD = "kizuna-demo"

#: Words allowed in a Japanese page: product names, units and abbreviations a Japanese CS
#: team writes in Latin letters, and the language switch.
ALLOWED = {
    "Kizuna", "English", "CSM", "CSV", "MRR", "NRR", "GRR", "ARR", "ACV", "API", "NPS", "KPI",
    "URL", "AUC", "JSON", "Parquet", "NDJSON", "jsonl", "csv", "parquet", "Salesforce",
    "HubSpot", "Slack", "Bearer", "Authorization", "SaaS", "ops", "CS", "LTV", "ROC", "JST",
    "UTC", "Asia", "Tokyo", "Cookie", "OpenAPI", "XLSX", "CRM", "QBR", "Excel", "Google",
    "Outlook", "REST", "ARPA", "OCR", "Lines",
    "date",  # a column name to type in a backtest table ("account_id, date, …")
}  # fmt: skip
WORD = re.compile(r"(?<![A-Za-z0-9_@./:-])[A-Za-z]{3,}(?![A-Za-z0-9_@/-])")
#: Data, not interface text: e-mail addresses, web addresses, token prefixes, codes.
DATA = re.compile(r"\S+@\S+|https?://\S+|kz_\S*|\b[a-z]+(?:[_-][a-z0-9]+)+\b")


#: Visible text minus code samples (commands, headers), which stay as typed.
VISIBLE_TEXT = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll("code, pre, kbd").forEach(el => el.remove());
  document.documentElement.appendChild(body);
  const text = body.innerText;
  body.remove();
  return text;
}"""


def english_words(text: str, data: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    text = DATA.sub(" ", text)
    return sorted({w for w in WORD.findall(text) if w not in ALLOWED and w.lower() not in data})


def _demo() -> None:
    demo_load_if_empty(accounts=80, seed=7, password=PASSWORD)
    jobs_run_due(day=tenant_today())


def _log_in(page: Any, username: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()


def _pages() -> list[tuple[str, str]]:
    account = Account.objects.filter(touchpoints__isnull=False, health_scores__isnull=False)
    account_id = account.order_by("-mrr").values_list("pk", flat=True).first()
    onboarding = Onboarding.objects.order_by("state", "pk").first()
    model = ScoreModelVersion.objects.order_by("pk").first()
    assert account_id and onboarding and model
    return [
        ("today", "/today/"),
        ("today-of-a-csm", "/today/?csm=csm"),
        ("accounts", "/accounts/"),
        ("account", f"/accounts/{account_id}/"),
        ("account-edit", f"/accounts/{account_id}/edit/"),
        ("touchpoint-new", f"/accounts/{account_id}/touchpoints/new/"),
        ("touchpoint-import", "/accounts/touchpoints/import/"),
        ("onboarding-board", "/onboarding/"),
        ("onboarding-dashboard", "/onboarding/dashboard/"),
        ("onboarding-templates", "/onboarding/templates/"),
        ("onboarding", f"/onboarding/{onboarding.pk}/"),
        ("health", "/health/"),
        ("health-approach", "/health/approach/"),
        ("health-models", "/health/models/"),
        ("health-model", f"/health/models/{model.pk}/"),
        ("health-explanation", f"/accounts/{account_id}/#health"),
        ("revenue", "/revenue/"),
        ("coverage", "/coverage/"),
        ("coverage-uncovered", "/coverage/uncovered/?segment=high"),
        ("load", "/load/"),
        ("load-preview", "/load/?preview=1"),
        ("capacity", "/capacity/"),
        ("segments", "/segments/"),
        ("segments-exceptions", "/segments/exceptions/"),
        ("tokens", "/me/tokens/"),
        ("usage", "/usage/"),
        ("admin", "/admin/"),
        ("admin-accounts", "/admin/customers/account/"),
        ("admin-account", f"/admin/customers/account/{account_id}/change/"),
        ("admin-users", "/admin/org/user/"),
        ("not-found", "/no-such-page/"),
    ]


def test_every_page_in_japanese_has_no_english_left(
    transactional_db: Any, page: Any, shot: Any
) -> None:
    # given the demo company, as a CS ops admin (who sees every link of the navigation)
    _demo()
    _log_in(page, "admin")
    pages = _pages()
    # member names as typed are data: usernames in the administration
    usernames = {
        part.lower()
        for username in User.objects.values_list("username", flat=True)
        for part in re.split(r"[^A-Za-z]+", username)
    }
    nav = page.eval_on_selector_all("nav.mainnav a", "links => links.map(a => a.pathname)")
    missing = [href for href in nav if href not in {url.split("?")[0] for _n, url in pages}]
    assert missing == [], f"nav links not in the tour: {missing}"
    # when every page is opened, then none shows English words
    found = {}
    for n, (name, url) in enumerate(pages):
        page.goto(url)
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "ja", url
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"tour-{n:02d}-{name}.png"), full_page=True)
        words = english_words(page.evaluate(VISIBLE_TEXT), usernames)
        if words:
            found[url] = words
    assert found == {}, "\n".join(f"{url}: {words}" for url, words in found.items())
