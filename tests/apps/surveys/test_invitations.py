"""The daily job's invitations: created once per (schedule, contact, line, due day), skipped
ones with their reason, rerun safe, and the e-mail at a real SMTP server with the signed link."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import IntegrityError, transaction

from kizuna.apps.surveys.models import (
    InvitationStatus,
    SurveyContactSetting,
    SurveyInvitation,
    SurveyProgram,
)
from kizuna.apps.surveys.services import (
    invitations_create,
    invitations_send_due,
    program_defaults_ensure,
)
from kizuna.apps.surveys.tasks import has_waiting, invite
from kizuna.apps.surveys.tokens import invitation_from_token
from tests.apps.org.conftest import Inbox
from tests.apps.surveys.helpers import DUE, MORNING, survey_world
from tests.factories import SubscriptionLineFactory, World

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver/s/([^/\s]+)/")


def test_the_default_program_is_created_once(world: World) -> None:
    first = program_defaults_ensure()
    first.name_ja = "NPS（編集済み）"
    first.save()
    again = program_defaults_ensure()
    assert again.pk == first.pk
    assert SurveyProgram.objects.get().name_ja == "NPS（編集済み）"
    schedules = list(first.schedules.values_list("trigger", "offset_days"))
    assert schedules == [("line_start", 30), ("line_start", 90)]
    assert sorted(first.contact_roles) == ["admin", "decision_maker"]


def test_it_creates_the_days_invitations_once_and_a_rerun_adds_nothing(world: World) -> None:
    # given a line whose day 30 is today and three contacts (one of a role not asked)
    survey = survey_world(world)
    # when the job's creation runs twice
    first = invitations_create(today=DUE, now=MORNING)
    second = invitations_create(today=DUE, now=MORNING)
    # then the decision maker and the admin have one invitation each, the rerun none
    assert (first.planned, first.created, first.skipped) == (2, 2, 0)
    assert (second.planned, second.created, second.skipped) == (0, 0, 0)
    rows = SurveyInvitation.objects.order_by("contact_id")
    assert [(r.contact_id, r.line_id, r.due_on, r.tenure_days, r.status) for r in rows] == [
        (survey.decision_maker.pk, survey.line.pk, DUE, 30, "scheduled"),
        (survey.admin.pk, survey.line.pk, DUE, 30, "scheduled"),
    ]
    assert all(len(r.nonce) >= 16 for r in rows)
    assert len({r.nonce for r in rows}) == 2


def test_the_unique_constraint_refuses_a_concurrent_double(world: World) -> None:
    survey = survey_world(world)
    invitations_create(today=DUE, now=MORNING)
    existing = SurveyInvitation.objects.first()
    assert existing is not None
    double = SurveyInvitation(
        program=survey.program, schedule=existing.schedule, account=survey.account,
        contact=existing.contact, line=existing.line, due_on=existing.due_on,
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        double.save()
    # and without a line (onboarding, touchpoint schedules): the second constraint
    kwargs = {"program": survey.program, "schedule": existing.schedule, "account": survey.account,
              "contact": existing.contact, "line": None, "due_on": existing.due_on}  # fmt: skip
    SurveyInvitation.objects.create(**kwargs)
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyInvitation.objects.create(**kwargs)


def test_a_second_line_the_same_day_is_skipped_as_throttled(world: World) -> None:
    survey = survey_world(world)
    second = SubscriptionLineFactory(
        account=survey.account, product=world.product, start_date=survey.line.start_date
    )
    SurveyContactSetting.objects.create(contact=survey.admin, opted_out=True)
    report = invitations_create(today=DUE, now=MORNING)
    assert (report.created, report.skipped) == (4, 3)
    rows = SurveyInvitation.objects.order_by("line_id", "contact_id")
    assert [(r.contact_id, r.line_id, r.status, r.skip_reason) for r in rows] == [
        (survey.decision_maker.pk, survey.line.pk, "scheduled", ""),
        (survey.admin.pk, survey.line.pk, "skipped", "contact_inactive"),
        (survey.decision_maker.pk, second.pk, "skipped", "throttled"),
        (survey.admin.pk, second.pk, "skipped", "contact_inactive"),
    ]
    assert all(r.nonce == "" for r in rows if r.status == "skipped")


def test_a_line_cancelled_before_the_due_day_is_skipped(world: World) -> None:
    survey = survey_world(world)
    survey.line.end_date = DUE
    survey.line.save()
    invitations_create(today=DUE, now=MORNING)
    assert set(SurveyInvitation.objects.values_list("status", "skip_reason")) == {
        ("skipped", "line_ended")
    }


def test_a_churned_account_is_skipped(world: World) -> None:
    survey = survey_world(world)
    survey.account.phase = "churned"
    survey.account.save()
    invitations_create(today=DUE, now=MORNING)
    assert set(SurveyInvitation.objects.values_list("skip_reason", flat=True)) == {
        "account_inactive"
    }


def test_the_email_arrives_with_a_signed_link_in_the_contacts_language(
    world: World, smtp_server: Inbox
) -> None:
    # given the admin reads English
    survey = survey_world(world)
    SurveyContactSetting.objects.create(contact=survey.admin, language="en")
    invitations_create(today=DUE, now=MORNING)
    # when the due invitations are sent
    report = invitations_send_due(now=MORNING)
    # then two e-mails arrived at the SMTP server, each with its own working link
    assert (report.sent, report.failed) == (2, 0)
    by_to = {m["To"]: i for i, m in enumerate(smtp_server.messages)}
    ja = smtp_server.body(by_to["sato@example.jp"])
    en = smtp_server.body(by_to["suzuki@example.jp"])
    assert smtp_server.messages[by_to["sato@example.jp"]]["Subject"] == (
        "Kizuna からアンケートのお願い"
    )
    assert "友人や同僚にすすめる" in ja
    assert "How likely are you to recommend us" in en
    assert smtp_server.messages[by_to["suzuki@example.jp"]]["Subject"] == (
        "Kizuna would like your opinion"
    )
    for body, contact in ((ja, survey.decision_maker), (en, survey.admin)):
        (token,) = LINK.findall(body)
        found = invitation_from_token(token)
        assert found is not None and found.contact_id == contact.pk
    # no other customer data: neither the account's name nor the product
    assert "山田製作所" not in ja + en and "経費精算" not in ja + en
    sent = SurveyInvitation.objects.get(contact=survey.admin)
    assert sent.status == "sent" and sent.sent_at == MORNING
    assert sent.expires_at == MORNING + dt.timedelta(days=14)
    # and a second run sends nothing again
    assert invitations_send_due(now=MORNING).sent == 0
    assert len(smtp_server.messages) == 2


def test_quiet_hours_hold_the_email_until_the_morning(world: World, smtp_server: Inbox) -> None:
    survey_world(world)
    night = dt.datetime(2026, 3, 2, 13, 0, tzinfo=dt.UTC)  # 22:00 in Tokyo
    invitations_create(today=DUE, now=night)
    assert invitations_send_due(now=night).sent == 0
    morning = dt.datetime(2026, 3, 2, 23, 0, tzinfo=dt.UTC)  # 08:00 in Tokyo
    assert set(SurveyInvitation.objects.values_list("send_after", flat=True)) == {morning}
    assert invitations_send_due(now=morning - dt.timedelta(minutes=1)).sent == 0
    assert invitations_send_due(now=morning).sent == 2
    assert len(smtp_server.messages) == 2


def test_one_reminder_after_the_days_set_and_then_the_link_expires(
    world: World, smtp_server: Inbox
) -> None:
    survey = survey_world(world)
    invitations_create(today=DUE, now=MORNING)
    invitations_send_due(now=MORNING)
    # four days later: no reminder yet; five: one each; six: none again
    assert invitations_send_due(now=MORNING + dt.timedelta(days=4)).reminded == 0
    assert invitations_send_due(now=MORNING + dt.timedelta(days=5)).reminded == 2
    assert invitations_send_due(now=MORNING + dt.timedelta(days=6)).reminded == 0
    assert len(smtp_server.messages) == 4
    assert smtp_server.messages[-1]["Subject"].startswith("【再送】")
    # fourteen days after sending the link expires
    report = invitations_send_due(now=MORNING + dt.timedelta(days=14))
    assert report.expired == 2
    assert set(SurveyInvitation.objects.values_list("status", flat=True)) == {"expired"}
    assert survey.program.remind_after_days == 5


def test_a_refused_connection_is_retried_then_given_up(world: World, smtp_down: int) -> None:
    survey_world(world)
    invitations_create(today=DUE, now=MORNING)
    report = invitations_send_due(now=MORNING)
    assert (report.sent, report.failed) == (0, 2)
    row = SurveyInvitation.objects.first()
    assert row is not None
    assert (row.status, row.send_attempts, row.sent_at) == ("scheduled", 1, None)
    assert row.send_after == MORNING + dt.timedelta(minutes=1)
    now = MORNING
    for _ in range(5):
        now += dt.timedelta(days=1)
        invitations_send_due(now=now)
    row.refresh_from_db()
    assert (row.status, row.skip_reason, row.send_attempts) == ("skipped", "send_failed", 6)


def test_the_daily_job_creates_and_sends(world: World, smtp_server: Inbox) -> None:
    survey_world(world)
    SurveyInvitation.objects.all().delete()
    line = invite.call(DUE.isoformat())
    assert line.startswith("2 invitation(s) planned, 2 created, 0 of them skipped;")
    # sent at once, or held by the quiet hours of the moment the test runs
    statuses = list(SurveyInvitation.objects.values_list("status", flat=True))
    assert sorted(statuses) in (["scheduled", "scheduled"], ["sent", "sent"])
    assert len(smtp_server.messages) == statuses.count(InvitationStatus.SENT)


def test_the_minute_job_wakes_only_when_something_is_due(world: World) -> None:
    survey_world(world)
    assert has_waiting() is False
    invitations_create(today=DUE, now=MORNING)  # send_after = MORNING, long past
    assert has_waiting() is True
    now = dt.datetime.now(dt.UTC)
    SurveyInvitation.objects.update(
        status="sent", sent_at=now, expires_at=now + dt.timedelta(days=14)
    )
    assert has_waiting() is False
    SurveyInvitation.objects.update(sent_at=now - dt.timedelta(days=2))
    assert has_waiting() is True
    SurveyInvitation.objects.update(reminded_at=now)
    assert has_waiting() is False
    SurveyInvitation.objects.update(expires_at=now)
    assert has_waiting() is True
