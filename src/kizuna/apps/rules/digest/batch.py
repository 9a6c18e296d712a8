"""Every member's morning digest from one read of each source (``digests_for``).

The one-member reads (``digest_for``) cost about sixteen queries a member: 3,200 for 200
members. Here each source is read once for all the members (``digest_reads``: the last
digests sent, the worklists' accounts and their last touches, the tasks, the onboardings to
push and their reasons, the health drops, the held firings, the notification settings and
notifications: about fifteen queries whatever the number of members), and each member's
digest is then built from those rows in memory (``digest_build``) with the same section
helpers as ``digest_for``, in the member's language. None of the reads lists account ids in
an ``IN``: the accounts are joined by their owner, so no statement grows with the book (SQLite
bounds a statement's variables).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import translation

from kizuna.apps.coverage.selectors import worklists_dues
from kizuna.apps.customers.models import Account
from kizuna.apps.health.models import HealthScore
from kizuna.apps.notify.models import Mode, Notification, NotificationPreference
from kizuna.apps.onboarding.selectors import PushLists, onboardings_to_push_of
from kizuna.apps.org.models import User
from kizuna.apps.rules.digest.content import (
    TOP,
    Digest,
    DigestSection,
    Drop,
    digest_floor,
    firing_item,
    firings_section,
    health_section,
    notification_item,
    notifications_section,
    onboarding_item,
    onboardings_section,
    task_item,
    tasks_sections,
    worklist_section,
)
from kizuna.apps.rules.models import Delivery, DigestSent, Firing
from kizuna.apps.tasks.models import ACTIVE_STATES, Task, TaskState
from kizuna.core.coverage import CoverageDue
from kizuna.db.rows import paused_gc

#: a task: pk, title, account name (None without an account), due date, state, created at
_TaskRow = tuple[int, str, str | None, dt.date, str, dt.datetime]
#: a held firing: created at, account id, account name, rule name, evidence
_FiringRow = tuple[dt.datetime, int, str, str, str]


@dataclass(frozen=True)
class DigestReads:
    """What ``digest_reads`` read for a set of members, by member id."""

    day: dt.date
    since: dict[int, dt.datetime]
    worklists: dict[int, list[CoverageDue]]
    account_names: dict[int, str]  # of the worklists' first lines
    tasks: dict[int, list[_TaskRow]]  # by due date, then id
    pushes: PushLists
    drops: dict[int, list[Drop]]
    firings: dict[int, list[_FiringRow]]  # by priority (highest first), day, id
    notifications: dict[int, list[Notification]] | None  # of the "in a digest" members only


def digests_for(members: Sequence[User], *, day: dt.date) -> dict[int, Digest]:
    """Each member's digest for ``day`` by member id, equal to ``digest_for(member, day=day)``
    of each, from one read of each source."""
    reads = digest_reads(members, day=day)
    return {member.pk: digest_build(member, reads=reads) for member in members}


@paused_gc()  # every worklist of a 100,000-account book: see ``paused_gc``
def digest_reads(members: Sequence[User], *, day: dt.date) -> DigestReads:
    """Every source of the digest for ``members`` on ``day``, one query (or a few) each."""
    ids = [member.pk for member in members]
    floor = digest_floor(day)  # nobody's "since" is earlier
    since = dict.fromkeys(ids, floor)
    last = DigestSent.objects.filter(member_id__in=ids, day__lt=day).order_by("member_id", "day")
    for member_id, sent_at in last.values_list("member_id", "sent_at"):
        since[member_id] = max(floor, sent_at)  # the latest day's comes last
    worklists = worklists_dues(member_ids=ids, today=day)
    tops = [due.account_id for dues in worklists.values() for due in dues[:TOP]]
    names = dict(Account.objects.filter(pk__in=tops).values_list("pk", "name")) if tops else {}
    return DigestReads(
        day=day,
        since=since,
        worklists=worklists,
        account_names=names,
        tasks=_tasks(ids, day, floor),
        pushes=onboardings_to_push_of(owner_ids=ids, today=day, limit=TOP),
        drops=_drops(ids, day),
        firings=_firings(ids, floor),
        notifications=_notifications(ids, floor),
    )


def _tasks(ids: list[int], day: dt.date, floor: dt.datetime) -> dict[int, list[_TaskRow]]:
    """The members' tasks that may be new (active, created since the floor) or overdue."""
    rows = (
        Task.objects.filter(owner_id__in=ids)
        .filter(
            Q(state__in=ACTIVE_STATES, created_at__gte=floor)
            | Q(state=TaskState.OPEN, due_date__lt=day)
        )
        .order_by("due_date", "pk")
        .values_list("owner_id", "pk", "title", "account__name", "due_date", "state", "created_at")
    )
    found: defaultdict[int, list[_TaskRow]] = defaultdict(list)
    for owner_id, pk, title, name, due, state, created in rows:
        found[owner_id].append((pk, title, name, due, state, created))
    return found


def _drops(ids: list[int], day: dt.date) -> dict[int, list[Drop]]:
    """The members' accounts whose grade on ``day`` is below the day before's: the day's
    scores joined to the day before's on the (account, day) index, in SQL."""
    before = HealthScore.objects.filter(
        account_id=OuterRef("account_id"), day=day - dt.timedelta(days=1), grade__isnull=False
    ).values("grade")[:1]
    rows = (
        HealthScore.objects.filter(day=day, grade__isnull=False, account__owner_id__in=ids)
        .annotate(old=Subquery(before))
        .filter(old__gt=F("grade"))
        .values_list("account__owner_id", "account_id", "account__name", "old", "grade")
    )
    found: defaultdict[int, list[Drop]] = defaultdict(list)
    for owner_id, account_id, name, old, new in rows:
        if new is not None:  # the filter keeps graded scores only
            found[owner_id].append((old - new, name, account_id, old, new))
    return found


def _firings(ids: list[int], floor: dt.datetime) -> dict[int, list[_FiringRow]]:
    rows = (
        Firing.objects.filter(owner_id__in=ids, delivery=Delivery.DIGEST, created_at__gte=floor)
        .order_by("-priority", "day", "pk")
        .values_list(
            "owner_id", "created_at", "account_id", "account__name", "rule__name", "evidence"
        )
    )
    found: defaultdict[int, list[_FiringRow]] = defaultdict(list)
    for owner_id, created, account_id, name, rule, evidence in rows:
        found[owner_id].append((created, account_id, name, rule, evidence))
    return found


def _notifications(ids: list[int], floor: dt.datetime) -> dict[int, list[Notification]] | None:
    """The notifications of the members who take theirs "in a digest" (None: nobody does)."""
    digest_mode = list(
        NotificationPreference.objects.filter(member_id__in=ids, mode=Mode.DIGEST).values_list(
            "member_id", flat=True
        )
    )
    if not digest_mode:
        return None
    # an alert held for the digest is in its own section already
    rows = Notification.objects.filter(
        member_id__in=digest_mode, created_at__gte=floor, held_for_digest=False
    )
    found: dict[int, list[Notification]] = {member_id: [] for member_id in digest_mode}
    for notification in rows.order_by("-created_at", "-pk"):
        found[notification.member_id].append(notification)
    return found


def digest_build(member: User, *, reads: DigestReads) -> Digest:
    """The member's digest from ``reads`` (no query), in their language."""
    pk, day, since = member.pk, reads.day, reads.since[member.pk]
    with translation.override(member.language or settings.LANGUAGE_CODE):
        dues = reads.worklists.get(pk, [])
        names = reads.account_names
        lines = [(due, names[due.account_id]) for due in dues[:TOP] if due.account_id in names]
        tasks = reads.tasks.get(pk, [])
        new = [t for t in tasks if t[4] in ACTIVE_STATES and t[5] >= since]
        overdue = [t for t in tasks if t[4] == TaskState.OPEN and t[3] < day]
        pushes = reads.pushes.rows.get(pk, [])
        firings = [f for f in reads.firings.get(pk, []) if f[0] >= since]
        notes = [n for n in (reads.notifications or {}).get(pk, []) if n.created_at >= since]
        found: list[DigestSection | None] = [
            worklist_section(lines, len(dues)),
            *tasks_sections(
                [task_item(t[0], t[1], t[2], t[3]) for t in new[:TOP]],
                len(new),
                [task_item(t[0], t[1], t[2], t[3]) for t in overdue[:TOP]],
                len(overdue),
            ),
            onboardings_section(
                [
                    onboarding_item(o.pk, str(o.account.name), reads.pushes.reason(o, today=day))
                    for o in pushes
                ],
                reads.pushes.counts.get(pk, 0),
            ),
            health_section(reads.drops.get(pk, [])),
            firings_section([firing_item(*f[1:]) for f in firings[:TOP]], len(firings)),
            notifications_section([notification_item(n) for n in notes[:TOP]], len(notes))
            if reads.notifications is not None and pk in reads.notifications
            else None,
        ]
    return Digest(pk, day, tuple(s for s in found if s is not None))
