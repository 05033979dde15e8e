"""`followthrough worker`: run background tasks (webhook deliveries and everything else).

It is django-tasks-db's `db_worker` under the product's name, with all of its options.
"""

from __future__ import annotations

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand


class Command(DbWorkerCommand):
    help = (
        "Run a background worker: it takes tasks from the database queue (webhook deliveries "
        "and their retries, among others) and runs them until stopped with Ctrl+C or SIGTERM. "
        "Start as many as you like against PostgreSQL; on SQLite one is enough. "
        "--batch runs what is due and exits (useful from cron or a test); --max-tasks N "
        "exits after N tasks; --queue-name picks queues ('*' for all); --interval sets the "
        "seconds between polls when idle; --no-reload turns off reloading on code changes "
        "(it is on when DEBUG is). Same options as django-tasks-db's db_worker."
    )
