"""The demo company's diagnosis, loaded by ``apps/demo`` after the playbooks.

1. The touches of the worked tasks: the demo's rules and playbooks completed tasks ("contacted",
   "saved") without the call their owner made; each such task gets that call, logged by its
   owner shortly before the task was closed (a meeting for a high-touch account). Without it
   every task would have been closed without contacting anyone, and the diagnosis would read
   the demo's touches as all reactive.
2. A diagnosis as of the end of last month (with that day's coverage snapshots), so that the
   page's "changes since last month" has a run to compare with; today's run is written by the
   daily job ``diagnosis.diagnose`` that ``kizuna demo`` runs after loading.

Seeded, so every load is the same.
"""

from __future__ import annotations

import datetime as dt
import random

from kizuna.apps.coverage.services import coverage_snapshots_refresh
from kizuna.apps.customers.models import Segment
from kizuna.apps.diagnosis.services import diagnosis_run
from kizuna.apps.tasks.models import Task, TaskOrigin, TaskOutcome, TaskState
from kizuna.apps.touchpoints.models import Touchpoint, TouchpointKind
from kizuna.core.calendar import first_of_month

SEED = 17
#: the outcomes that say the owner spoke with the customer
CONTACTED = (TaskOutcome.CONTACTED, TaskOutcome.SAVED)
#: the call was logged this many minutes before the task was closed (at most)
BEFORE_CLOSE_MINUTES = 240


def worked_task_touches() -> int:
    """Log the call (or meeting) of every completed rule or playbook task whose outcome says
    the customer was contacted; how many touchpoints were added."""
    rng = random.Random(SEED)
    tasks = (
        Task.objects.filter(
            origin__in=(TaskOrigin.RULE, TaskOrigin.PLAYBOOK),
            state=TaskState.DONE,
            outcome__in=CONTACTED,
            closed_at__isnull=False,
        )
        .select_related("account")
        .order_by("pk")
    )
    touches = []
    for task in tasks:
        assert task.closed_at is not None
        earliest = max(task.created_at, task.closed_at - dt.timedelta(minutes=BEFORE_CLOSE_MINUTES))
        span = int((task.closed_at - earliest).total_seconds())
        high = task.account.segment == Segment.HIGH
        touches.append(
            Touchpoint(
                account_id=task.account_id,
                csm_id=task.owner_id,
                created_by_id=task.owner_id,
                kind=TouchpointKind.MEETING if high else TouchpointKind.CALL,
                occurred_at=earliest + dt.timedelta(seconds=rng.randint(0, max(span - 1, 0))),
                summary=task.title[:200],
            )
        )
    Touchpoint.objects.bulk_create(touches, batch_size=1000)
    return len(touches)


def diagnosis_demo_load(*, as_of: dt.date) -> int:
    """The worked tasks' touches, then the diagnoses of the last two month-ends (so the
    diagnosis page and last month's report have a month's changes to show); how many
    touchpoints were added."""
    added = worked_task_touches()
    last_month_end = first_of_month(as_of) - dt.timedelta(days=1)
    for day in (first_of_month(last_month_end) - dt.timedelta(days=1), last_month_end):
        coverage_snapshots_refresh(today=day)
        diagnosis_run(day=day)
    return added
