"""The morning digest: what a CSM should look at first on a business day, in one message.

A member's digest for a day holds, in their language:

- 今日: their worklist's top lines (the accounts falling out of coverage soonest, as the 今日
  page orders them), at most ``TOP`` of them, and how many there are;
- the tasks they own that were opened since their last digest (the day before at midnight,
  company time, when there was none), and their open tasks past their due date;
- the onboardings of their accounts that need a push (expected to churn, stalled, or late);
- their accounts whose health grade fell from the day before to ``day``;
- the rule firings of theirs that waited for the digest (``Delivery.DIGEST``: their weekly
  budget of interruptions was spent, or the rule says so) since their last digest;
- their notifications since then, when they take notifications "in a digest".

Modules: ``content`` (the sections, and ``digest_for``: one member's digest read on its own,
about sixteen queries), ``batch`` (``digests_for``: every member's from one read of each
source, about fifteen queries whatever the number of members; the job's path), ``render``
(``digest_email``, ``digest_slack``) and ``send`` (``digests_send``, run by
``rules.tasks.morning_digest``; ``digest_send`` for one member).
"""

from kizuna.apps.rules.digest.batch import DigestReads, digest_build, digest_reads, digests_for
from kizuna.apps.rules.digest.content import (
    TOP,
    Digest,
    DigestItem,
    DigestSection,
    digest_for,
    digest_since,
)
from kizuna.apps.rules.digest.render import digest_email, digest_slack, digest_subject
from kizuna.apps.rules.digest.send import digest_due, digest_members, digest_send, digests_send

__all__ = [
    "TOP",
    "Digest",
    "DigestItem",
    "DigestReads",
    "DigestSection",
    "digest_build",
    "digest_due",
    "digest_email",
    "digest_for",
    "digest_members",
    "digest_reads",
    "digest_send",
    "digest_since",
    "digest_slack",
    "digest_subject",
    "digests_for",
    "digests_send",
]
