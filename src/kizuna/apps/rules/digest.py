"""The morning digest: what a CSM should look at first on a business day, in one message.

``digest_for(member, day=...)`` reads, for one member, in their language:

- 今日: their worklist's top lines (the accounts falling out of coverage soonest, as the 今日
  page orders them), at most ``TOP`` of them, and how many there are;
- the tasks they own that were opened since their last digest (the day before at midnight,
  company time, when there was none), and their open tasks past their due date;
- the onboardings of their accounts that need a push (expected to churn, stalled, or late);
- their accounts whose health grade fell from the day before to ``day``;
- the rule firings of theirs that waited for the digest (``Delivery.DIGEST``: their weekly
  budget of interruptions was spent, or the rule says so) since their last digest.

Each source is read with a fixed number of queries (the onboarding reasons: at most one more per
line shown), so a digest costs the same whatever the size of the member's book.
``rules.digest_send`` (``rules.tasks.morning_digest``) sends it; the renderers are
``digest_email`` and ``digest_slack`` (``integrations.slack.digest``).
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kizuna.apps.coverage.selectors import worklist_dues, worklist_page_rows
from kizuna.apps.health.models import HealthScore
from kizuna.apps.notify.models import Mode, Notification
from kizuna.apps.notify.selectors import preference_for
from kizuna.apps.notify.services import member_message_queue
from kizuna.apps.onboarding.selectors import onboardings_to_push
from kizuna.apps.org.models import User
from kizuna.apps.rules.models import AlertSettings, Delivery, DigestSent, Firing
from kizuna.apps.tasks.models import ACTIVE_STATES, Task, TaskState
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.core.business_days import is_business_day
from kizuna.integrations.slack.digest import SlackDigestSection, slack_digest

log = logging.getLogger("kizuna.rules")

#: at most this many lines per section (the count says how many there are)
TOP = 10


@dataclass(frozen=True)
class DigestItem:
    label: str
    reason: str
    link: str  # a path of this site


@dataclass(frozen=True)
class DigestSection:
    key: str  # worklist, tasks_new, tasks_overdue, onboardings, health, firings
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


def _account_link(account_id: int, anchor: str = "") -> str:
    return reverse("customers:account_detail", args=[account_id]) + anchor


def digest_since(member: User, *, day: dt.date) -> dt.datetime:
    """Since when "new" counts: the member's last digest sent before ``day``, or the day
    before ``day`` at midnight, company time (whichever is later)."""
    zone = zoneinfo.ZoneInfo(tenant_settings_get().time_zone)
    floor = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    last = (
        DigestSent.objects.filter(member=member, day__lt=day)
        .order_by("-day")
        .values_list("sent_at", flat=True)
        .first()
    )
    return max(floor, last) if last is not None else floor


def _worklist(member: User, day: dt.date) -> DigestSection | None:
    dues = worklist_dues(member=member, today=day)
    if not dues:
        return None
    items = []
    for due, account in worklist_page_rows(dues[:TOP]):
        if due.falls_out_on is None:
            reason = _("Never touched: not covered.")
        elif due.days_left is not None and due.days_left <= 0:
            reason = _("Out of coverage since %(day)s.") % {"day": date_format(due.falls_out_on)}
        else:
            reason = _("Falls out of coverage on %(day)s (days left: %(n)d).") % {
                "day": date_format(due.falls_out_on),
                "n": due.days_left or 0,
            }
        items.append(DigestItem(str(account.name), reason, _account_link(account.pk)))
    return DigestSection("worklist", _("Today: your worklist"), tuple(items), len(dues))


def _task_item(task: Task) -> DigestItem:
    label = f"{task.title} — {task.account.name}" if task.account_id else str(task.title)
    reason = _("Due %(day)s.") % {"day": date_format(task.due_date)}
    return DigestItem(label, reason, reverse("tasks:detail", args=[task.pk]))


def _tasks(member: User, day: dt.date, since: dt.datetime) -> list[DigestSection]:
    mine = Task.objects.filter(owner=member).select_related("account")
    new = mine.filter(state__in=ACTIVE_STATES, created_at__gte=since).order_by("due_date", "pk")
    overdue = mine.filter(state=TaskState.OPEN, due_date__lt=day).order_by("due_date", "pk")
    sections = []
    new_count = new.count()
    if new_count:
        items = tuple(_task_item(t) for t in new[:TOP])
        sections.append(DigestSection("tasks_new", _("New tasks"), items, new_count))
    overdue_count = overdue.count()
    if overdue_count:
        items = tuple(_task_item(t) for t in overdue[:TOP])
        sections.append(DigestSection("tasks_overdue", _("Overdue tasks"), items, overdue_count))
    return sections


def _onboardings(member: User, day: dt.date) -> DigestSection | None:
    rows, count = onboardings_to_push(owner=member, today=day, limit=TOP)
    if not count:
        return None
    items = tuple(
        DigestItem(str(o.account.name), reason, reverse("onboarding:detail", args=[o.pk]))
        for o, reason in rows
    )
    return DigestSection("onboardings", _("Onboardings to push"), items, count)


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
    drops = sorted(
        (
            (g[before] - g[day], names[a], a, g[before], g[day])
            for a, g in grades.items()
            if before in g and day in g and g[day] < g[before]
        ),
        key=lambda d: (-d[0], d[1], d[2]),
    )
    if not drops:
        return None
    items = tuple(
        DigestItem(
            name,
            _("Grade %(old)d → %(new)d.") % {"old": old, "new": new},
            _account_link(account_id, "#health"),
        )
        for _fell, name, account_id, old, new in drops[:TOP]
    )
    return DigestSection("health", _("Health drops"), items, len(drops))


def _firings(member: User, since: dt.datetime) -> DigestSection | None:
    rows = (
        Firing.objects.filter(owner=member, delivery=Delivery.DIGEST, created_at__gte=since)
        .select_related("rule", "account")
        .order_by("-priority", "day", "pk")
    )
    count = rows.count()
    if not count:
        return None
    items = tuple(
        DigestItem(
            str(f.account.name),
            f"{f.rule.name}: {f.evidence}" if f.evidence else str(f.rule.name),
            _account_link(f.account_id),
        )
        for f in rows[:TOP]
    )
    return DigestSection("firings", _("Alerts held for the digest"), items, count)


def _notifications(member: User, since: dt.datetime) -> DigestSection | None:
    """The member's notifications since the last digest, when they take theirs "in a
    digest" (notification settings): those were shown in the app only."""
    if preference_for(member).mode != Mode.DIGEST:
        return None
    rows = Notification.objects.filter(member=member, created_at__gte=since).order_by(
        "-created_at", "-pk"
    )
    count = rows.count()
    if not count:
        return None
    items = tuple(
        DigestItem(
            str(n.title),
            " ".join(str(n.body).split())[:200],
            n.safe_link or reverse("notify:list"),
        )
        for n in rows[:TOP]
    )
    return DigestSection("notifications", _("Notifications"), items, count)


def digest_for(member: User, *, day: dt.date) -> Digest:
    """The member's digest for ``day`` (see the module), in their language."""
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


# --- rendering ------------------------------------------------------------------------------


def _absolute(link: str) -> str:
    return f"{settings.BASE_URL}{link}" if link.startswith("/") else link


def _more(section: DigestSection) -> str:
    hidden = section.count - len(section.items)
    return _("…and %(n)d more") % {"n": hidden} if hidden else ""


def digest_subject(digest: Digest) -> str:
    return _("[Kizuna] Your morning digest for %(day)s") % {"day": date_format(digest.day)}


def digest_email(digest: Digest, *, language: str) -> dict[str, str]:
    """The e-mail of the digest: subject, plain-text body and a simple HTML body, in
    ``language``."""
    with translation.override(language or settings.LANGUAGE_CODE):
        text: list[str] = []
        parts: list[str] = []
        for section in digest.sections:
            heading = f"{section.title} ({section.count})"
            text.append(f"■ {heading}")
            parts.append(f"<h2>{html.escape(heading)}</h2>\n<ul>")
            for item in section.items:
                url = _absolute(item.link)
                text.append(f"- {item.label}: {item.reason}\n  {url}")
                parts.append(
                    f'<li><a href="{html.escape(url)}">{html.escape(item.label)}</a>: '
                    f"{html.escape(item.reason)}</li>"
                )
            parts.append("</ul>")
            if more := _more(section):
                text.append(f"  {more}")
                parts.append(f"<p>{html.escape(more)}</p>")
            text.append("")
        footer = _("You receive this because of your notification settings: %(url)s") % {
            "url": _absolute(reverse("notify:preferences"))
        }
        text.append(footer)
        parts.append(f"<p>{html.escape(footer)}</p>")
        return {
            "subject": digest_subject(digest),
            "body": "\n".join(text) + "\n",
            "html": "<html><body>\n" + "\n".join(parts) + "\n</body></html>\n",
        }


def digest_slack(digest: Digest, *, language: str) -> dict[str, object]:
    """The Slack incoming-webhook message of the digest, in ``language``."""
    with translation.override(language or settings.LANGUAGE_CODE):
        sections = [
            SlackDigestSection(
                title=f"{s.title} ({s.count})",
                lines=tuple((i.label, i.reason, _absolute(i.link)) for i in s.items),
                more=_more(s),
            )
            for s in digest.sections
        ]
        return slack_digest(
            title=digest_subject(digest).removeprefix("[Kizuna] "), sections=sections
        )


# --- sending --------------------------------------------------------------------------------


def digest_members() -> QuerySet[User]:
    """The members who opted in to the digest (notification settings) and are active."""
    return User.objects.filter(is_active=True, notification_preference__digest=True).order_by("pk")


def digest_due(*, now: dt.datetime) -> bool:
    """It is a business day, at or after the digest time (company time), and an opted-in
    member has no digest for today yet."""
    tenant = tenant_settings_get()
    local = now.astimezone(zoneinfo.ZoneInfo(tenant.time_zone))
    day = local.date()
    if not is_business_day(day):
        return False
    alert = AlertSettings.objects.first()
    at = alert.digest_time if alert is not None else AlertSettings().digest_time
    if local.time() < at:
        return False
    done = DigestSent.objects.filter(day=day).values("member_id")
    return digest_members().exclude(pk__in=done).exists()


@transaction.atomic
def digest_send(*, member: User, day: dt.date, now: dt.datetime) -> DigestSent | None:
    """Queue the member's digest of ``day`` (e-mail and/or Slack as their settings say) and
    record it, in one transaction: never twice for a member and day (None when it was
    already done). An empty digest is recorded but sends nothing."""
    try:
        with transaction.atomic():  # a savepoint: another run's row wins
            sent = DigestSent.objects.create(member=member, day=day, sent_at=now)
    except IntegrityError:
        return None
    digest = digest_for(member, day=day)
    if digest.empty:
        return sent
    language = member.language or settings.LANGUAGE_CODE
    member_message_queue(
        member=member,
        kind="rules.digest",
        event_id=f"dgs_{sent.pk}",
        email=digest_email(digest, language=language),
        slack=digest_slack(digest, language=language),
        now=now,
    )
    sent.counts = digest.counts()
    sent.save(update_fields=["counts"])
    return sent


def digests_send(*, now: dt.datetime) -> tuple[int, int]:
    """Today's digest (company time) for each opted-in active member without one; returns
    (digests sent, empty ones skipped)."""
    day = now.astimezone(zoneinfo.ZoneInfo(tenant_settings_get().time_zone)).date()
    done = DigestSent.objects.filter(day=day).values("member_id")
    sent = empty = 0
    for member in digest_members().exclude(pk__in=done):
        try:
            record = digest_send(member=member, day=day, now=now)
        except Exception:  # one member's failure (rolled back) never holds the others up
            log.exception("morning digest of member %s on %s failed", member.pk, day)
            continue
        if record is None:
            continue
        if record.counts:
            sent += 1
        else:
            empty += 1
    return sent, empty
