"""A screenshot tour of every page in Japanese and in English, on the demo company: every link
of the navigation and the pages behind them (an account, an onboarding, a health explanation,
the administration and one of its change forms). Each page is saved in artifacts/screenshots/
(``tour-NN-page.png`` in Japanese, ``tour-en-NN-page.png`` in English) and the tour fails when
visible English is left on a Japanese page, or Japanese on an English page beyond the company's
own data (names of accounts, people, products' phases and criteria, logged texts)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kizuna.apps.churnreasons.models import ChurnReason, ChurnReasonCategory
from kizuna.apps.customers.models import Account, Contact
from kizuna.apps.demo.services import demo_load_if_empty
from kizuna.apps.expansion.models import Csql
from kizuna.apps.feedback.models import FeatureRequest, Feedback
from kizuna.apps.health.models import ScoreModelVersion
from kizuna.apps.jobs.services import jobs_run_due
from kizuna.apps.onboarding.models import Onboarding, OnboardingCriterion, OnboardingPhase
from kizuna.apps.org.models import User
from kizuna.apps.playbooks.models import PlaybookRun
from kizuna.apps.renewals.models import Renewal
from kizuna.apps.rules.models import Rule
from kizuna.apps.surveys.followup_models import DetractorFollowUp
from kizuna.apps.surveys.models import SurveyAnswer, SurveyTopic
from kizuna.apps.surveys.services import program_defaults_ensure
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
    "Outlook", "REST", "ARPA", "OCR", "Lines", "ZIP", "Teams", "Webhook",
    "CSAT",  # customer satisfaction (1-5), written so in Japanese too, as NPS
    "CSQL",  # LayerX's word for an expansion lead from CS, written so in Japanese too
    "PDF",  # the monthly report's download, written so in Japanese too
    "date",  # a column name to type in a backtest table ("account_id, date, …")
    "PMF",  # product-market fit, written so in Japanese too (PMFの達成: the seed's phases)
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


#: Written as themselves in every language: the language switch names Japanese in Japanese,
#: and the logo is 絆 Kizuna.
NAMES_AS_WRITTEN = {"日本語", "絆"}
#: Japanese script: kana, kanji, full-width forms
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff60]+")


def japanese_left(text: str, data: list[str]) -> list[str]:
    """Runs of Japanese in ``text`` once the company's data (longest first) is taken out."""
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    return sorted(set(JAPANESE.findall(text)))


def _data_strings() -> list[str]:
    """What the demo company typed or was given, in Japanese: not interface text."""
    from kizuna.apps.org.models import Team
    from kizuna.apps.playbooks.models import Playbook
    from kizuna.apps.surveys.models import SurveyProgram
    from kizuna.apps.tasks.models import Task, TaskComment
    from kizuna.apps.touchpoints.models import Touchpoint
    from kizuna.apps.usage.models import IngestionRun, UsageSource

    values: set[str] = set()
    for model, fields in (
        (Account, ("name", "kana", "partner_name")),
        (User, ("display_name", "first_name", "last_name")),
        (Contact, ("name", "title")),
        (Team, ("name",)),
        (Touchpoint, ("summary",)),
        (OnboardingPhase, ("name",)),
        (OnboardingCriterion, ("name",)),
        (UsageSource, ("name",)),
        (IngestionRun, ("name",)),  # files and batches as they were named
        (Rule, ("name",)),  # named by the company's admin
        (Playbook, ("name", "description")),  # named and described by the company's admin
        (Task, ("title", "reason")),  # a rule's task: its name, its reason in the owner's language
        (TaskComment, ("body",)),
        (Csql, ("note", "sales_owner_name", "lost_note")),  # typed by the CSM and sales
        (FeatureRequest, ("title", "description")),  # typed by the CSMs and product owners
        (Feedback, ("text",)),  # what the customers said, as logged
        # a survey's name and texts, as CS ops wrote them
        (SurveyProgram, ("name_ja", "question_ja", "comment_prompt_ja")),
        (ChurnReason, ("note",)),  # typed by the CSM
        (SurveyAnswer, ("comment",)),  # what the customers wrote
        (DetractorFollowUp, ("resolution_note",)),  # typed by the CSM
        (SurveyTopic, ("name_ja",)),  # CS ops' topics (their keywords below)
    ):
        present = [f for f in fields if f in {x.name for x in model._meta.get_fields()}]
        for row in model.objects.values_list(*present):
            values.update(str(v) for v in row if v)
    for keywords in SurveyTopic.objects.values_list("keywords", flat=True):
        values.update(str(keyword) for keyword in keywords or ())
    # people's names also appear with their two parts apart or run together
    values.update(part for v in list(values) for part in v.split(" ") if len(part) > 1)
    return [v for v in values | NAMES_AS_WRITTEN if JAPANESE.search(v)]


def _english_data() -> list[str]:
    """What customers wrote (survey comments, some in English) and CS ops typed in English
    (the topics' keys, names and keywords): data, not interface text, on a Japanese page."""
    texts = [c for c in SurveyAnswer.objects.values_list("comment", flat=True) if c]
    for key, name_en, keywords in SurveyTopic.objects.values_list("key", "name_en", "keywords"):
        texts += [key, name_en, *(str(k) for k in keywords or ())]
    return texts


def english_words(text: str, data: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    text = DATA.sub(" ", text)
    return sorted({w for w in WORD.findall(text) if w not in ALLOWED and w.lower() not in data})


def _demo() -> None:
    demo_load_if_empty(accounts=80, seed=7, password=PASSWORD)
    jobs_run_due(day=tenant_today())


def _pages() -> list[tuple[str, str]]:
    account = Account.objects.filter(touchpoints__isnull=False, health_scores__isnull=False)
    account_id = account.order_by("-mrr").values_list("pk", flat=True).first()
    onboarding = Onboarding.objects.order_by("state", "pk").first()
    model = ScoreModelVersion.objects.order_by("pk").first()
    # a renewal with a closing plan when the small demo has one, else the next one
    renewals = Renewal.objects.order_by("date", "pk")
    renewal = (
        renewals.filter(plan__isnull=False).first()
        or renewals.filter(date__gte=tenant_today()).first()
    )
    playbook_id = PlaybookRun.objects.order_by("pk").values_list("playbook_id", flat=True).first()
    rule_id = Rule.objects.order_by("pk").values_list("pk", flat=True).first()
    csql = Csql.objects.filter(months__isnull=False).order_by("pk").first()
    churn = ChurnReason.objects.order_by("category", "-churned_on", "pk").first()
    category_id = ChurnReasonCategory.objects.order_by("order").values_list("pk", flat=True)[0]
    feature_request = FeatureRequest.objects.filter(feedback__isnull=False).order_by("pk").first()
    survey_program_id = program_defaults_ensure().pk
    followup = DetractorFollowUp.objects.filter(status="resolved").order_by("pk").first()
    promoter = SurveyAnswer.objects.filter(kind="nps", score__gte=9).order_by("pk").first()
    topic_id = SurveyTopic.objects.order_by("pk").values_list("pk", flat=True).first()
    assert followup and promoter and topic_id
    assert account_id and onboarding and model and playbook_id and rule_id and csql and renewal
    assert feature_request and churn
    return [
        ("today", "/today/"),
        ("today-of-a-csm", "/today/?csm=csm"),
        ("tasks", "/tasks/"),
        ("tasks-team", "/tasks/team/"),
        ("task-new", f"/tasks/accounts/{account_id}/new/"),
        ("rules", "/rules/"),
        ("rule", f"/rules/{rule_id}/"),
        ("notifications", "/notifications/"),
        ("playbooks", "/playbooks/"),
        ("renewals", "/renewals/"),
        ("renewal", f"/renewals/{renewal.pk}/"),
        ("renewals-cadence", "/renewals/cadence/"),
        ("renewals-forecast", "/renewals/forecast/"),
        ("playbook", f"/playbooks/{playbook_id}/"),
        ("playbook-edit", f"/playbooks/{playbook_id}/edit/"),
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
        ("csqls", "/csqls/"),
        ("csql-conversion", "/csqls/conversion/"),
        ("csql", f"/csqls/{csql.pk}/"),
        ("csql-new", f"/csqls/new/?account={account_id}"),
        ("csql-settings", "/csqls/settings/"),
        ("feedback", "/feedback/"),
        ("feedback-list", "/feedback/log/"),
        ("feedback-new", f"/feedback/new/?account={account_id}"),
        ("feature-request", f"/feedback/requests/{feature_request.pk}/"),
        ("feature-request-new", "/feedback/requests/new/"),
        ("survey-nps", "/surveys/nps/"),
        ("survey-nps-product", "/surveys/nps/?cut=product&period=quarter"),
        ("survey-nps-answers", "/surveys/nps/answers/?cut=all&period=year"),
        ("survey-comments", "/surveys/comments/"),
        ("survey-comments-search", "/surveys/comments/?q=さぽーと"),
        ("survey-topics", "/surveys/topics/"),
        ("survey-topic", f"/surveys/topics/{topic_id}/"),
        ("survey-detractors", "/surveys/detractors/"),
        ("survey-detractor", f"/surveys/answers/{followup.answer_id}/"),
        ("survey-promoter", f"/surveys/answers/{promoter.pk}/"),
        ("survey-programs", "/surveys/programs/"),
        ("survey-program-new", "/surveys/programs/new/"),
        ("survey-program", f"/surveys/programs/{survey_program_id}/"),
        ("churn-reasons", "/churn-reasons/?scope=all"),
        ("churn-reasons-recorded", "/churn-reasons/?status=recorded&scope=all"),
        ("churn-reason", f"/churn-reasons/{churn.pk}/"),
        ("churn-report", "/churn-reasons/report/"),
        ("churn-report-product", "/churn-reasons/report/?period=quarter&cut=product"),
        ("churn-categories", "/churn-reasons/categories/"),
        ("churn-category", f"/churn-reasons/categories/{category_id}/"),
        ("kpi-home", "/kpis/"),
        ("kpi-targets", "/kpis/targets/"),
        ("revenue", "/revenue/"),
        ("monthly-report", "/kpis/report/"),
        ("monthly-report-recipients", "/kpis/report/recipients/"),
        ("funnels", "/funnels/"),
        ("coverage", "/coverage/"),
        ("coverage-uncovered", "/coverage/uncovered/?segment=high"),
        ("load", "/load/"),
        ("load-preview", "/load/?preview=1"),
        ("capacity", "/capacity/"),
        ("diagnosis", "/kpis/diagnosis/"),
        ("diagnosis-settings", "/kpis/diagnosis/settings/"),
        ("diagnosis-setting", "/kpis/diagnosis/settings/leaders_span/"),
        ("segments", "/segments/"),
        ("segments-exceptions", "/segments/exceptions/"),
        ("tokens", "/me/tokens/"),
        ("usage", "/usage/"),
        ("export", "/export/"),
        ("admin", "/admin/"),
        ("admin-accounts", "/admin/customers/account/"),
        ("admin-account", f"/admin/customers/account/{account_id}/change/"),
        ("admin-users", "/admin/org/user/"),
        ("not-found", "/no-such-page/"),
    ]


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_page_speaks_the_members_language_only(
    transactional_db: Any, page: Any, shot: Any, log_in: Any, language: str
) -> None:
    # given the demo company, as a CS ops admin (who sees every link of the navigation) who
    # reads Kizuna in Japanese, or in English
    _demo()
    User.objects.filter(username="admin").update(language=language)
    log_in("admin", password=PASSWORD)
    pages = _pages()
    # member names as typed are data: usernames in the administration
    usernames = {
        part.lower()
        for username in User.objects.values_list("username", flat=True)
        for part in re.split(r"[^A-Za-z]+", username)
    }
    data = _data_strings()
    # what customers wrote in English, and the English keywords of CS ops' topics, are data
    usernames |= {w.lower() for text in _english_data() for w in WORD.findall(text)}
    nav = page.eval_on_selector_all("nav.mainnav a", "links => links.map(a => a.pathname)")
    missing = [href for href in nav if href not in {url.split("?")[0] for _n, url in pages}]
    assert missing == [], f"nav links not in the tour: {missing}"
    # when every page is opened, then none shows words of the other language
    prefix = "tour" if language == "ja" else "tour-en"
    found = {}
    for n, (name, url) in enumerate(pages):
        page.goto(url)
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == language, url
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{prefix}-{n:02d}-{name}.png"), full_page=True)
        text = page.evaluate(VISIBLE_TEXT)
        words = english_words(text, usernames) if language == "ja" else japanese_left(text, data)
        if words:
            found[url] = words
    assert found == {}, "\n".join(f"{url}: {words}" for url, words in found.items())
