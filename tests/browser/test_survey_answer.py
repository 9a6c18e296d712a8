"""Issue 16's "a contact answers a survey in Chromium from an e-mail caught by the local SMTP
server": the day's invitation leaves through Django's SMTP backend to a real SMTP server
(aiosmtpd); the link in the e-mail is opened on a phone-sized Chromium, the contact taps 3,
writes a comment and sends; the answer is in the database, and the same link then replaces it.
Screenshots in artifacts/screenshots/ (``survey-*.png``)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from kizuna.apps.surveys.models import SurveyAnswer, SurveyAnswerRevision, SurveyInvitation
from kizuna.apps.surveys.services import invitations_create, invitations_send_due
from tests.apps.org.conftest import Inbox, smtp_server
from tests.apps.surveys.helpers import survey_world
from tests.browser.conftest import ARTIFACTS
from tests.factories import build_world

__all__ = ["smtp_server"]


def test_a_contact_answers_the_survey_from_the_email_on_a_phone(
    transactional_db: Any, browser: Any, live_server: Any, smtp_server: Inbox, settings: Any
) -> None:
    # given a line whose day 30 is today and the default NPS program switched on
    settings.BASE_URL = live_server.url
    today = dt.date.today()
    survey = survey_world(build_world())
    survey.line.start_date = today - dt.timedelta(days=30)
    survey.line.save()
    now = dt.datetime.combine(today, dt.time(10), tzinfo=dt.UTC).replace(hour=1)  # 10:00 JST
    # when the job creates and sends the day's invitations
    invitations_create(today=today, now=now)
    assert invitations_send_due(now=now).sent == 2
    # then the decision maker's e-mail is at the SMTP server with the link
    index = next(i for i, m in enumerate(smtp_server.messages) if m["To"] == "sato@example.jp")
    body = smtp_server.body(index)
    (link,) = re.findall(rf"{re.escape(live_server.url)}/s/[^/\s]+/", body)

    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="ja-JP"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.set_default_navigation_timeout(30_000)
    try:
        # when the contact opens the link on their phone
        page.goto(link)
        question = page.locator("#question").inner_text()
        assert question == "当社のサービスを友人や同僚にすすめる可能性はどのくらいありますか？"
        assert page.locator("input[name=score]").count() == 11
        assert "山田製作所" not in page.content()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(ARTIFACTS) / "survey-phone.png"), full_page=True)
        # the buttons are large enough to tap
        box = page.locator("label.survey-score").first.bounding_box()
        assert box is not None and box["height"] >= 44
        # and taps 3, writes why, and sends
        page.locator("label.survey-score", has_text=re.compile(r"^3$")).tap()
        page.fill("#id_comment", "設定に時間がかかりました")
        page.get_by_role("button", name="回答を送信する").tap()
        page.wait_for_url("**/thanks/")
        assert "ご回答ありがとうございました。" in page.locator("h1").inner_text()
        page.screenshot(path=str(Path(ARTIFACTS) / "survey-thanks.png"), full_page=True)
        # then the answer exists
        answer = SurveyAnswer.objects.get()
        assert (answer.score, answer.comment, answer.contact_id, answer.category) == (
            3, "設定に時間がかかりました", survey.decision_maker.pk, "detractor"
        )  # fmt: skip
        invitation = SurveyInvitation.objects.get(contact=survey.decision_maker)
        assert invitation.status == "answered"

        # when they come back through the same link and change their answer
        page.goto(link)
        page.locator("label.survey-score", has_text=re.compile(r"^8$")).tap()
        page.get_by_role("button", name="回答を送信する").tap()
        page.wait_for_url("**/thanks/")
        # then the answer is replaced and the first one kept
        answer.refresh_from_db()
        assert (answer.score, answer.replaced) == (8, True)
        assert list(SurveyAnswerRevision.objects.values_list("score", flat=True)) == [3]
    finally:
        context.close()
