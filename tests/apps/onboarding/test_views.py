"""The onboarding pages: who sees what, one-click ticks, and the template editor's errors."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kizuna.apps.onboarding.models import (
    CriterionCheck,
    Onboarding,
    OnboardingCriterion,
    OnboardingTemplate,
)
from kizuna.apps.onboarding.services import onboardings_evaluate, onboardings_start
from tests.apps.onboarding.conftest import START
from tests.factories import World


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


@pytest.fixture
def onboarding(world: World, line: Any) -> Onboarding:
    onboardings_start(as_of=START)
    onboardings_evaluate(as_of=START)
    return Onboarding.objects.get()


def test_every_member_reads_the_pages(world: World, onboarding: Onboarding) -> None:
    for user in (world.csm, world.manager, world.viewer, world.admin, world.outsider):
        client = client_for(user)
        for url in (
            "/onboarding/",
            "/onboarding/dashboard/",
            "/onboarding/templates/",
            f"/onboarding/{onboarding.pk}/",
        ):
            assert client.get(url).status_code == 200, (user, url)
    page = client_for(world.csm).get("/onboarding/").content.decode()
    assert "株式会社山田製作所" in page and "キックオフ実施" in page
    assert (
        client_for(world.outsider).get("/onboarding/").content.decode().count("株式会社山田製作所")
        == 0
    )


def test_a_tick_from_the_board_returns_the_row(world: World, onboarding: Onboarding) -> None:
    kickoff = OnboardingCriterion.objects.get(phase__order=1)
    response = client_for(world.csm).post(
        f"/onboarding/{onboarding.pk}/criteria/{kickoff.pk}/",
        {"from": "board"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert f'id="onb-{onboarding.pk}"' in response.content.decode()
    assert CriterionCheck.objects.get().checked_by == world.csm


@pytest.mark.parametrize("who", ["outsider", "viewer", "teammate"])
def test_members_who_may_not_edit_the_account_cannot_tick(
    world: World, onboarding: Onboarding, who: str
) -> None:
    kickoff = OnboardingCriterion.objects.get(phase__order=1)
    response = client_for(getattr(world, who)).post(
        f"/onboarding/{onboarding.pk}/criteria/{kickoff.pk}/"
    )
    assert response.status_code == 403
    assert not CriterionCheck.objects.exists()


def test_a_criterion_of_another_template_is_404(world: World, onboarding: Onboarding) -> None:
    response = client_for(world.csm).post(f"/onboarding/{onboarding.pk}/criteria/999999/")
    assert response.status_code == 404


def test_only_admins_edit_templates(world: World, onboarding: Onboarding) -> None:
    assert (
        client_for(world.manager).get(f"/onboarding/templates/{world.product.code}/").status_code
        == 403
    )
    assert (
        client_for(world.admin).get(f"/onboarding/templates/{world.product.code}/").status_code
        == 200
    )


def _editor_post(**overrides: str) -> dict[str, str]:
    data = {
        "phase-TOTAL_FORMS": "2",
        "phase-INITIAL_FORMS": "0",
        "phase-MIN_NUM_FORMS": "1",
        "phase-MAX_NUM_FORMS": "1000",
        "phase-0-name_ja": "キックオフ",
        "phase-0-name_en": "Kickoff",
        "phase-0-target_day": "7",
        "phase-1-name_ja": "初回利用",
        "phase-1-name_en": "First use",
        "phase-1-target_day": "30",
        "criterion-TOTAL_FORMS": "1",
        "criterion-INITIAL_FORMS": "0",
        "criterion-MIN_NUM_FORMS": "0",
        "criterion-MAX_NUM_FORMS": "1000",
        "criterion-0-phase": "2",
        "criterion-0-label_ja": "申請5件",
        "criterion-0-label_en": "5 requests",
        "criterion-0-kind": "usage",
        "criterion-0-metric": "feature_events",
        "criterion-0-feature": "expense_report",
        "criterion-0-threshold": "5",
        "criterion-0-window_days": "7",
        "note": "短縮",
    }
    return {**data, **overrides}


def test_the_editor_saves_a_new_version(world: World, onboarding: Onboarding) -> None:
    response = client_for(world.admin).post(
        f"/onboarding/templates/{world.product.code}/", _editor_post()
    )
    assert response.status_code == 302
    current = OnboardingTemplate.objects.get(is_current=True)
    assert (current.version, current.note, current.phases.count()) == (2, "短縮", 2)
    assert Onboarding.objects.get().template.version == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("criterion-0-feature", "", "機能"),
        ("criterion-0-phase", "3", "フェーズ"),
        ("phase-1-target_day", "3", "目標日"),
    ],
)
def test_the_editor_explains_bad_input_in_japanese_and_saves_nothing(
    world: World, onboarding: Onboarding, field: str, value: str, message: str
) -> None:
    response = client_for(world.admin).post(
        f"/onboarding/templates/{world.product.code}/", _editor_post(**{field: value})
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert OnboardingTemplate.objects.count() == 1
