"""A rule's record from what happened after it fired (``core.rules.measure``, docs/metrics.md
"Rules"): each firing with its task, the first churn or contraction of its account after it,
and the account's next renewal after the task was done (from the subscription lines: a line's
``renewal_date``, or a term boundary of a renewing line as ``core.renewals`` derives them;
retained when the account still has MRR on that day)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from kizuna.apps.customers.models import SubscriptionLine
from kizuna.apps.rules.models import Firing, Rule, RuleAction, RuleVersion
from kizuna.apps.rules.signals import mrr_on
from kizuna.apps.tasks.models import TaskState
from kizuna.core.calendar import add_months
from kizuna.core.renewals.generate import MAX_TERM, Line, boundaries, term_of
from kizuna.core.rules.measure import FiringOutcome, RuleRecord, rule_record

#: start, end, MRR, renewal date, contract term in months (``core.renewals.term_of``)
_Line = tuple[dt.date, dt.date | None, int, dt.date | None, int]


def _lines(account_ids: Iterable[int]) -> dict[int, list[_Line]]:
    lines: defaultdict[int, list[_Line]] = defaultdict(list)
    ids = sorted(set(account_ids))
    for start in range(0, len(ids), 5000):
        rows = SubscriptionLine.objects.filter(account_id__in=ids[start : start + 5000])
        for account_id, start_date, end_date, mrr, renewal, period, term in rows.values_list(
            "account_id", "start_date", "end_date", "mrr", "renewal_date", "billing_period",
            "term_months",
        ):  # fmt: skip
            lines[account_id].append((start_date, end_date, mrr, renewal, term_of(period, term)))
    return lines


def _mrr_on(lines: Sequence[_Line], day: dt.date) -> int:
    return mrr_on(((start, end, mrr) for start, end, mrr, _r, _t in lines), day)


def lost_on(lines: Sequence[_Line], after: dt.date) -> dt.date | None:
    """The first day after ``after`` on which the account's MRR falls (a churn or a
    contraction), or None."""
    changes = sorted({line[0] for line in lines} | {line[1] for line in lines if line[1]})
    for day in changes:
        if day > after and _mrr_on(lines, day) < _mrr_on(lines, day - dt.timedelta(days=1)):
            return day
    return None


def next_renewal(lines: Sequence[_Line], on_or_after: dt.date) -> dt.date | None:
    """The first renewal on or after ``on_or_after`` of any of the lines: a line's
    ``renewal_date`` (the next one, as the CRM keeps it), or the first due term boundary of a
    line that renews (a term of a year or more: ``core.renewals.generate.boundaries``, which
    also gives the renewals already passed, and the one a line ended on)."""
    dates = []
    for start, end, _mrr, renewal, term in lines:
        if renewal is not None and renewal >= on_or_after:
            dates.append(renewal)
        try:
            until = add_months(on_or_after, MAX_TERM)
        except ValueError:  # past the year 9999
            until = dt.date.max
        line = Line(0, 0, 0, start, end, 0, term, renewal)
        dates.extend(boundaries(line, until=until, since=on_or_after)[:1])
    return min(dates, default=None)


def rule_outcomes(rule: Rule, *, as_of: dt.date) -> list[FiringOutcome]:
    firings = list(
        Firing.objects.filter(rule=rule, day__lte=as_of)
        .select_related("task")
        .order_by("day", "pk")
    )
    lines = _lines(f.account_id for f in firings)
    opens_tasks = {
        v: RuleAction.TASK in actions
        for v, actions in RuleVersion.objects.filter(rule=rule).values_list("version", "actions")
    }
    outcomes = []
    for firing in firings:
        held = lines.get(firing.account_id, [])
        task = firing.task
        done = task is not None and task.state == TaskState.DONE
        first_action = None
        if task is not None and task.first_action_at is not None:
            first_action = task.first_action_at - task.created_at
        renewal = retained = None
        if done and task is not None and task.closed_at is not None:
            renewal = next_renewal(held, task.closed_at.date())
            if renewal is not None and renewal <= as_of:
                retained = _mrr_on(held, renewal) > 0
        outcomes.append(
            FiringOutcome(
                account_id=firing.account_id,
                fired_on=firing.day,
                task_done=done,
                task_dismissed=task is not None and task.state == TaskState.DISMISSED,
                first_action_after=first_action,
                lost_on=lost_on(held, firing.day),
                renewal_on=renewal,
                retained=retained,
                # carried out, its version opens tasks, and no task: nobody could own it
                unowned=(
                    task is None
                    and firing.acted_at is not None
                    and opens_tasks.get(firing.rule_version, False)
                ),
            )
        )
    return outcomes


def rule_record_of(rule: Rule, *, as_of: dt.date) -> RuleRecord:
    """The rule's record up to ``as_of`` (docs/metrics.md, "Rules")."""
    return rule_record(rule_outcomes(rule, as_of=as_of), as_of=as_of)
