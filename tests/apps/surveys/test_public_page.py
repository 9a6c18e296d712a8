"""The public answer page: the signed link (signature, expiry, replay, tampering), the answer
and its replacement, hostile posts, the rate limit, CSRF and the contact's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from kizuna.apps.surveys import ratelimit
from kizuna.apps.surveys.models import (
    SurveyAnswer,
    SurveyAnswerRevision,
    SurveyContactSetting,
    SurveyInvitation,
)
from kizuna.apps.surveys.services import invitations_create
from kizuna.apps.surveys.tokens import SALT, invitation_from_token, invitation_token
from tests.apps.surveys.helpers import DUE, Survey, survey_world
from tests.factories import World

pytestmark = pytest.mark.django_db


def sent(survey: Survey, *, language: str = "ja", days_left: int = 14) -> SurveyInvitation:
    """The decision maker's invitation, sent now and valid for ``days_left`` more days."""
    if language != "ja":
        SurveyContactSetting.objects.create(contact=survey.decision_maker, language=language)
    invitations_create(today=DUE, now=dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC))
    invitation = SurveyInvitation.objects.get(contact=survey.decision_maker)
    now = timezone.now()
    SurveyInvitation.objects.filter(pk=invitation.pk).update(
        status="sent", sent_at=now, expires_at=now + dt.timedelta(days=days_left)
    )
    invitation.refresh_from_db()
    return invitation


def url(invitation: SurveyInvitation) -> str:
    return f"/s/{invitation_token(invitation)}/"


def test_it_shows_the_question_and_the_company_only(world: World) -> None:
    survey = survey_world(world)
    invitation = sent(survey)
    response = Client().get(url(invitation))
    body = response.content.decode()
    assert response.status_code == 200
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in body
    assert '<html lang="ja">' in body
    assert "当社のサービスを友人や同僚にすすめる可能性はどのくらいありますか？" in body
    assert "Kizuna" in body  # the company (the tenant's name)
    assert body.count('type="radio" name="score"') == 11
    for secret in ("山田製作所", "佐藤", "sato@example.jp", "経費精算", "鈴木"):
        assert secret not in body
    assert "csrfmiddlewaretoken" in body


def test_it_speaks_english_to_an_english_contact_with_csat_buttons(world: World) -> None:
    survey = survey_world(world)
    survey.program.kind = "csat"
    survey.program.save()
    invitation = sent(survey, language="en")
    body = Client().get(url(invitation)).content.decode()
    assert '<html lang="en">' in body
    assert "How likely are you to recommend us" in body
    assert body.count('type="radio" name="score"') == 5
    assert 'value="0"' not in body and 'value="5"' in body


def test_an_answer_is_recorded_and_a_second_one_replaces_it(world: World) -> None:
    survey = survey_world(world)
    invitation = sent(survey)
    client = Client()
    link = url(invitation)  # one link (a token made a second later differs in its stamp)
    # when the contact answers 3 with a comment
    response = client.post(link, {"score": "3", "comment": " 導入が大変でした "})
    # then the thank-you page follows and the answer is stored
    assert response.status_code == 302
    assert response["Location"] == f"{link}thanks/"
    thanks = client.get(response["Location"]).content.decode()
    assert "ご回答ありがとうございました。" in thanks
    answer = SurveyAnswer.objects.get()
    assert (answer.score, answer.comment, answer.kind, answer.source) == (
        3, "導入が大変でした", "nps", "link"
    )  # fmt: skip
    assert (answer.account_id, answer.contact_id, answer.product_id, answer.tenure_days) == (
        survey.account.pk, survey.decision_maker.pk, survey.line.product_id, 30
    )  # fmt: skip
    assert answer.category == "detractor"
    invitation.refresh_from_db()
    assert invitation.status == "answered"
    # when they open the same link again and change their mind
    page = client.get(url(invitation)).content.decode()
    assert "3 と回答済みです" in page
    client.post(url(invitation), {"score": "9", "comment": "サポートに助けられました"})
    # then the answer is replaced and the first one kept as a revision
    answer.refresh_from_db()
    assert (answer.score, answer.comment, answer.replaced) == (9, "サポートに助けられました", True)
    assert list(SurveyAnswerRevision.objects.values_list("score", "comment")) == [
        (3, "導入が大変でした")
    ]
    assert SurveyAnswer.objects.count() == 1


def test_an_expired_link_shows_the_expired_page_and_takes_nothing(world: World) -> None:
    survey = survey_world(world)
    invitation = sent(survey, days_left=-1)
    client = Client()
    response = client.get(url(invitation))
    assert response.status_code == 410
    assert "このアンケートの受付は終了しました。" in response.content.decode()
    assert client.post(url(invitation), {"score": "9"}).status_code == 410
    assert SurveyAnswer.objects.count() == 0


def test_an_answered_link_replays_only_within_its_window(world: World) -> None:
    survey = survey_world(world)
    invitation = sent(survey)
    client = Client()
    client.post(url(invitation), {"score": "8"})
    SurveyInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    assert client.post(url(invitation), {"score": "0"}).status_code == 410
    assert list(SurveyAnswer.objects.values_list("score", flat=True)) == [8]
    assert SurveyAnswerRevision.objects.count() == 0


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        "a" * 5000,
        "%00",
        "..",
        signing.dumps([1, "x"], salt="another.salt"),
        signing.dumps("not a list", salt=SALT),
        signing.dumps([True, "x"], salt=SALT),
        signing.dumps(["1", "x"], salt=SALT),
        signing.dumps([10**12, "x"], salt=SALT),
        signing.dumps([1, None], salt=SALT),
    ],
    ids=[
        "nonsense",
        "huge",
        "nul",
        "dots",
        "other-salt",
        "not-a-list",
        "bool-id",
        "text-id",
        "no-such-id",
        "no-nonce",
    ],
)
def test_a_bad_or_tampered_token_gets_the_friendly_not_valid_page(world: World, token: str) -> None:
    survey = survey_world(world)
    sent(survey)
    client = Client(raise_request_exception=True)
    for method in (client.get, client.post):
        response = method(f"/s/{token}/")
        assert response.status_code == 404
        assert "このアンケートのリンクは無効です。" in response.content.decode()
    assert SurveyAnswer.objects.count() == 0


def test_a_token_with_a_changed_character_or_an_old_nonce_is_refused(world: World) -> None:
    survey = survey_world(world)
    invitation = sent(survey)
    token = invitation_token(invitation)
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert invitation_from_token(flipped) is None
    # the other contact's id with this nonce
    other = SurveyInvitation.objects.exclude(pk=invitation.pk).get()
    forged = signing.dumps([other.pk, invitation.nonce], salt=SALT)
    assert invitation_from_token(forged) is None
    # a new nonce voids the old link
    SurveyInvitation.objects.filter(pk=invitation.pk).update(nonce="renewed-nonce-0000")
    assert invitation_from_token(token) is None
    assert Client().get(f"/s/{token}/").status_code == 404


def test_a_skipped_or_unsent_invitation_has_no_open_link(world: World) -> None:
    survey = survey_world(world)
    invitation = sent(survey)
    SurveyInvitation.objects.filter(pk=invitation.pk).update(status="scheduled")
    assert Client().get(url(invitation)).status_code == 410


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"score": ""},
        {"score": "11"},
        {"score": "-1"},
        {"score": "10" * 1000},
        {"score": "7.5"},
        {"score": "abc"},
        {"score": "\x00"},
        {"score": ["3", "4"]},
        {"score": "3", "comment": "あ" * 2001},
    ],
)
def test_hostile_posts_are_refused_with_the_form_and_store_nothing(
    world: World, data: dict[str, Any]
) -> None:
    survey = survey_world(world)
    invitation = sent(survey)
    response = Client(raise_request_exception=True).post(url(invitation), data)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert SurveyAnswer.objects.count() == 0


def test_a_csat_score_out_of_its_range_is_refused(world: World) -> None:
    survey = survey_world(world)
    survey.program.kind = "csat"
    survey.program.save()
    invitation = sent(survey)
    for score in ("0", "6", "10"):
        assert Client().post(url(invitation), {"score": score}).status_code == 400
    assert Client().post(url(invitation), {"score": "5"}).status_code == 302
    assert list(SurveyAnswer.objects.values_list("kind", "score")) == [("csat", 5)]


def test_a_post_without_the_csrf_token_is_refused(world: World) -> None:
    survey = survey_world(world)
    invitation = sent(survey)
    response = Client(enforce_csrf_checks=True).post(url(invitation), {"score": "9"})
    assert response.status_code == 403
    assert SurveyAnswer.objects.count() == 0


def test_it_limits_requests_per_token_and_per_address(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    survey = survey_world(world)
    invitation = sent(survey)
    monkeypatch.setattr(ratelimit, "PER_TOKEN", ratelimit.Limit("token", 3, 3600))
    monkeypatch.setattr(ratelimit, "PER_ADDRESS", ratelimit.Limit("ip", 5, 3600))
    # one window for the whole test (not cut by the hour), counted from an empty cache (an
    # earlier test's entries could make the per-process cache cull the counters)
    monkeypatch.setattr(ratelimit, "_clock", lambda: 1_800_000_000.0)
    cache.clear()
    client = Client()
    link = url(invitation)  # the link of one e-mail: its token is the counter's key
    statuses = [client.get(link).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert "しばらくしてから" in client.get(link).content.decode()
    # another token from the same address: the address' budget (5) is spent already
    assert client.get("/s/other/").status_code == 429
    # another address: a fresh budget, the bad token gets its friendly page
    assert Client(REMOTE_ADDR="10.0.0.9").get("/s/other/").status_code == 404


def test_the_limiter_counts_per_window() -> None:
    rule = ratelimit.Limit("test", 2, 60)
    assert [ratelimit.hit(rule, "k", now=120.0) for _ in range(3)] == [True, True, False]
    assert ratelimit.hit(rule, "k", now=180.0) is True  # the next window
    assert ratelimit.hit(rule, "other", now=120.0) is True
