"""No English left in the Japanese pages: histories, the administration, empty choices,
feature and score-model names."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse

from kizuna.apps.health.models import ScoreModelVersion
from kizuna.apps.health.services import score_models_ensure_defaults
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.apps.touchpoints.services import touchpoint_create
from kizuna.apps.usage.models import FeatureDefinition
from kizuna.apps.usage.selectors import KeyFeature, account_usage
from tests.factories import SubscriptionLineFactory, World


def test_the_change_history_shows_kinds_and_local_times_in_japanese(world: World) -> None:
    # given a meeting logged at 10:00 Tokyo time (01:00 UTC)
    touchpoint_create(
        actor=world.csm,
        account=world.account,
        data={
            "kind": "meeting",
            "occurred_at": dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC),
            "summary": "定例",
        },
    )
    client = Client()
    client.force_login(world.csm)
    # when the account page is read
    body = client.get(reverse("customers:account_detail", args=[world.account.pk])).content
    history = body.decode().split('id="change-history"')[1]
    # then the history says 打ち合わせ and the Tokyo time, not `meeting` or an ISO timestamp
    assert "打ち合わせ" in history
    assert "2026/11/20 10:00" in history
    assert "meeting" not in history and "T01:00:00" not in history


def test_the_administration_speaks_japanese(world: World) -> None:
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    client = Client()
    client.force_login(world.admin)
    index = client.get("/admin/").content.decode()
    assert "Kizuna 管理画面" in index and "Django" not in index
    assert ">変更<" in index and "増減" not in index
    form = client.get(f"/admin/customers/account/{world.account.pk}/change/").content.decode()
    assert "Select an option" not in form


def test_an_empty_choice_reads_japanese(world: World) -> None:
    client = Client()
    client.force_login(world.admin)
    body = client.get(reverse("usage:ops")).content.decode()
    assert "選択してください" in body and "Select an option" not in body


def test_key_features_show_their_display_names(world: World) -> None:
    today = tenant_today()
    SubscriptionLineFactory(
        account=world.account, product=world.product, start_date=today - dt.timedelta(days=30)
    )
    FeatureDefinition.objects.create(
        event="attendance.clock",
        feature="clock_in_out",
        label_ja="打刻",
        label_en="Clock-in/out",
        product=world.product,
        is_key=True,
    )
    FeatureDefinition.objects.create(
        event="x.y", feature="no_label", product=world.product, is_key=True
    )
    features = account_usage(account=world.account, today=today).key_features
    assert features == [KeyFeature("打刻", used=False), KeyFeature("no_label", used=False)]


def test_score_models_are_named_by_their_phase(db: object) -> None:
    score_models_ensure_defaults()
    model = ScoreModelVersion.objects.get(name="adoption")
    assert model.label == "活用・定着 v1"
    model.segment = "high"
    assert model.label == "活用・定着 · ハイタッチ v1"
