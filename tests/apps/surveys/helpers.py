"""A survey world: the default NPS program, an account with two contacts asked and one not,
a line that started 30 days before ``DUE`` (so its day-30 invitation is due on ``DUE``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kizuna.apps.customers.models import Account, Contact, SubscriptionLine
from kizuna.apps.surveys.models import SurveyProgram
from kizuna.apps.surveys.services import program_defaults_ensure
from tests.factories import ContactFactory, SubscriptionLineFactory, World

DUE = dt.date(2026, 3, 2)
#: 10:00 in Tokyo on the due day (outside the quiet hours)
MORNING = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


@dataclass
class Survey:
    program: SurveyProgram
    account: Account
    decision_maker: Contact
    admin: Contact
    user: Contact
    line: SubscriptionLine


def survey_world(world: World) -> Survey:
    program = program_defaults_ensure()
    program.active = True  # created switched off
    program.save()
    account = world.account
    return Survey(
        program=program,
        account=account,
        decision_maker=ContactFactory(
            account=account, name="佐藤 一郎", email="sato@example.jp", role="decision_maker"
        ),
        admin=ContactFactory(account=account, name="鈴木 花子", email="suzuki@example.jp"),
        user=ContactFactory(account=account, name="田中", email="tanaka@example.jp", role="user"),
        line=SubscriptionLineFactory(
            account=account, product=world.product, start_date=DUE - dt.timedelta(days=30)
        ),
    )
