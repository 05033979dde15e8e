"""`followthrough demo-data`: load the demo desk into an empty database and print its logins.

Everything is created through the services, in one transaction, so the demo obeys the same
rules as a real desk. It lives in intake, the top of the app stack, because it loads the
cases demo and then the demo mailbox and its mail.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from followthrough.cases.demo import DemoLoader, desk_is_empty, login_table
from followthrough.cases.demo.data import TIER_1
from followthrough.core.errors import ServiceError
from followthrough.intake.demo import load_demo_mail
from followthrough.intake.models import InboundState


class Command(BaseCommand):
    help = "Load a demo support floor (teams, customers, the five stories) into an empty desk."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Load only into an empty desk (no users, customers or cases); print logins.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not desk_is_empty():
            if not options["if_empty"]:
                raise CommandError(
                    "This desk already has data (users, customers or cases); the demo loads "
                    "only into an empty database, so it never doubles the data. Use --if-empty "
                    "to skip loading, or start from a new database."
                )
            self.stdout.write(login_table())
            self.stdout.write("This desk already had data; the demo was not loaded again.")
            return
        demo = DemoLoader()
        try:
            with transaction.atomic():
                demo.load()
                mail = load_demo_mail(demo.teams, TIER_1)
        except ServiceError as exc:
            raise CommandError(f"The demo could not be loaded; nothing was saved. {exc}") from exc
        self.stdout.write(login_table())
        self.stdout.write(
            f"Created {len(demo.organizations)} organisations, {demo.contact_count} contacts "
            f"and {len(demo.cases) + sum(m.opened_case for m in mail)} cases."
        )
        states = [message.state for message in mail]
        self.stdout.write(
            f"The {mail[0].mailbox.address} mailbox took {len(mail)} messages: "
            f"{states.count(InboundState.PROCESSED)} on a case, "
            f"{states.count(InboundState.IGNORED)} ignored, "
            f"{states.count(InboundState.QUARANTINED)} quarantined (see /mail/)."
        )
