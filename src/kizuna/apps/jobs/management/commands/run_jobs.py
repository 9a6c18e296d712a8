"""``kizuna manage run_jobs [--once]``: the worker process."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kizuna.apps.health.tasks import rescore_marked
from kizuna.apps.jobs.services import jobs_run_due
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.apps.usage.selectors import usage_failed_days
from kizuna.apps.usage.services.ingestion import usage_rollup_pending


class Command(BaseCommand):
    help = (
        "Roll up the usage days API batches queued, run the daily jobs that are due, rescore"
        " the health of accounts whose inputs changed (loops every minute unless --once)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run what is due, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        reported: list[str] = []
        while True:
            rolled = usage_rollup_pending()  # API batches: their days, every minute
            if rolled:
                self.stdout.write(f"usage.rollup_pending: {rolled} days rolled up")
            failed = [str(row.day) for row in usage_failed_days()]
            if failed and failed != reported:  # each failed alone; the others went on
                self.stderr.write(
                    f"usage.rollup_pending: {len(failed)} days failed (see /usage/):"
                    f" {', '.join(failed[:5])}"
                )
            reported = failed
            for name, report in jobs_run_due(day=tenant_today()):
                self.stdout.write(f"{name}: {report}")
            # after the daily jobs: today's scores exist before a few accounts are rescored
            rescored = rescore_marked(tenant_today())
            if rescored:
                self.stdout.write(f"health.rescore_marked: {rescored} accounts rescored")
            if options["once"]:
                return
            time.sleep(60)
