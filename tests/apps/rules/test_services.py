"""Rule services: versions (an edit is a new version, never an overwrite), the checks of what a
version says (hostile input included), enabling, the alert settings, and their audit events."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.org import access
from kizuna.apps.rules import services
from kizuna.apps.rules.models import AlertSettings, Rule, RuleVersion
from kizuna.apps.rules.selectors import alert_settings, rule_of, rules_list
from kizuna.core.rules import model as core
from tests.factories import World

pytestmark = pytest.mark.django_db

BIG = 2**63 - 1


def data(**overrides: Any) -> dict[str, Any]:
    return {"trigger": "renewal_due", "threshold": 60, **overrides}


def errors_of(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def test_create_saves_a_disabled_rule_with_version_1_and_audits_both(world: World) -> None:
    # given / when
    rule = services.rule_create(
        actor=world.admin,
        name="  更新60日前  ",
        data=data(segments=["low", "high", "low"], teams=["strategic"], grades=[3, 1]),
        note="最初",
    )
    # then
    rule.refresh_from_db()
    assert (rule.name, rule.enabled, rule.created_by) == ("更新60日前", False, world.admin)
    version = RuleVersion.objects.get(rule=rule)
    assert version.version == 1
    assert version.segments == ["high", "low"]
    assert version.grades == [1, 3]
    assert version.actions == ["notify", "task"]
    assert (version.priority, version.cooldown_days, version.due_in_business_days) == (2, 14, 2)
    assert (version.note, version.created_by) == ("最初", world.admin)
    events = AuditEvent.objects.filter(actor=world.admin).order_by("pk")
    assert [(e.entity, e.action) for e in events] == [("rule", "create"), ("ruleversion", "create")]
    assert events[1].changes["threshold"] == [None, 60]


def test_an_edit_is_a_new_version_and_the_old_one_stays(world: World) -> None:
    rule = services.rule_create(actor=world.admin, name="更新", data=data())
    saved = services.rule_update(
        actor=world.admin, rule=rule, data=data(threshold=30, priority=3), note="30日に短縮"
    )
    assert saved.version == 2
    first, second = RuleVersion.objects.filter(rule=rule).order_by("version")
    assert (first.threshold, first.priority, first.note) == (60, 2, "")
    assert (second.threshold, second.priority, second.note) == (30, 3, "30日に短縮")
    assert [row.current.version for row in rules_list() if row.current] == [2]


def test_unchanged_data_saves_no_version(world: World) -> None:
    rule = services.rule_create(actor=world.admin, name="更新", data=data(segments=["low"]))
    events = AuditEvent.objects.count()
    # the same choice in another order and with a repeat says the same
    same = services.rule_update(
        actor=world.admin, rule=rule, data=data(segments=["low", "low"]), note="なし"
    )
    assert same.version == 1
    assert RuleVersion.objects.filter(rule=rule).count() == 1
    assert AuditEvent.objects.count() == events


def test_a_rename_alone_is_audited_but_makes_no_version(world: World) -> None:
    rule = services.rule_create(actor=world.admin, name="更新", data=data())
    services.rule_update(actor=world.admin, rule=rule, data=data(), name="更新（高）")
    rule.refresh_from_db()
    assert rule.name == "更新（高）"
    assert RuleVersion.objects.filter(rule=rule).count() == 1
    event = AuditEvent.objects.filter(entity="rule", action="update").get()
    assert event.changes == {"name": ["更新", "更新（高）"]}


@pytest.mark.parametrize("persona", ["csm", "teammate", "manager", "outsider", "viewer"])
def test_only_admins_write(world: World, persona: str) -> None:
    actor = getattr(world, persona)
    with pytest.raises(PermissionDenied):
        services.rule_create(actor=actor, name="x", data=data())
    rule = services.rule_create(actor=world.admin, name="x", data=data())
    for write in (
        lambda: services.rule_update(actor=actor, rule=rule, data=data(threshold=1)),
        lambda: services.rule_enable(actor=actor, rule=rule),
        lambda: services.rule_disable(actor=actor, rule=rule),
        lambda: services.alert_settings_update(
            actor=actor, weekly_budget=5, digest_time=dt.time(9)
        ),
    ):
        with pytest.raises(PermissionDenied):
            write()
    assert RuleVersion.objects.filter(rule=rule).count() == 1
    assert not Rule.objects.get(pk=rule.pk).enabled


def test_an_inactive_admin_writes_nothing(world: World) -> None:
    world.admin.is_active = False
    with pytest.raises(PermissionDenied):
        services.rule_create(actor=world.admin, name="x", data=data())


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"trigger": "nope"}, "trigger"),
        ({"trigger": None}, "trigger"),
        ({"trigger": "health_red", "threshold": 1}, "threshold"),
        ({"trigger": "usage_drop", "threshold": 0}, "threshold"),
        ({"threshold": -1}, "threshold"),
        ({"threshold": 3651}, "threshold"),
        ({"threshold": BIG + 1}, "threshold"),
        ({"threshold": "60"}, "threshold"),
        ({"threshold": True}, "threshold"),
        ({"threshold": 1.5}, "threshold"),
        ({"trigger": "health_fell", "threshold": 0}, "threshold"),
        ({"trigger": "health_fell", "threshold": 5}, "threshold"),
        ({"trigger": "mrr_contraction", "threshold": BIG + 1}, "threshold"),
        ({"trigger": "mrr_contraction", "threshold": -5}, "threshold"),
        ({"grades": [0]}, "grades"),
        ({"grades": [6]}, "grades"),
        ({"grades": ["1"]}, "grades"),
        ({"grades": "1"}, "grades"),
        ({"mrr_min": 10, "mrr_max": 9}, "mrr_max"),
        ({"mrr_min": -1}, "mrr_min"),
        ({"mrr_max": BIG + 1}, "mrr_max"),
        ({"actions": []}, "actions"),
        ({"actions": None}, "actions"),
        ({"actions": ["task", "fax"]}, "actions"),
        ({"segments": ["enterprise"]}, "segments"),
        ({"segments": [None]}, "segments"),
        ({"products": ["no-such-product"]}, "products"),
        ({"teams": ["no-such-team"]}, "teams"),
        ({"teams": "strategic"}, "teams"),
        ({"priority": 4}, "priority"),
        ({"priority": None}, "priority"),
        ({"cooldown_days": 3651}, "cooldown_days"),
        ({"cooldown_days": None}, "cooldown_days"),
        ({"due_in_business_days": 251}, "due_in_business_days"),
    ],
)
def test_bad_data_is_refused_naming_the_field(
    world: World, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.rule_create(actor=world.admin, name="x", data=data(**overrides))
    assert field in errors_of(excinfo)
    assert not Rule.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("trigger", "threshold"),
    [
        ("setup_not_done", 0),
        ("setup_not_done", 3650),
        ("coverage_due", 3650),
        ("renewal_due", 0),
        ("health_fell", 1),
        ("health_fell", 4),
        ("mrr_contraction", BIG),
        ("mrr_contraction", 0),
        ("health_red", None),
        ("usage_drop", None),
        ("onboarding_stalled", None),
        ("onboarding_expected_churn", None),
        ("renewal_due", None),
    ],
)
def test_bounds_are_inclusive(world: World, trigger: str, threshold: int | None) -> None:
    rule = services.rule_create(
        actor=world.admin,
        name="x",
        data=data(trigger=trigger, threshold=threshold, mrr_min=0, mrr_max=BIG, grades=[1, 5]),
    )
    version = RuleVersion.objects.get(rule=rule)
    assert (version.threshold, version.mrr_max) == (threshold, BIG)


def test_known_products_and_teams_pass(world: World) -> None:
    rule = services.rule_create(
        actor=world.admin,
        name="x",
        data=data(products=["expense"], teams=["adoption", "strategic"], mrr_min=5, mrr_max=5),
    )
    version = RuleVersion.objects.get(rule=rule)
    assert (version.products, version.teams) == (["expense"], ["adoption", "strategic"])


@pytest.mark.parametrize("name", ["", "   ", None, "x" * 201, "a\x00b", 12])
def test_a_name_is_required_and_bounded(world: World, name: Any) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.rule_create(actor=world.admin, name=name, data=data())
    assert "name" in errors_of(excinfo)


def test_messages_are_japanese_by_default_and_english_on_request(world: World) -> None:
    with translation.override("ja"), pytest.raises(ValidationError) as ja:
        services.rule_create(actor=world.admin, name="x", data=data(actions=[]))
    with translation.override("en"), pytest.raises(ValidationError) as en:
        services.rule_create(actor=world.admin, name="x", data=data(actions=[]))
    assert errors_of(ja)["actions"] == ["アクションを1つ以上選んでください。"]
    assert errors_of(en)["actions"] == ["Choose at least one action."]


def test_enable_and_disable_are_audited_once(world: World) -> None:
    rule = services.rule_create(actor=world.admin, name="x", data=data())
    services.rule_enable(actor=world.admin, rule=rule)
    services.rule_enable(actor=world.admin, rule=rule)  # already enabled: no event
    assert Rule.objects.get(pk=rule.pk).enabled
    services.rule_disable(actor=world.admin, rule=rule)
    assert not Rule.objects.get(pk=rule.pk).enabled
    changes = [
        e.changes for e in AuditEvent.objects.filter(entity="rule", action="update").order_by("pk")
    ]
    assert changes == [{"enabled": [False, True]}, {"enabled": [True, False]}]


def test_alert_settings_are_one_row_updated_and_audited(world: World) -> None:
    assert alert_settings().weekly_budget == 10  # the defaults before any save
    services.alert_settings_update(actor=world.admin, weekly_budget=5, digest_time=dt.time(9, 15))
    services.alert_settings_update(actor=world.admin, weekly_budget=0, digest_time=dt.time(7))
    assert AlertSettings.objects.count() == 1
    settings = alert_settings()
    assert (settings.weekly_budget, settings.digest_time) == (0, dt.time(7))
    events = AuditEvent.objects.filter(entity="alertsettings").order_by("pk")
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].changes == {"weekly_budget": [5, 0], "digest_time": ["09:15", "07:00"]}


@pytest.mark.parametrize(
    ("budget", "time"), [(-1, dt.time(8)), (1001, dt.time(8)), (None, dt.time(8)), (5, "08:00")]
)
def test_alert_settings_refuse_bad_values(world: World, budget: Any, time: Any) -> None:
    with pytest.raises(ValidationError):
        services.alert_settings_update(actor=world.admin, weekly_budget=budget, digest_time=time)
    assert not AlertSettings.objects.exists()


def test_rule_of_gives_the_engine_the_version(world: World) -> None:
    rule = services.rule_create(
        actor=world.admin,
        name="x",
        data=data(
            trigger="mrr_contraction",
            threshold=10_000,
            segments=["high"],
            products=["expense"],
            teams=["strategic"],
            grades=[1, 2],
            mrr_min=1,
            mrr_max=900_000,
            actions=["webhook", "task"],
            priority=3,
            cooldown_days=7,
        ),
    )
    version = RuleVersion.objects.get(rule=rule)
    assert rule_of(version) == core.Rule(
        id=rule.pk,
        trigger=core.Trigger(core.TriggerKind.MRR_CONTRACTION, 10_000),
        filter=core.RuleFilter(
            segments=frozenset({"high"}),
            products=frozenset({"expense"}),
            teams=frozenset({"strategic"}),
            grades=frozenset({1, 2}),
            mrr_min=1,
            mrr_max=900_000,
        ),
        actions=frozenset({core.Action.WEBHOOK, core.Action.TASK}),
        priority=core.Priority.HIGH,
        cooldown_days=7,
        version=1,
    )


@pytest.mark.parametrize(
    ("persona", "views", "edits"),
    [
        ("csm", True, False),
        ("teammate", True, False),
        ("manager", True, False),
        ("outsider", True, False),
        ("viewer", True, False),
        ("admin", True, True),
    ],
)
def test_the_permission_helpers(world: World, persona: str, views: bool, edits: bool) -> None:
    user = getattr(world, persona)
    assert access.can_view_rules(user) is views
    assert access.can_edit_rules(user) is edits
    assert access.member_permissions(user).view_rules is views
    user.is_active = False
    assert not access.can_view_rules(user)
    assert not access.can_edit_rules(user)
    assert not access.member_permissions(user).view_rules
