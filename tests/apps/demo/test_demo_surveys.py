"""The demo's survey answers: two years of them, scores that follow health and churn,
comments that name the topics, and the health backtest's verdict on NPS."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from kizuna.apps.customers.models import SubscriptionLine
from kizuna.apps.demo.services import demo_load_if_empty
from kizuna.apps.health.models import HealthScore, ScoreModelVersion
from kizuna.apps.health.services import health_backtest_store
from kizuna.apps.org.models import User
from kizuna.apps.surveys.models import (
    InvitationStatus,
    SurveyAnswer,
    SurveyInvitation,
    SurveyKind,
    SurveyProgram,
)
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.voc.topics import DEFAULT_TOPICS, TopicTagger


def test_the_demo_has_two_years_of_answers_that_follow_churn(db: object) -> None:
    # given the demo company
    demo_load_if_empty(accounts=80, seed=7, password="kizuna-demo")
    today = tenant_today()
    # then the default NPS program is on, and invitations reach back two years
    assert SurveyProgram.objects.get(code="nps-30-90").active
    invitations = SurveyInvitation.objects.exclude(status=InvitationStatus.SKIPPED)
    answered = invitations.filter(status=InvitationStatus.ANSWERED).count()
    assert 0.35 <= answered / invitations.count() <= 0.65
    answers = list(SurveyAnswer.objects.select_related("invitation"))
    assert len(answers) == answered
    assert min(a.answered_at for a in answers).date() < today - dt.timedelta(days=600)
    assert {a.kind for a in answers} == {SurveyKind.NPS, SurveyKind.CSAT}
    assert all(
        a.invitation is not None and a.invitation.account_id == a.account_id for a in answers
    )
    # and an account that churned within a year after answering was more often a detractor
    churn = _churn_days()
    nps = [a for a in answers if a.kind == SurveyKind.NPS]
    churned = [a for a in nps if _churns_within_a_year(churn, a)]
    stayed = [a for a in nps if not _churns_within_a_year(churn, a)]
    assert churned and stayed
    assert _detractor_share(churned) > _detractor_share(stayed) + 0.15
    # and the comments name the topics, mostly in Japanese
    tagger = TopicTagger(DEFAULT_TOPICS)
    commented = [a.comment for a in answers if a.comment]
    topics = {m.topic for c in commented for m in tagger.tag(c)}
    assert {"price", "support", "usability", "missing_feature", "performance"} <= topics
    assert sum(c.isascii() for c in commented) < len(commented) / 4


def _churn_days() -> dict[int, dt.date]:
    running, last = set(), {}
    for account_id, end in SubscriptionLine.objects.values_list("account_id", "end_date"):
        if end is None:
            running.add(account_id)
        else:
            last[account_id] = max(end, last.get(account_id, end))
    return {pk: day for pk, day in last.items() if pk not in running}


def _churns_within_a_year(churn: dict[int, dt.date], answer: SurveyAnswer) -> bool:
    day = churn.get(answer.account_id)
    return day is not None and 0 < (day - answer.answered_at.date()).days <= 365


def _detractor_share(answers: list[SurveyAnswer]) -> float:
    return sum(a.score <= 6 for a in answers) / len(answers)


def test_the_demo_scores_read_the_answers_and_the_backtest_judges_nps(db: object) -> None:
    demo_load_if_empty(accounts=80, seed=7, password="kizuna-demo")
    today = tenant_today()
    # the recent scores of accounts with an answer in the year carry it
    inputs = HealthScore.objects.filter(day=today).values_list("inputs", flat=True)
    with_nps = [row["nps_last"] for row in inputs if row.get("nps_last") is not None]
    assert with_nps and all(0 <= value <= 10 for value in with_nps)
    # the model page's backtest says whether NPS improves the AUC
    version = ScoreModelVersion.objects.get(name="adoption", version=1)
    stored = health_backtest_store(version=version, today=today)
    assert stored.result["voc"]["accounts_answered"] > 0
    client = Client()
    client.force_login(User.objects.get(username="csm"))
    page = client.get(f"/health/models/{version.pk}/").content.decode()
    assert 'id="voc-effect"' in page
    assert "NPS" in page.split('id="voc-effect"')[1].split("</p>")[0]
