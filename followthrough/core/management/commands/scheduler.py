"""`followthrough scheduler`: enqueue the periodic tasks (the deadline scan, the mail poll and
sweep, …) for the workers, each at its own interval.

Run one scheduler per installation, next to any number of `followthrough worker`s. It never
enqueues a task while the same one is still waiting in the queue, so a stopped worker does
not pile them up; each task is idempotent, so two schedulers by mistake cost only a re-check.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_tasks_db.models import DBTaskResult

from followthrough.core.schedule import Periodic, periodic_tasks

TICK_SECONDS = 1


def waiting(periodic: Periodic) -> bool:
    return DBTaskResult.objects.ready().filter(task_path=periodic.task_path).exists()


def enqueue(periodic: Periodic) -> bool:
    """Enqueue the task unless one is already waiting; returns whether it did."""
    if waiting(periodic):
        return False
    periodic.task.enqueue()
    return True


class Command(BaseCommand):
    help = (
        "Enqueue the periodic tasks for `followthrough worker` to run: the deadline scan every "
        "FOLLOWTHROUGH_DEADLINE_SCAN_SECONDS, the mail poll and sweep every "
        "FOLLOWTHROUGH_MAIL_POLL_SECONDS. --once enqueues each once and exits (for cron or a "
        "test); --only NAME limits it to one of them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Enqueue each once and exit.")
        parser.add_argument(
            "--only",
            choices=[periodic.name for periodic in periodic_tasks()],
            help="Only this periodic task.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        chosen = [p for p in periodic_tasks() if options["only"] in (None, p.name)]
        for periodic in chosen:
            if periodic.interval < 1:
                self.stderr.write(f"{periodic.interval_setting} must be at least one second.")
                raise SystemExit(2)
        next_run = {periodic.name: 0.0 for periodic in chosen}
        while True:
            now = time.monotonic()
            for periodic in chosen:
                if now < next_run[periodic.name]:
                    continue
                queued = enqueue(periodic)
                self.stdout.write(
                    f"{periodic.description} enqueued."
                    if queued
                    else f"{periodic.description}: one is still waiting."
                )
                next_run[periodic.name] = now + periodic.interval
            if options["once"]:
                return
            time.sleep(TICK_SECONDS)
