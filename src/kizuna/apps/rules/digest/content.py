"""What a digest holds, and one member's digest read on its own (``digest_for``).

The sections are built by the same helpers here whether their rows were read for one member
(``digest_for``, about sixteen queries) or for every member at once (``digest.batch``): both
must give the same digest, and a test holds them to it.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kizuna.apps.coverage.selectors import worklist_dues, worklist_page_rows
from kizuna.apps.health.models import HealthScore
from kizuna.apps.notify.models import Mode, Notification
from kizuna.apps.notify.selectors import preference_for
from kizuna.apps.onboarding.selectors import onboardings_to_push
from kizuna.apps.org.models import User
from kizuna.apps.rules.models import Delivery, DigestSent, Firing
from kizuna.apps.tasks.models import ACTIVE_STATES, Task, TaskState
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.core.coverage import CoverageDue

#: at most this many lines per section (the count says how many there are)
TOP = 10


@dataclass(frozen=True)
class DigestItem:
    label: str
    reason: str
    link: str  # a path of this site


@dataclass(frozen=True)
class DigestSection:
    key: str  # worklist, tasks_new, tasks_overdue, onboardings, health, firings, notifications
    title: str
    items: tuple[DigestItem, ...]
    count: int  # all of them, when more than the items shown


@dataclass(frozen=True)
class Digest:
    member_id: int
    day: dt.date
    sections: tuple[DigestSection, ...]  # only those with something in them

    @property
    def empty(self) -> bool:
        return not self.sections

    def counts(self) -> dict[str, int]:
        return {section.key: section.count for section in self.sections}


#: a health drop: (grades fallen, account name, account id, grade before, grade on the day)
Drop = tuple[int, str, int, int, int]


def account_link(account_id: int, anchor: str = "") -> str:
    return reverse("customers:account_detail", args=[account_id]) + anchor


def digest_floor(day: dt.date) -> dt.datetime:
    """The day before ``day`` at midnight, company time: "new" never reaches further back."""
    zone = zoneinfo.ZoneInfo(tenant_settings_get().time_zone)
    return dt.datetime.combine(day - dt.timedelta(days=1), dt.time(0), tzinfo=zone)


def digest_since(member: User, *, day: dt.date) -> dt.datetime:
    """Since when "new" counts: the member's last digest sent before ``day``, or the day
    before ``day`` at midnight, company time (whichever is later)."""
    floor = digest_floor(day)
    last = (
        DigestSent.objects.filter(member=member, day__lt=day)
        .order_by("-day")
        .values_list("sent_at", flat=True)
        .first()
    )
    return max(floor, last) if last is not None else floor


# --- sections from rows (shared by the one-member and the batch reads) ------------------------


def worklist_section(lines: Sequence[tuple[CoverageDue, str]], count: int) -> DigestSection | None:
    """The worklist's first lines (each with its account's name) and how many there are."""
    if not count:
        return None
    items = []
    for due, name in lines:
        if due.falls_out_on is None:
            reason = _("Never touched: not covered.")
        elif due.days_left is not None and due.days_left <= 0:
            reason = _("Out of coverage since %(day)s.") % {"day": date_format(due.falls_out_on)}
        else:
            reason = _("Falls out of coverage on %(day)s (days left: %(n)d).") % {
                "day": date_format(due.falls_out_on),
                "n": due.days_left or 0,
            }
        items.append(DigestItem(name, reason, account_link(due.account_id)))
    return DigestSection("worklist", _("Today: your worklist"), tuple(items), count)


def task_item(pk: int, title: str, account_name: str | None, due_date: dt.date) -> DigestItem:
    label = f"{title} — {account_name}" if account_name is not None else title
    reason = _("Due %(day)s.") % {"day": date_format(due_date)}
    return DigestItem(label, reason, reverse("tasks:detail", args=[pk]))


def tasks_sections(
    new: Sequence[DigestItem], new_count: int, overdue: Sequence[DigestItem], overdue_count: int
) -> list[DigestSection]:
    sections = []
    if new_count:
        sections.append(DigestSection("tasks_new", _("New tasks"), tuple(new), new_count))
    if overdue_count:
        sections.append(
            DigestSection("tasks_overdue", _("Overdue tasks"), tuple(overdue), overdue_count)
        )
    return sections


def onboardings_section(items: Sequence[DigestItem], count: int) -> DigestSection | None:
    if not count:
        return None
    return DigestSection("onboardings", _("Onboardings to push"), tuple(items), count)


def onboarding_item(pk: int, account_name: str, reason: str) -> DigestItem:
    return DigestItem(account_name, reason, reverse("onboarding:detail", args=[pk]))


def health_section(drops: Sequence[Drop]) -> DigestSection | None:
    """The drops, the largest fall first, then by account name and id."""
    ordered = sorted(drops, key=lambda d: (-d[0], d[1], d[2]))
    if not ordered:
        return None
    items = tuple(
        DigestItem(
            name,
            _("Grade %(old)d → %(new)d.") % {"old": old, "new": new},
            account_link(account_id, "#health"),
        )
        for _fell, name, account_id, old, new in ordered[:TOP]
    )
    return DigestSection("health", _("Health drops"), items, len(ordered))


def firing_item(account_id: int, account_name: str, rule_name: str, evidence: str) -> DigestItem:
    reason = f"{rule_name}: {evidence}" if evidence else rule_name
    return DigestItem(account_name, reason, account_link(account_id))


def firings_section(items: Sequence[DigestItem], count: int) -> DigestSection | None:
    if not count:
        return None
    return DigestSection("firings", _("Alerts held for the digest"), tuple(items), count)


def notification_item(notification: Notification) -> DigestItem:
    return DigestItem(
        str(notification.title),
        " ".join(str(notification.body).split())[:200],
        notification.safe_link or reverse("notify:list"),
    )


def notifications_section(items: Sequence[DigestItem], count: int) -> DigestSection | None:
    if not count:
        return None
    return DigestSection("notifications", _("Notifications"), tuple(items), count)


# --- one member's digest ------------------------------------------------------------------


def _worklist(member: User, day: dt.date) -> DigestSection | None:
    dues = worklist_dues(member=member, today=day)
    lines = [(due, str(account.name)) for due, account in worklist_page_rows(dues[:TOP])]
    return worklist_section(lines, len(dues))


def _tasks(member: User, day: dt.date, since: dt.datetime) -> list[DigestSection]:
    mine = Task.objects.filter(owner=member).select_related("account")
    new = mine.filter(state__in=ACTIVE_STATES, created_at__gte=since).order_by("due_date", "pk")
    overdue = mine.filter(state=TaskState.OPEN, due_date__lt=day).order_by("due_date", "pk")

    def item(t: Task) -> DigestItem:
        name = str(t.account.name) if t.account_id and t.account else None
        return task_item(t.pk, str(t.title), name, t.due_date)

    new_count, overdue_count = new.count(), overdue.count()
    return tasks_sections(
        [item(t) for t in new[:TOP]] if new_count else [],
        new_count,
        [item(t) for t in overdue[:TOP]] if overdue_count else [],
        overdue_count,
    )


def _onboardings(member: User, day: dt.date) -> DigestSection | None:
    rows, count = onboardings_to_push(owner=member, today=day, limit=TOP)
    items = [onboarding_item(o.pk, str(o.account.name), reason) for o, reason in rows]
    return onboardings_section(items, count)


def _health(member: User, day: dt.date) -> DigestSection | None:
    before = day - dt.timedelta(days=1)
    rows = HealthScore.objects.filter(
        account__owner=member, day__in=[before, day], grade__isnull=False
    ).values_list("account_id", "account__name", "day", "grade")
    grades: dict[int, dict[dt.date, int]] = {}
    names: dict[int, str] = {}
    for account_id, name, score_day, grade in rows:
        if grade is not None:
            grades.setdefault(account_id, {})[score_day] = grade
        names[account_id] = name
    return health_section(
        [
            (g[before] - g[day], names[a], a, g[before], g[day])
            for a, g in grades.items()
            if before in g and day in g and g[day] < g[before]
        ]
    )


def _firings(member: User, since: dt.datetime) -> DigestSection | None:
    rows = (
        Firing.objects.filter(owner=member, delivery=Delivery.DIGEST, created_at__gte=since)
        .select_related("rule", "account")
        .order_by("-priority", "day", "pk")
    )
    count = rows.count()
    items = [
        firing_item(f.account_id, str(f.account.name), str(f.rule.name), str(f.evidence))
        for f in (rows[:TOP] if count else [])
    ]
    return firings_section(items, count)


def _notifications(member: User, since: dt.datetime) -> DigestSection | None:
    """The member's notifications since the last digest, when they take theirs "in a
    digest" (notification settings): those were shown in the app only."""
    if preference_for(member).mode != Mode.DIGEST:
        return None
    # an alert held for the digest is in its own section already
    rows = Notification.objects.filter(
        member=member, created_at__gte=since, held_for_digest=False
    ).order_by("-created_at", "-pk")
    count = rows.count()
    return notifications_section([notification_item(n) for n in rows[:TOP]] if count else [], count)


def digest_for(member: User, *, day: dt.date) -> Digest:
    """The member's digest for ``day`` (see ``kizuna.apps.rules.digest``), in their language,
    read for this member alone (``digests_for`` reads every member's at once)."""
    since = digest_since(member, day=day)
    with translation.override(member.language or settings.LANGUAGE_CODE):
        found = [
            _worklist(member, day),
            *_tasks(member, day, since),
            _onboardings(member, day),
            _health(member, day),
            _firings(member, since),
            _notifications(member, since),
        ]
    return Digest(member.pk, day, tuple(s for s in found if s is not None))
