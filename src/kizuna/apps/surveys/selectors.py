"""Reads: the scheduling core's input rows from the database, the programs, the invitations.

``schedule_inputs`` is the database → core adapter of ``kizuna.core.voc.schedule``: it reads
only what the due window can reach — the lines whose ``start + offset`` falls in it (line
schedules), the lines started on a day whose anniversary may fall in it (recurring schedules,
``recurring_start_days``; every line started before it and not ended before it when those days
are too many), the
onboardings completed and touchpoints logged ``offset`` days before it — then the contacts of
those accounts and their earlier invitations back to the longest throttle.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.db.models import Count, Min, Q, QuerySet
from django.utils.translation import gettext as _

from kizuna.apps.customers.models import Account, Contact, Phase, SubscriptionLine
from kizuna.apps.onboarding.models import Onboarding
from kizuna.apps.surveys.models import (
    InvitationStatus,
    SurveyAnswer,
    SurveyContactSetting,
    SurveyInvitation,
    SurveyProgram,
    SurveySchedule,
)
from kizuna.apps.touchpoints.models import Touchpoint, TouchpointKind
from kizuna.core.calendar import local_day
from kizuna.core.voc.schedule import (
    AccountRow,
    ContactRow,
    DayPlan,
    EarlierInvitation,
    LineRow,
    OnboardingDoneRow,
    ProgramRow,
    ScheduleRow,
    TouchpointRow,
    plan_invitations,
    recurring_start_days,
)


@dataclass
class ScheduleInputs:
    programs: list[ProgramRow] = field(default_factory=list)
    schedules: list[ScheduleRow] = field(default_factory=list)
    accounts: list[AccountRow] = field(default_factory=list)
    contacts: list[ContactRow] = field(default_factory=list)
    lines: list[LineRow] = field(default_factory=list)
    onboardings: list[OnboardingDoneRow] = field(default_factory=list)
    touchpoints: list[TouchpointRow] = field(default_factory=list)
    earlier: list[EarlierInvitation] = field(default_factory=list)

    def plan(
        self,
        *,
        today: dt.date,
        now: dt.datetime,
        time_zone: str,
        catch_up_days: int,
        accounts: list[AccountRow] | None = None,
    ) -> DayPlan:
        """``plan_invitations`` over these rows (``accounts`` instead of the read ones)."""
        return plan_invitations(
            programs=self.programs,
            schedules=self.schedules,
            accounts=self.accounts if accounts is None else accounts,
            contacts=self.contacts,
            lines=self.lines,
            onboardings=self.onboardings,
            touchpoints=self.touchpoints,
            earlier=self.earlier,
            today=today,
            now=now,
            time_zone=time_zone,
            catch_up_days=catch_up_days,
        )


def programs_list() -> QuerySet[SurveyProgram]:
    return SurveyProgram.objects.prefetch_related("schedules").order_by("id")


def _program_row(program: SurveyProgram) -> ProgramRow:
    return ProgramRow(
        program_id=program.pk,
        contact_roles=frozenset(str(role) for role in program.contact_roles or ()),
        throttle_days=program.throttle_days,
        quiet_start=program.quiet_start,
        quiet_end=program.quiet_end,
        active=program.active,
    )


def _schedule_row(schedule: SurveySchedule) -> ScheduleRow:
    return ScheduleRow(
        schedule_id=schedule.pk,
        program_id=schedule.program_id,
        trigger=schedule.trigger,  # type: ignore[arg-type]
        offset_days=schedule.offset_days,
        every_months=schedule.every_months,
        touchpoint_kind=schedule.touchpoint_kind,
        active=schedule.active,
    )


def _shifted(day: dt.date, days: int) -> dt.date:
    try:
        return day - dt.timedelta(days=days)
    except OverflowError:
        return dt.date.min


#: the most start days a recurring schedule's lines are read by (a list of dates in the query)
RECURRING_DAYS_READ = 900


def _line_rows(schedules: list[ScheduleRow], first: dt.date, last: dt.date) -> list[LineRow]:
    wanted = Q(pk__in=[])
    for schedule in schedules:
        if schedule.trigger == "line_start":
            wanted |= Q(
                start_date__gte=_shifted(first, schedule.offset_days),
                start_date__lte=_shifted(last, schedule.offset_days),
            )
        elif schedule.trigger == "recurring":
            running = Q(start_date__lt=last) & (Q(end_date__isnull=True) | Q(end_date__gte=first))
            earliest = SubscriptionLine.objects.aggregate(first=Min("start_date"))["first"]
            if earliest is None:
                continue
            days = recurring_start_days(
                schedule,
                today=last,
                catch_up_days=(last - first).days,
                earliest=earliest,
                limit=RECURRING_DAYS_READ,
            )
            wanted |= running if days is None else running & Q(start_date__in=days)
    rows = SubscriptionLine.objects.filter(wanted).values_list(
        "pk", "account_id", "product_id", "start_date", "end_date"
    )
    return [LineRow(*row) for row in rows]


def _onboarding_rows(
    schedules: list[ScheduleRow], first: dt.date, last: dt.date
) -> list[OnboardingDoneRow]:
    wanted = Q(pk__in=[])
    for schedule in schedules:
        if schedule.trigger == "onboarding_done":
            wanted |= Q(
                completed_on__gte=_shifted(first, schedule.offset_days),
                completed_on__lte=_shifted(last, schedule.offset_days),
            )
    rows = Onboarding.objects.filter(wanted).values_list("account_id", "completed_on")
    return [OnboardingDoneRow(account_id, day) for account_id, day in rows if day is not None]


def _touchpoint_rows(
    schedules: list[ScheduleRow], first: dt.date, last: dt.date, zone: zoneinfo.ZoneInfo
) -> list[TouchpointRow]:
    wanted = Q(pk__in=[])
    for schedule in schedules:
        if schedule.trigger == "touchpoint":
            start = dt.datetime.combine(_shifted(first, schedule.offset_days + 1), dt.time(), zone)
            end = dt.datetime.combine(_shifted(last, schedule.offset_days - 2), dt.time(), zone)
            wanted |= Q(occurred_at__gte=start, occurred_at__lt=end)
    rows: list[TouchpointRow] = []
    for touch in Touchpoint.objects.filter(wanted).prefetch_related("contacts"):
        contact_ids = tuple(sorted(contact.pk for contact in touch.contacts.all()))
        day = local_day(touch.occurred_at, zone)
        rows.append(TouchpointRow(touch.account_id, touch.kind, day, contact_ids))
    return rows


def schedule_inputs(*, today: dt.date, catch_up_days: int, time_zone: str) -> ScheduleInputs:
    """Every row ``plan_invitations`` needs for the due days ``[today − catch_up_days, today]``."""
    zone = zoneinfo.ZoneInfo(time_zone)
    first, last = _shifted(today, catch_up_days), today
    programs = [_program_row(program) for program in SurveyProgram.objects.filter(active=True)]
    active_ids = {program.program_id for program in programs}
    schedules = [
        _schedule_row(schedule)
        for schedule in SurveySchedule.objects.filter(active=True, program_id__in=active_ids)
    ]
    inputs = ScheduleInputs(programs=programs, schedules=schedules)
    if not schedules:
        return inputs
    inputs.lines = _line_rows(schedules, first, last)
    inputs.onboardings = _onboarding_rows(schedules, first, last)
    inputs.touchpoints = _touchpoint_rows(schedules, first, last, zone)
    account_ids = (
        {row.account_id for row in inputs.lines}
        | {row.account_id for row in inputs.onboardings}
        | {row.account_id for row in inputs.touchpoints}
    )
    inputs.accounts = [
        AccountRow(pk, phase != Phase.CHURNED)
        for pk, phase in Account.objects.filter(pk__in=account_ids).values_list("pk", "phase")
    ]
    inputs.contacts = _contact_rows(account_ids)
    throttle = max((program.throttle_days for program in programs), default=0)
    contact_ids = [row.contact_id for row in inputs.contacts]
    earlier = SurveyInvitation.objects.filter(
        contact_id__in=contact_ids, due_on__gt=_shifted(first, throttle)
    ).values_list("schedule_id", "contact_id", "line_id", "due_on", "status")
    inputs.earlier = [
        EarlierInvitation(schedule_id, contact_id, line_id, due_on, status == "skipped")
        for schedule_id, contact_id, line_id, due_on, status in earlier
    ]
    return inputs


def _contact_rows(account_ids: set[int]) -> list[ContactRow]:
    settings = {
        row.contact_id: row
        for row in SurveyContactSetting.objects.filter(contact__account_id__in=account_ids)
    }
    rows = []
    for pk, account_id, role, email in Contact.objects.filter(
        account_id__in=account_ids
    ).values_list("pk", "account_id", "role", "email"):
        setting = settings.get(pk)
        rows.append(
            ContactRow(
                contact_id=pk,
                account_id=account_id,
                contact_role=role,
                email=email or "",
                language=setting.language if setting else "ja",
                active=not (setting and setting.opted_out),
            )
        )
    return rows


def invitations_due_to_send(*, now: dt.datetime) -> QuerySet[SurveyInvitation]:
    return SurveyInvitation.objects.filter(
        status=InvitationStatus.SCHEDULED, send_after__lte=now
    ).order_by("send_after", "pk")


@dataclass(frozen=True)
class ProgramListRow:
    """One program on the list: its schedules in words and its counts."""

    program: SurveyProgram
    schedules: tuple[str, ...]  # as the CSV writes them (line_start+30d)
    labels: tuple[str, ...]  # in the reader's language
    sent: int
    answers: int


def _schedule_words(schedule: SurveySchedule) -> str:
    if schedule.trigger == "recurring":
        words = f"recurring/{schedule.every_months}m+{schedule.offset_days}d"
    elif schedule.trigger == "touchpoint":
        words = f"touchpoint:{schedule.touchpoint_kind or '*'}+{schedule.offset_days}d"
    else:
        words = f"{schedule.trigger}+{schedule.offset_days}d"
    return words if schedule.active else f"({words})"


def schedule_label(schedule: SurveySchedule) -> str:
    """The schedule in words, in the active language."""
    values = {
        "days": schedule.offset_days,
        "months": schedule.every_months or 0,
        "kind": dict(TouchpointKind.choices).get(schedule.touchpoint_kind, _("any")),
    }
    texts = {
        "line_start": _("%(days)s days after a line starts"),
        "recurring": _("every %(months)s months after a line starts, +%(days)s days"),
        "onboarding_done": _("%(days)s days after onboarding completes"),
        "touchpoint": _("%(days)s days after a touchpoint (%(kind)s)"),
    }
    text = texts.get(schedule.trigger, "%(days)s") % values
    return text if schedule.active else _("%(schedule)s (off)") % {"schedule": text}


def program_rows() -> list[ProgramListRow]:
    """Every program with its schedules and how many invitations went out and were answered."""
    sent = dict(
        SurveyInvitation.objects.exclude(status__in=["skipped", "scheduled"])
        .values("program_id")
        .annotate(n=Count("pk"))
        .values_list("program_id", "n")
    )
    answers = dict(
        SurveyAnswer.objects.values("program_id")
        .annotate(n=Count("pk"))
        .values_list("program_id", "n")
    )
    return [
        ProgramListRow(
            program=program,
            schedules=tuple(_schedule_words(row) for row in program.schedules.all()),
            labels=tuple(schedule_label(row) for row in program.schedules.all()),
            sent=int(sent.get(program.pk, 0)),
            answers=int(answers.get(program.pk, 0)),
        )
        for program in programs_list()
    ]


#: how many answers the account page shows (the latest)
ACCOUNT_ANSWERS_SHOWN = 5


def account_survey_answers(account_id: int) -> list[SurveyAnswer]:
    """The account page's survey panel: the account's latest answers (not replaced, latest
    first), each with its program, contact and a detractor's follow-up (one query)."""
    return list(
        SurveyAnswer.objects.filter(account_id=account_id, replaced=False)
        .select_related("program", "contact", "followup")
        .order_by("-answered_at", "-pk")[:ACCOUNT_ANSWERS_SHOWN]
    )
