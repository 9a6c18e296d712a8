"""factory_boy factories for the domain model, and the persona world of conftest.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import factory

from kizuna.apps.customers.models import Account, Contact, Product, SubscriptionLine
from kizuna.apps.org.models import Role, Team, TeamKind, User
from kizuna.apps.touchpoints.models import Touchpoint

PASSWORD = "correct-horse-battery"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"team-{n}")
    kind = TeamKind.STRATEGIC
    name_ja = factory.Sequence(lambda n: f"チーム{n}")
    name_en = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"担当者{n}")
    role = Role.CSM
    password = factory.django.Password(PASSWORD)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("code",)

    code = "expense"
    name_ja = "経費精算"
    name_en = "Expense"


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"株式会社テスト{n}")
    kana = factory.Sequence(lambda n: f"テスト{n}")
    industry = "it"
    employee_count = 120


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"山田 花子{n}")
    email = factory.Sequence(lambda n: f"hanako{n}@example.jp")
    role = "admin"


class SubscriptionLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubscriptionLine

    account = factory.SubFactory(AccountFactory)
    product = factory.SubFactory(ProductFactory)
    currency = "JPY"
    billing_period = "monthly"
    billing_amount = 100_000
    mrr = factory.LazyAttribute(lambda line: line.billing_amount)
    start_date = dt.date(2025, 4, 1)


class TouchpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Touchpoint

    account = factory.SubFactory(AccountFactory)
    kind = "meeting"
    occurred_at = dt.datetime(2026, 11, 1, 1, 0, tzinfo=dt.UTC)
    summary = "定例ミーティング"


@dataclass
class World:
    strategic: Team
    other_team: Team
    csm: User
    teammate: User
    manager: User
    outsider: User
    viewer: User
    admin: User
    account: Account
    other_account: Account
    product: Product


def build_world() -> World:
    strategic = TeamFactory(code="strategic", kind=TeamKind.STRATEGIC)
    other = TeamFactory(code="adoption", kind=TeamKind.CORPORATE_ADOPTION)
    csm = UserFactory(username="csm", role=Role.CSM, team=strategic)
    account = AccountFactory(
        owner=csm, team=strategic, name="株式会社山田製作所", kana="ヤマダセイサクショ"
    )
    outsider = UserFactory(username="outsider", role=Role.CSM, team=other)
    return World(
        strategic=strategic,
        other_team=other,
        csm=csm,
        teammate=UserFactory(username="teammate", role=Role.CSM, team=strategic),
        manager=UserFactory(username="manager", role=Role.MANAGER, team=strategic),
        outsider=outsider,
        viewer=UserFactory(username="viewer", role=Role.VIEWER),
        admin=UserFactory(username="admin", role=Role.ADMIN),
        account=account,
        other_account=AccountFactory(
            owner=outsider, team=other, name="合同会社北斗", kana="ホクト"
        ),
        product=ProductFactory(),
    )
