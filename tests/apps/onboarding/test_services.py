"""Starting, evaluating and ticking onboardings; templates are versioned; the hand-off."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from kizuna.apps.assignments.models import AssignmentChange
from kizuna.apps.assignments.services import account_handoff
from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.customers.models import Account, Phase
from kizuna.apps.onboarding.models import (
    CriterionCheck,
    Onboarding,
    OnboardingCriterion,
    OnboardingSignal,
    OnboardingTemplate,
)
from kizuna.apps.onboarding.selectors import core_template
from kizuna.apps.onboarding.services import (
    criterion_tick,
    criterion_untick,
    onboardings_evaluate,
    onboardings_start,
    template_version_create,
)
from kizuna.apps.usage.models import UsageDay
from kizuna.core.onboarding.timeline import UsageRule
from tests.apps.onboarding.conftest import START, phases
from tests.factories import (
    AccountFactory,
    ProductFactory,
    SubscriptionLineFactory,
    UserFactory,
    World,
)

D = dt.date


def _manual(template: OnboardingTemplate, order: int) -> OnboardingCriterion:
    return OnboardingCriterion.objects.get(phase__template=template, phase__order=order)


def _tick(o: Onboarding, criterion: OnboardingCriterion, on: dt.date, user: Any) -> None:
    CriterionCheck.objects.create(
        onboarding=o, criterion=criterion, met_on=on, source="manual", checked_by=user
    )


def test_it_starts_one_onboarding_per_account_and_product(world: World, line: Any) -> None:
    assert onboardings_start(as_of=D(2026, 11, 1)) == 1
    assert onboardings_start(as_of=D(2026, 11, 1)) == 0
    o = Onboarding.objects.get()
    assert (o.account, o.started_on, o.target_on) == (world.account, START, D(2026, 10, 6))


def test_it_stalls_with_the_reason_then_completes_from_usage(
    world: World, template: Any, line: Any
) -> None:
    # given: kickoff on time, setup done late, usage reaching 5 reports on 3 October
    onboardings_start(as_of=START)
    o = Onboarding.objects.get()
    _tick(o, _manual(template, 1), D(2026, 9, 5), world.csm)
    _tick(o, _manual(template, 2), D(2026, 9, 25), world.csm)
    for day, n in ((D(2026, 9, 29), 2), (D(2026, 10, 3), 3)):
        UsageDay.objects.create(
            account=world.account,
            day=day,
            events=n,
            quantity=n,
            active_users=1,
            features=1,
            feature_counts={"expense_report": n},
        )
    # when
    report = onboardings_evaluate(as_of=D(2026, 10, 10))
    # then
    o.refresh_from_db()
    assert (o.state, o.completed_on, o.stalled_on) == ("completed", D(2026, 10, 3), D(2026, 9, 23))
    assert list(o.transitions.values_list("on", "to_state", "reason")) == [
        (START, "in_progress", "handed_over"),
        (D(2026, 9, 23), "stalled", "phase_overdue"),
        (D(2026, 9, 25), "in_progress", "caught_up"),
        (D(2026, 10, 3), "completed", "all_criteria_met"),
    ]
    stalled = o.transitions.get(to_state="stalled")
    assert stalled.details["unmet"] == [str(_manual(template, 2).pk)]
    assert report.criteria_met == 1
    assert CriterionCheck.objects.get(source="usage").met_on == D(2026, 10, 3)
    # evaluating again changes nothing
    again = onboardings_evaluate(as_of=D(2026, 10, 10), onboarding_ids=[o.pk])
    assert (again.transitions, again.signals, again.criteria_met) == (0, 0, 0)


def test_expected_churn_then_churned_when_the_line_ends(
    world: World, template: Any, line: Any
) -> None:
    onboardings_start(as_of=START)
    onboardings_evaluate(as_of=D(2026, 11, 5))  # final target 6 Oct + 30 grace days: not yet
    assert Onboarding.objects.get().state == "stalled"
    onboardings_evaluate(as_of=D(2026, 11, 6))
    assert Onboarding.objects.get().state == "expected_churn"
    line.end_date = D(2026, 12, 1)
    line.save()
    onboardings_evaluate(as_of=D(2026, 12, 1))
    o = Onboarding.objects.get()
    assert (o.state, o.ended_on) == ("churned", D(2026, 12, 1))
    kinds = set(OnboardingSignal.objects.values_list("kind", flat=True))
    assert kinds == {"phase_overdue", "setup_not_done", "no_usage", "stalled_long"}


def test_a_new_template_version_leaves_running_onboardings_alone(
    world: World, template: Any, line: Any
) -> None:
    onboardings_start(as_of=START)
    changed = phases()[:2]
    v2 = template_version_create(
        actor=world.admin, product=world.product, phases=changed, note="shorter"
    )
    assert (v2.version, v2.is_current) == (2, True)
    template.refresh_from_db()
    assert not template.is_current
    o = Onboarding.objects.get()
    assert o.template == template and o.target_on == D(2026, 10, 6)
    with pytest.raises(PermissionDenied):
        template_version_create(actor=world.manager, product=world.product, phases=changed)


def test_a_written_template_is_stored_with_its_rules_and_read_back_by_the_core(
    template: OnboardingTemplate,
) -> None:
    # given the template written as the core's phases and criteria (conftest.phases)
    # then each criterion is stored manual or with its usage rule
    stored = OnboardingCriterion.objects.filter(phase__template=template).order_by("phase__order")
    assert [
        (c.label_ja, c.kind, c.metric, c.feature, c.threshold, c.window_days) for c in stored
    ] == [
        ("キックオフ実施", "manual", "", "", None, 7),
        ("承認フロー作成", "manual", "", "", None, 7),
        ("経費申請5件", "usage", "feature_events", "expense_report", 5, 7),
    ]
    # and the core reads back the same rules, keyed by the stored ids
    core = core_template(template)
    assert [c.rule for p in core.phases for c in p.criteria] == [
        None,
        None,
        UsageRule("feature_events", threshold=5, window_days=7, feature="expense_report"),
    ]
    assert [p.is_setup for p in core.phases] == [False, True, False]


def test_ticks_need_edit_rights_and_use_the_company_day(
    world: World, template: Any, line: Any
) -> None:
    onboardings_start(as_of=START)
    o = Onboarding.objects.select_related("account").get()
    kickoff = _manual(template, 1)
    for user in (world.outsider, world.viewer, world.teammate):
        with pytest.raises(PermissionDenied):
            criterion_tick(actor=user, onboarding=o, criterion=kickoff, met_on=D(2026, 9, 2))
    check = criterion_tick(actor=world.csm, onboarding=o, criterion=kickoff, met_on=D(2026, 9, 2))
    assert (check.met_on, check.checked_by, check.source) == (D(2026, 9, 2), world.csm, "manual")
    criterion_untick(actor=world.manager, onboarding=o, criterion=kickoff)
    assert not CriterionCheck.objects.exists()


def test_completing_a_low_touch_onboarding_hands_the_account_off(
    world: World, template: Any, line: Any
) -> None:
    # given: a low-touch account in onboarding, and an adoption CSM
    world.account.segment, world.account.phase = "low", Phase.ONBOARDING
    world.account.save()
    UserFactory(username="adopt", role="csm", team=world.other_team)
    onboardings_start(as_of=START)
    o = Onboarding.objects.get()
    _tick(o, _manual(template, 1), D(2026, 9, 2), world.csm)
    _tick(o, _manual(template, 2), D(2026, 9, 3), world.csm)
    CriterionCheck.objects.create(
        onboarding=o, criterion=_manual(template, 3), met_on=D(2026, 9, 20), source="usage"
    )
    # when
    report = onboardings_evaluate(as_of=D(2026, 9, 21))
    # then
    world.account.refresh_from_db()
    assert report.handed_off == 1
    assert (world.account.phase, world.account.team) == (Phase.ADOPTION, world.other_team)
    assert world.account.owner is not None and world.account.owner.team == world.other_team
    assert AssignmentChange.objects.get().source == "handoff"
    assert Onboarding.objects.get().handed_off_at is not None


@pytest.mark.parametrize(
    ("utc", "day", "state"),
    [
        # 23:30 JST on 8 September, the kickoff's target day: on time
        (dt.datetime(2026, 9, 8, 14, 30, tzinfo=dt.UTC), D(2026, 9, 8), "in_progress"),
        # 00:30 JST on 9 September (still the 8th in UTC): a day late, stalled and caught up
        (dt.datetime(2026, 9, 8, 15, 30, tzinfo=dt.UTC), D(2026, 9, 9), "in_progress"),
    ],
)
def test_a_tick_counts_for_the_company_day_not_the_utc_day(
    world: World, template: Any, line: Any, utc: dt.datetime, day: dt.date, state: str
) -> None:
    onboardings_start(as_of=START)
    o = Onboarding.objects.select_related("account").get()
    with mock.patch("kizuna.apps.tenant.selectors.timezone.now", return_value=utc):
        check = criterion_tick(actor=world.csm, onboarding=o, criterion=_manual(template, 1))
    o.refresh_from_db()
    assert (check.met_on, o.state) == (day, state)
    stalled = list(o.transitions.filter(to_state="stalled").values_list("on", flat=True))
    assert stalled == ([] if day == D(2026, 9, 8) else [D(2026, 9, 9)])


def _complete(o: Onboarding, template: OnboardingTemplate, user: Any) -> None:
    _tick(o, _manual(template, 1), D(2026, 9, 2), user)
    _tick(o, _manual(template, 2), D(2026, 9, 3), user)
    CriterionCheck.objects.create(
        onboarding=o, criterion=_manual(template, 3), met_on=D(2026, 9, 20), source="usage"
    )


def test_the_job_hands_off_many_accounts_as_one_hand_off_after_another(
    world: World, template: Any, line: Any
) -> None:
    # given three adoption CSMs with tied books, eight low-touch accounts (some not paying),
    # two high-touch ones and one whose second product is still onboarding, all in onboarding
    for name in ("adopt1", "adopt2"):
        UserFactory(username=name, role="csm", team=world.other_team)
    Account.objects.filter(pk=world.other_account.pk).update(mrr=5, segment="low", phase="adoption")
    other = ProductFactory(code="ledger", name_ja="会計", name_en="Ledger")
    template_version_create(actor=None, product=other, phases=phases(), note="v1")
    low = [AccountFactory(segment="low", mrr=0 if i % 3 else 500) for i in range(8)]
    high = [AccountFactory(segment="high", mrr=9000) for _ in range(2)]
    waiting = AccountFactory(segment="low", mrr=500)
    Account.objects.update(owner=world.csm, team=world.strategic)
    Account.objects.filter(pk=world.other_account.pk).update(
        owner=world.outsider, team=world.other_team
    )
    Account.objects.exclude(pk=world.other_account.pk).update(phase=Phase.ONBOARDING)
    Account.objects.filter(pk=world.account.pk).update(segment="low", mrr=700)
    for account in [*low, *high, waiting]:
        SubscriptionLineFactory(account=account, product=world.product, start_date=START)
    SubscriptionLineFactory(account=low[0], product=other, start_date=START)
    SubscriptionLineFactory(account=waiting, product=other, start_date=START)
    onboardings_start(as_of=START)
    for o in Onboarding.objects.select_related("template"):
        if not (o.account_id == waiting.pk and o.product_id == other.pk):
            _complete(o, o.template, world.csm)
    leaving = list({o.account_id for o in Onboarding.objects.order_by("pk")} - {waiting.pk})
    # the hand-offs one after the other, in the job's order (undone afterwards)
    with transaction.atomic():
        accounts = Account.objects.in_bulk(leaving)
        for account in (accounts[a] for a in leaving):
            if account.segment == "low":
                account_handoff(actor=None, account=account, note="x")
        expected = dict(Account.objects.values_list("pk", "owner_id"))
        transaction.set_rollback(True)

    # when the job evaluates the onboardings
    report = onboardings_evaluate(as_of=D(2026, 9, 21))

    # then the same owners; the high-touch accounts keep their CSM and move to adoption;
    # the account still onboarding its second product stays; one change per hand-off
    assert report.handed_off == 9
    assert dict(Account.objects.values_list("pk", "owner_id")) == expected
    phases_now = dict(Account.objects.values_list("pk", "phase"))
    assert {phases_now[a] for a in leaving} == {Phase.ADOPTION}
    assert phases_now[waiting.pk] == Phase.ONBOARDING
    assert AssignmentChange.objects.filter(source="handoff").count() == 9
    assert "会計" in AssignmentChange.objects.get(account=low[0]).reason
    moved = AuditEvent.objects.filter(via="job", account__in=high)
    assert sorted(moved.values_list("account_id", "changes")) == [
        (a.pk, {"phase": ["onboarding", "adoption"]}) for a in high
    ]
    assert not Onboarding.objects.filter(account=waiting, handed_off_at__isnull=False).exists()
    assert not Onboarding.objects.filter(
        account__in=leaving, state="completed", handed_off_at__isnull=True
    ).exists()
