"""Sending the morning digest: who gets one (``digest_members``), when (``digest_due``), and
the job's pass over every member (``digests_send``: every source read once for all of them,
then each member's digest built, queued and recorded in its own transaction)."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from kizuna.apps.notify.services import member_message_queue
from kizuna.apps.org.models import User
from kizuna.apps.rules.digest.batch import DigestReads, digest_build, digest_reads
from kizuna.apps.rules.digest.content import digest_for
from kizuna.apps.rules.digest.render import digest_email, digest_slack
from kizuna.apps.rules.models import AlertSettings, DigestSent
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.core.business_days import is_business_day

log = logging.getLogger("kizuna.rules")


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
def digest_send(
    *, member: User, day: dt.date, now: dt.datetime, reads: DigestReads | None = None
) -> DigestSent | None:
    """Queue the member's digest of ``day`` (e-mail and/or Slack as their settings say) and
    record it, in one transaction: never twice for a member and day (None when it was
    already done). An empty digest is recorded but sends nothing. The digest is built from
    ``reads`` (``digest_reads`` of the job's members) when given, else read for the member."""
    try:
        with transaction.atomic():  # a savepoint: another run's row wins
            sent = DigestSent.objects.create(member=member, day=day, sent_at=now)
    except IntegrityError:
        return None
    built = digest_build(member, reads=reads) if reads is not None else None
    digest = built if built is not None else digest_for(member, day=day)
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
    (digests sent, empty ones skipped). Every source is read once for all of them
    (``digest_reads``, before any is recorded: each member's "since" is the digest before
    today's), then each member's digest is built, queued and recorded in its own
    transaction."""
    day = now.astimezone(zoneinfo.ZoneInfo(tenant_settings_get().time_zone)).date()
    done = DigestSent.objects.filter(day=day).values("member_id")
    members = list(digest_members().exclude(pk__in=done))
    if not members:
        return 0, 0
    reads = digest_reads(members, day=day)
    sent = empty = 0
    for member in members:
        try:
            record = digest_send(member=member, day=day, now=now, reads=reads)
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
