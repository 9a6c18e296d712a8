from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kizuna.apps.onboarding.models import OnboardingTemplate
from kizuna.apps.onboarding.selectors import onboarding_policy
from kizuna.apps.onboarding.services import template_version_create
from kizuna.core.onboarding.timeline import CriterionSpec, PhaseSpec, UsageRule
from tests.factories import SubscriptionLineFactory, World

START = dt.date(2026, 9, 1)


def phases() -> list[PhaseSpec]:
    return [
        PhaseSpec("キックオフ", "Kickoff", 7, (CriterionSpec("キックオフ実施", "Kickoff held"),)),
        PhaseSpec(
            "初期設定",
            "Initial settings",
            21,
            (CriterionSpec("承認フロー作成", "Approval flow created"),),
            is_setup=True,
        ),
        PhaseSpec(
            "初回利用",
            "First real use",
            35,
            (
                CriterionSpec(
                    "経費申請5件",
                    "5 reports",
                    UsageRule(
                        "feature_events", threshold=5, window_days=7, feature="expense_report"
                    ),
                ),
            ),
        ),
    ]


@pytest.fixture
def template(world: World) -> OnboardingTemplate:
    policy = onboarding_policy()  # the one seeded by the migration (or its defaults)
    policy.grace_days, policy.tracking_from = 30, dt.date(2026, 1, 1)
    policy.save()
    return template_version_create(actor=None, product=world.product, phases=phases(), note="v1")


@pytest.fixture
def line(world: World, template: Any) -> Any:
    return SubscriptionLineFactory(
        account=world.account, product=world.product, start_date=START, seats=10
    )
