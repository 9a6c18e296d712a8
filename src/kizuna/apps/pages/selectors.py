"""What the composed pages read: each from the app that owns it, put together here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.formats import date_format

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.coverage.selectors import account_coverage
from kizuna.apps.coverage.touches import last_touches
from kizuna.apps.customers.charts import mrr_history
from kizuna.apps.customers.models import Account, Channel, Phase, Segment
from kizuna.apps.customers.selectors import account_lines, account_parent_links
from kizuna.apps.health.selectors import account_health, latest_grades
from kizuna.apps.health.services import health_score_refresh_if_stale
from kizuna.apps.revenue.selectors import account_mrr_movements
from kizuna.apps.usage.selectors import account_usage
from kizuna.core.groups import children_of, group_members, group_roll_up, root
from kizuna.core.money import format_money
from kizuna.core.mrr_history import LineSpan, monthly_mrr

TIMELINE_PAGE_SIZE = 25
HISTORY_PAGE_SIZE = 15


def account_last_touch(*, accounts: Sequence[Account], today: dt.date) -> dict[int, dt.date]:
    """The day of each account's last touch (``coverage.touches.last_touches``, the one
    definition the header and the coverage worklist share); accounts never touched are absent."""
    return {pk: touch.day for pk, touch in last_touches(accounts=accounts, today=today).items()}


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountListRow:
    """One row of the account list, every value ready to print (the template only escapes
    them): labels are looked up once per distinct value on the page, not once per row."""

    url: str
    name: str
    kana: str
    #: the partner's name for an account sold through one (possibly empty); None when direct
    partner: str | None
    segment: str
    segment_label: str
    phase: str
    phase_label: str
    owner: str  # "—" without one
    team: str  # "—" without one
    mrr: str  # in the company currency
    last_touch: str  # the day of the last touch (short date format), "—" without one
    #: the same day as a date (None without one), for what compares it with other pages
    last_touch_on: dt.date | None
    #: the name of the top of the account's group (グループ), None when it is in no group
    group: str | None = None
    #: the account list filtered to that group ("" when in no group)
    group_url: str = ""


def account_list_rows(
    *, accounts: Sequence[Account], today: dt.date, currency: str
) -> list[AccountListRow]:
    """The account list's rows for one page of accounts (read with their owner and team):
    their last touch (``account_last_touch``, one query) and every label, in the active
    language."""
    last_touch = account_last_touch(accounts=accounts, today=today)
    groups = _row_groups(accounts)
    list_url = reverse("customers:account_list")
    segments = {value: str(label) for value, label in Segment.choices}
    phases = {value: str(label) for value, label in Phase.choices}
    people: dict[int | None, str] = {None: "—"}
    teams: dict[int | None, str] = {None: "—"}
    days: dict[dt.date | None, str] = {None: "—"}
    # one reverse() for the page: every account's address differs only by its id
    url_template = reverse("customers:account_detail", args=[_URL_SENTINEL])
    rows = []
    for account in accounts:
        if account.owner_id not in people:
            people[account.owner_id] = str(account.owner)
        if account.team_id not in teams:
            teams[account.team_id] = str(account.team)
        top, group = groups.get(account.pk, (0, None))
        day = last_touch.get(account.pk)
        if day is not None and day not in days:
            days[day] = date_format(day, "SHORT_DATE_FORMAT") or "—"
        rows.append(
            AccountListRow(
                url=url_template.replace(str(_URL_SENTINEL), str(account.pk)),
                name=account.name,
                kana=account.kana,
                partner=account.partner_name if account.channel == Channel.PARTNER else None,
                segment=account.segment,
                segment_label=segments.get(account.segment, account.segment),
                phase=account.phase,
                phase_label=phases.get(account.phase, account.phase),
                owner=people[account.owner_id],
                team=teams[account.team_id],
                mrr=format_money(int(account.mrr), currency or "JPY"),
                last_touch=days[day],
                last_touch_on=day,
                group=group,
                group_url=f"{list_url}?group={top}" if group is not None else "",
            )
        )
    return rows


def _row_groups(accounts: Sequence[Account]) -> dict[int, tuple[int, str | None]]:
    """Each account of the page that is in a group → (its group's root, the root's name): the
    parent links (one query, the accounts that have a parent) and the names of the roots not
    on the page (one more query, only when there are such roots)."""
    links = account_parent_links()
    if not links:
        return {}
    roots = {a.pk: root(a.pk, links) for a in accounts if a.pk in links}
    names = {a.pk: a.name for a in accounts}
    missing = set(roots.values()) - set(names)
    if missing:
        names.update(Account.objects.filter(pk__in=sorted(missing)).values_list("pk", "name"))
    return {pk: (top, names.get(top, "—")) for pk, top in roots.items()}


#: an id no account has, to build account addresses from one ``reverse()``
_URL_SENTINEL = 987_654_321_987_654_321


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupAccount:
    """One account of a group as the group panel links it."""

    pk: int
    name: str
    url: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountGroupPanel:
    """The account page's group panel (グループ): the account's parent and children, and the
    roll-ups of its whole group (``kizuna.core.groups``): the root and every account below it."""

    root: GroupAccount
    parent: GroupAccount | None
    children: tuple[GroupAccount, ...]  # by name
    size: int  # accounts in the group, the root included
    mrr: int  # the group's MRR: the sum of each member's MRR as its page shows it (Account.mrr)
    worst_grade: int | None  # the lowest latest grade of a member; None when none is graded
    list_url: str  # the account list filtered to the group


def account_group_panel(*, account: Account) -> AccountGroupPanel | None:
    """The group panel of the account's page, or None when the account is in no group (no
    parent, no children). Three queries whatever the group's size: the parent links, the
    members' names and MRR, their latest grades."""
    links = account_parent_links()
    if account.pk not in links:
        return None
    members = Account.objects.filter(pk__in=group_members(account.pk, links))
    rows = {pk: (name, int(mrr)) for pk, name, mrr in members.values_list("pk", "name", "mrr")}
    roll_up = group_roll_up(
        account.pk,
        links,
        mrr={pk: mrr for pk, (_, mrr) in rows.items()},
        grades=latest_grades(account_ids=rows),
    )
    url_template = reverse("customers:account_detail", args=[_URL_SENTINEL])

    def linked(pk: int) -> GroupAccount:
        name = rows[pk][0] if pk in rows else "—"
        return GroupAccount(pk=pk, name=name, url=url_template.replace(str(_URL_SENTINEL), str(pk)))

    children = [linked(pk) for pk in children_of(links).get(account.pk, ())]
    parent = links.get(account.pk)
    return AccountGroupPanel(
        root=linked(roll_up.root),
        parent=linked(parent) if parent is not None and parent in rows else None,
        children=tuple(sorted(children, key=lambda child: (child.name, child.pk))),
        size=len(roll_up.members),
        mrr=roll_up.mrr,
        worst_grade=roll_up.worst_grade,
        list_url=f"{reverse('customers:account_list')}?group={roll_up.root}",
    )


def account_page_data(
    *,
    account: Account,
    today: dt.date,
    timeline_page: str | None = None,
    history_page: str | None = None,
    currency: str,
) -> dict[str, Any]:
    """Everything the account 360 page shows, in a fixed number of queries; the touchpoint
    timeline and the change history newest first, a page of each."""
    lines = list(account_lines(account=account))
    spans = [
        LineSpan(start=line.start_date, end=line.end_date, mrr=int(line.mrr)) for line in lines
    ]
    history = monthly_mrr(spans, last_month=today, months=24)
    timeline = Paginator(
        account.touchpoints.select_related("csm")
        .prefetch_related("contacts")
        .order_by("-occurred_at", "-id"),
        TIMELINE_PAGE_SIZE,
    ).get_page(timeline_page)
    touchpoints = list(timeline.object_list)
    changes = Paginator(
        AuditEvent.objects.filter(account=account).select_related("actor"), HISTORY_PAGE_SIZE
    ).get_page(history_page)
    # a touch logged since the account's score: rescore it before showing the score
    health_score_refresh_if_stale(account=account, today=today)
    coverage = account_coverage(account=account, today=today)
    # the coverage line's last touch is the day ``last_touches`` reads: ask again only without it
    last_touch = (
        coverage.last_touch
        if coverage is not None
        else account_last_touch(accounts=[account], today=today).get(account.pk)
    )
    return {
        "lines": [(line, line.is_active_on(today)) for line in lines],
        "mrr_chart": mrr_history(history, currency=currency),
        "mrr_movements": account_mrr_movements(account=account, as_of=today, lines=lines),
        "contacts": list(account.contacts.order_by("name", "id")),
        "touchpoints": touchpoints,
        "timeline_page": timeline,
        "audit_events": list(changes.object_list),
        "history_page": changes,
        "segment_exception": account.segment_exceptions.filter(
            ended_at__isnull=True, expires_on__gte=today
        ).first(),
        "usage": account_usage(account=account, today=today),
        "health": account_health(account=account, today=today, last_touch=last_touch),
        "coverage": coverage,
        "onboardings": list(
            account.onboardings.select_related("product", "current_phase").order_by("started_on")
        ),
        "last_touch": last_touch,
        # after the rescoring above: the group's worst grade reads this account's fresh score
        "group": account_group_panel(account=account),
    }
