"""Reads of the rules: the list with each rule's current version, one rule's history, the
alert settings, and the conversion of a stored version into the engine's ``Rule``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kizuna.apps.customers.models import Account, Product, Segment
from kizuna.apps.org.models import Team
from kizuna.apps.rules.models import AlertSettings, Rule, RuleAction, RuleVersion, TriggerKind
from kizuna.apps.rules.signals import DEFAULT_MAX_DAYS, account_facts, signals_between
from kizuna.core.rules import model as core
from kizuna.core.rules.model import COMPARE, Compare
from kizuna.core.rules.preview import Preview, preview


@dataclass(frozen=True)
class RuleRow:
    rule: Rule
    current: RuleVersion | None

    @property
    def trigger(self) -> str:
        """The current version's trigger with its threshold, in the active language."""
        if self.current is None:
            return "—"
        return trigger_text(self.current.trigger, self.current.threshold)


def trigger_text(kind: str, threshold: int | None) -> str:
    """A trigger as a CS team says it, with the rule's own threshold in place of "N" ("Setup
    not done by day 14", "Renewal within 90 days"), in the active language. Without a
    threshold: the kinds "within N days" read their signals up to ``DEFAULT_MAX_DAYS`` ahead,
    and say so; the others say the kind alone."""
    days = threshold if threshold is not None else DEFAULT_MAX_DAYS
    if kind == TriggerKind.SETUP_NOT_DONE:
        if threshold is None:
            return _("Setup not done after the kick-off")
        return _("Setup not done by day %(n)s") % {"n": f"{threshold:,}"}
    if kind == TriggerKind.HEALTH_FELL and threshold is not None:
        return _("Health fell %(n)s grade(s) or more") % {"n": threshold}
    if kind == TriggerKind.COVERAGE_DUE:
        return _("Falls out of coverage within %(n)s days") % {"n": f"{days:,}"}
    if kind == TriggerKind.MRR_CONTRACTION and threshold is not None:
        return _("MRR contracted by %(amount)s or more a month") % {"amount": f"{threshold:,}"}
    if kind == TriggerKind.RENEWAL_DUE:
        return _("Renewal within %(n)s days") % {"n": f"{days:,}"}
    if kind == TriggerKind.RENEWAL_PLAN_MISSING and threshold is not None:
        return _("No closing plan with the renewal within %(n)s days") % {"n": f"{threshold:,}"}
    if kind == TriggerKind.NPS_DETRACTOR and threshold is not None:
        return _("NPS detractor (score %(n)s or lower) not yet contacted") % {"n": threshold}
    if kind == TriggerKind.PLAN_REVIEW_OVERDUE and threshold is not None:
        return _("Closing plan review overdue by %(n)s days or more") % {"n": f"{threshold:,}"}
    return str(TriggerKind(kind).label)


def rule_current_version(rule: Rule) -> RuleVersion | None:
    """The rule's latest version (what it does now), or None for a rule without any."""
    return (
        RuleVersion.objects.filter(rule=rule)
        .select_related("playbook")
        .order_by("-version")
        .first()
    )


def rule_versions(rule: Rule) -> QuerySet[RuleVersion]:
    """Every version of the rule, newest first, with who saved each."""
    return (
        RuleVersion.objects.filter(rule=rule)
        .select_related("created_by", "playbook")
        .order_by("-version")
    )


def rules_list() -> list[RuleRow]:
    """Every rule with its current version, in the order they were created (two queries)."""
    newest_first = RuleVersion.objects.select_related("playbook").order_by("-version")
    rules = Rule.objects.prefetch_related(Prefetch("versions", queryset=newest_first))
    return [RuleRow(rule, next(iter(rule.versions.all()), None)) for rule in rules]


def alert_settings() -> AlertSettings:
    """The company's alert settings: the stored row, or the defaults (unsaved) before an admin
    has saved any."""
    return AlertSettings.objects.order_by("pk").first() or AlertSettings()


def rule_of(version: RuleVersion) -> core.Rule:
    """The engine's rule for a stored (or unsaved, previewed) version; an unsaved rule gets
    id 0."""
    return core.Rule(
        id=version.rule_id or 0,
        trigger=core.Trigger(core.TriggerKind(version.trigger), version.threshold),
        filter=core.RuleFilter(
            segments=frozenset(version.segments),
            products=frozenset(version.products),
            teams=frozenset(version.teams),
            grades=frozenset(int(g) for g in version.grades),
            mrr_min=version.mrr_min,
            mrr_max=version.mrr_max,
        ),
        actions=frozenset(core.Action(a) for a in version.actions),
        priority=core.Priority(version.priority),
        cooldown_days=version.cooldown_days,
        version=version.version or 0,
    )


#: how many weeks a preview replays
PREVIEW_WEEKS = 12


def rule_preview(version: RuleVersion, *, today: dt.date) -> Preview:
    """What ``version`` would have done (``core.rules.preview``): the accounts it matches
    ``today``, and the tasks and alerts of each of the 12 weeks ending ``today``, from the
    signals of its kind over ``today − 83 … today`` and the accounts' facts of ``today``."""
    rule = rule_of(version)
    start = today - dt.timedelta(days=7 * PREVIEW_WEEKS - 1)
    found = signals_between(start=start, end=today, kinds=[rule.trigger.kind])
    return preview(rule, found, account_facts(on=today), today=today, weeks=PREVIEW_WEEKS)


@dataclass(frozen=True)
class MatchingAccount:
    id: int
    name: str


#: how many of today's matching accounts a page lists (it gives the count of all)
MATCHING_SHOWN = 50


def matching_accounts(result: Preview, *, limit: int = MATCHING_SHOWN) -> list[MatchingAccount]:
    """The first ``limit`` of the accounts a preview matches today, by name."""
    rows = Account.objects.filter(pk__in=result.matching_today).order_by("name", "pk")
    return [MatchingAccount(pk, name) for pk, name in rows.values_list("pk", "name")[:limit]]


def version_terms(version: RuleVersion) -> list[tuple[str, str]]:
    """What a version says, as (term, text) rows in the reader's language (the rule page and
    its history): the trigger and threshold, each filter that narrows, the actions, the
    priority, the cool-down and the task's due days."""
    sep = pgettext("list separator", ", ")
    rows = [(_("Trigger"), trigger_text(version.trigger, version.threshold))]
    if version.threshold is not None:
        at_least = COMPARE[core.TriggerKind(version.trigger)] is Compare.AT_LEAST
        text = _("at least %(n)s") if at_least else _("at most %(n)s")
        rows.append((_("Threshold"), text % {"n": f"{version.threshold:,}"}))
    segments = dict(Segment.choices)
    products = {p.code: p.name for p in Product.objects.filter(code__in=version.products)}
    teams = {t.code: t.name for t in Team.objects.filter(code__in=version.teams)}
    for term, codes, names in (
        (_("Touch models"), version.segments, segments),
        (_("Products"), version.products, products),
        (_("Teams"), version.teams, teams),
    ):
        if codes:
            rows.append((term, sep.join(str(names.get(c, c)) for c in codes)))
    if version.grades:
        rows.append((_("Health grades"), ", ".join(str(g) for g in version.grades)))
    if version.mrr_min is not None or version.mrr_max is not None:
        low = f"{version.mrr_min:,}" if version.mrr_min is not None else ""
        high = f"{version.mrr_max:,}" if version.mrr_max is not None else ""
        rows.append((_("MRR"), f"{low} – {high}"))
    labels = dict(RuleAction.choices)  # in the choices' order: task, notify, webhook, playbook
    rows += [
        (_("Actions"), sep.join(str(label) for a, label in labels.items() if a in version.actions)),
    ]
    if version.playbook is not None:
        rows.append((_("Playbook"), version.playbook.name))
    rows += [
        (_("Priority"), version.get_priority_display()),
        (_("Cool-down (days)"), str(version.cooldown_days)),
        (_("Task due in (business days)"), str(version.due_in_business_days)),
    ]
    return rows
