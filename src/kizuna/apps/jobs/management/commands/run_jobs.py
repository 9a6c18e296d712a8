"""``kizuna manage run_jobs [--once]``: the scheduler and a worker in one process."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from kizuna.apps.jobs.services import jobs_run_once
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.apps.usage.selectors import usage_failed_days


class Command(BaseCommand):
    help = (
        "Queue the periodic jobs that are due (the daily jobs once a business day, the usage"
        " rollups and health rescoring every minute) and run the task queue here; every minute"
        " unless --once. Production runs `schedule_jobs` and `db_worker` instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run what is due, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        reported: list[str] = []
        while True:
            for run in jobs_run_once(day=tenant_today(), now=timezone.now()):
                if run.every == "day" or run.message or run.status != "ok":
                    self.stdout.write(run.line())
            failed = [str(row.day) for row in usage_failed_days()]
            if failed and failed != reported:  # each failed alone; the others went on
                self.stderr.write(
                    f"usage.rollup_pending: {len(failed)} days failed (see /usage/):"
                    f" {', '.join(failed[:5])}"
                )
            reported = failed
            if options["once"]:
                return
            time.sleep(60 - timezone.now().second)  # wake at the start of the next minute
