"""Answers and invitations with known NPS per cut (exact values in the tests):

- account A (high touch, adoption), product 経費精算, tenure 30: scores 10, 9, 3 in April 2026;
- account B (low touch, onboarding), product 勤怠, tenure 95: scores 7, 0 in April 2026;
- account B, no product, tenure unknown: 10 in April 2026;
- account A, product 経費精算, tenure 200: 0 at 2026-04-30 20:00 UTC = 2026-05-01 05:00 in Tokyo
  (a May answer);
- two invitations of A sent on 2026-04-10 (one answered), one of B sent 2026-05-02 (not).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kizuna.apps.customers.models import Account, Product
from kizuna.apps.surveys.models import SurveyAnswer, SurveyInvitation, SurveyProgram
from kizuna.apps.surveys.services import program_defaults_ensure
from tests.factories import AccountFactory, ContactFactory, ProductFactory, World

APRIL = dt.date(2026, 4, 1)


def at(day: dt.date, hour: int = 3) -> dt.datetime:
    """``hour`` UTC on ``day`` (3 UTC is noon in Tokyo)."""
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


@dataclass
class AnalysisWorld:
    program: SurveyProgram
    a: Account
    b: Account
    expense: Product
    attendance: Product


def answer(
    program: SurveyProgram,
    account: Account,
    score: int,
    when: dt.datetime,
    *,
    product: Product | None = None,
    tenure: int | None = None,
    comment: str = "",
    kind: str = "nps",
) -> SurveyAnswer:
    return SurveyAnswer.objects.create(
        program=program,
        kind=kind,
        account=account,
        product=product,
        score=score,
        comment=comment,
        answered_at=when,
        tenure_days=tenure,
        source="api",
    )


def analysis_world(world: World) -> AnalysisWorld:
    program = program_defaults_ensure()
    a = world.account
    a.segment, a.phase = "high", "adoption"
    a.save()
    b = AccountFactory(segment="low", phase="onboarding", name="株式会社北海")
    expense = world.product
    attendance = ProductFactory(code="attendance", name_ja="勤怠", name_en="Attendance")
    for score in (10, 9, 3):
        answer(program, a, score, at(dt.date(2026, 4, 5)), product=expense, tenure=30)
    for score in (7, 0):
        answer(program, b, score, at(dt.date(2026, 4, 6)), product=attendance, tenure=95)
    answer(program, b, 10, at(dt.date(2026, 4, 7)))
    answer(
        program,
        a,
        0,
        dt.datetime(2026, 4, 30, 20, tzinfo=dt.UTC),
        product=expense,
        tenure=200,
    )
    schedule = program.schedules.first()
    assert schedule is not None
    contact_a = ContactFactory(account=a, email="a@example.jp")
    contact_b = ContactFactory(account=b, email="b@example.jp")
    for n, (contact, sent, answered) in enumerate(
        [
            (contact_a, at(dt.date(2026, 4, 10)), at(dt.date(2026, 4, 11))),
            (contact_a, at(dt.date(2026, 4, 10)), None),
            (contact_b, at(dt.date(2026, 5, 2)), None),
        ]
    ):
        SurveyInvitation.objects.create(
            program=program,
            schedule=schedule,
            account=contact.account,
            contact=contact,
            product=expense if contact.account == a else attendance,
            due_on=dt.date(2026, 4, 10) + dt.timedelta(days=n),
            tenure_days=30,
            status="answered" if answered else "sent",
            sent_at=sent,
            answered_at=answered,
        )
    return AnalysisWorld(program, a, b, expense, attendance)
