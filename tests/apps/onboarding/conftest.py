from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kizuna.apps.onboarding.models import CriterionKind, OnboardingPolicy, OnboardingTemplate
from kizuna.apps.onboarding.services import CriterionData, PhaseData, template_version_create
from tests.factories import SubscriptionLineFactory, World

START = dt.date(2026, 9, 1)


def phases() -> list[PhaseData]:
    return [
        PhaseData(
            "キックオフ",
            "Kickoff",
            7,
            False,
            (CriterionData("キックオフ実施", "Kickoff held", CriterionKind.MANUAL),),
        ),
        PhaseData(
            "初期設定",
            "Initial settings",
            21,
            True,
            (CriterionData("承認フロー作成", "Approval flow created", CriterionKind.MANUAL),),
        ),
        PhaseData(
            "初回利用",
            "First real use",
            35,
            False,
            (
                CriterionData(
                    "経費申請5件",
                    "5 reports",
                    CriterionKind.USAGE,
                    "feature_events",
                    "expense_report",
                    5,
                    7,
                ),
            ),
        ),
    ]


@pytest.fixture
def template(world: World) -> OnboardingTemplate:
    OnboardingPolicy.objects.create(grace_days=30, tracking_from=dt.date(2026, 1, 1))
    return template_version_create(actor=None, product=world.product, phases=phases(), note="v1")


@pytest.fixture
def line(world: World, template: Any) -> Any:
    return SubscriptionLineFactory(
        account=world.account, product=world.product, start_date=START, seats=10
    )
