"""`followthrough scheduler`: enqueue the periodic deadline scan for the workers.

Run one scheduler per installation, next to any number of `followthrough worker`s. It never
enqueues a scan while one is still waiting in the queue, so a stopped worker does not pile
scans up; the scan itself is idempotent, so two schedulers by mistake cost only a re-check.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django_tasks_db.models import DBTaskResult

from followthrough.cases.tasks import deadlines_scan_task

SCAN_TASK_PATH = deadlines_scan_task.module_path


def scan_waiting() -> bool:
    return DBTaskResult.objects.ready().filter(task_path=SCAN_TASK_PATH).exists()


def enqueue_scan() -> bool:
    """Enqueue a deadline scan unless one is already waiting; returns whether it did."""
    if scan_waiting():
        return False
    deadlines_scan_task.enqueue()
    return True


class Command(BaseCommand):
    help = (
        "Enqueue the deadline scan (SLA warnings and breaches, escalations, unaccepted "
        "handoffs) every FOLLOWTHROUGH_DEADLINE_SCAN_SECONDS seconds for `followthrough "
        "worker` to run. --once enqueues one scan and exits (for cron or a test)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Enqueue one scan and exit.")
        parser.add_argument(
            "--interval",
            type=int,
            default=None,
            help="Seconds between scans (default FOLLOWTHROUGH_DEADLINE_SCAN_SECONDS).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["interval"] or settings.FOLLOWTHROUGH_DEADLINE_SCAN_SECONDS
        if interval < 1:
            self.stderr.write("The interval must be at least one second.")
            raise SystemExit(2)
        while True:
            queued = enqueue_scan()
            self.stdout.write("Deadline scan enqueued." if queued else "A scan is still waiting.")
            if options["once"]:
                return
            time.sleep(interval)
