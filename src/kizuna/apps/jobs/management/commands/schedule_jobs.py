"""``kizuna manage schedule_jobs [--once]``: the scheduler (``db_worker`` runs what it queues)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from kizuna.apps.jobs.services import jobs_enqueue_due
from kizuna.apps.tenant.selectors import tenant_today


class Command(BaseCommand):
    help = (
        "At the start of every minute, queue the periodic jobs that are due: the daily jobs"
        " once a business day (from midnight in the company's time zone, one after another in"
        " their declared order), the minute jobs when they have work. `kizuna manage"
        " db_worker` runs them. Safe to run twice: each run is claimed on its job's state row."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="queue what is due, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            for name in jobs_enqueue_due(day=tenant_today(), now=timezone.now()):
                self.stdout.write(f"{name}: queued")
            if options["once"]:
                return
            time.sleep(60 - timezone.now().second)  # wake at the start of the next minute
