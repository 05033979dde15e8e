"""`followthrough mail`: the email channel from the command line.

serve    run the SMTP listener for sites that route mail to us (aiosmtpd)
poll     fetch every active IMAP mailbox now (or one, with --mailbox)
sweep    process stored messages and send queued mail that a stopped worker left
import   store .eml files into a mailbox (a migration, or a message saved by hand)
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from followthrough.intake.mail.listener import make_controller
from followthrough.intake.models import InboundSource, Mailbox
from followthrough.intake.services.mail_store import (
    inbound_mail_deliver,
    inbound_mail_store,
    mailboxes_for,
)
from followthrough.intake.services.mailboxes import mail_sweep, mailbox_poll


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        serve = commands.add_parser("serve", help="Run the SMTP listener.")
        serve.add_argument("--host", default="127.0.0.1")
        serve.add_argument("--port", type=int, default=2525)
        poll = commands.add_parser("poll", help="Fetch IMAP mailboxes now.")
        poll.add_argument("--mailbox", help="The address of one mailbox.")
        commands.add_parser("sweep", help="Process and send what a stopped worker left.")
        imported = commands.add_parser("import", help="Store .eml files into a mailbox.")
        imported.add_argument("--mailbox", required=True, help="The mailbox's address.")
        imported.add_argument("files", nargs="+", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _serve(self, options: dict[str, Any]) -> None:
        def accepts(address: str) -> bool:
            return bool(mailboxes_for([address]))

        def deliver(recipients: list[str], raw: bytes) -> None:
            inbound_mail_deliver(recipients=recipients, raw=raw, source=InboundSource.SMTP)

        controller = make_controller(
            host=options["host"],
            port=options["port"],
            accepts=accepts,
            deliver=deliver,
            size_limit=settings.FOLLOWTHROUGH_MAIL_MAX_BYTES,
        )
        stop = threading.Event()
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, lambda *_: stop.set())
        controller.start()
        self.stdout.write(
            f"Listening for mail on {options['host']}:{controller.port} "
            f"(messages up to {settings.FOLLOWTHROUGH_MAIL_MAX_BYTES:,} bytes). Ctrl+C stops."
        )
        try:
            stop.wait()
        finally:
            controller.stop()

    def _poll(self, options: dict[str, Any]) -> None:
        boxes = Mailbox.objects.filter(is_active=True).exclude(imap_host="")
        if options["mailbox"]:
            boxes = boxes.filter(address=options["mailbox"].lower())
            if not boxes.exists():
                raise CommandError(f"No active IMAP mailbox has the address {options['mailbox']}.")
        for mailbox in boxes:
            result = mailbox_poll(mailbox)
            if result.error:
                self.stderr.write(f"{mailbox.address}: {result.error}")
            else:
                self.stdout.write(
                    f"{mailbox.address}: {result.stored} stored, {result.repeats} already here"
                    + (", more waiting" if result.more else "")
                )

    def _sweep(self, options: dict[str, Any]) -> None:
        processed, sent = mail_sweep()
        self.stdout.write(f"{processed} messages processed, {sent} sends tried.")

    def _import(self, options: dict[str, Any]) -> None:
        mailbox = Mailbox.objects.filter(address=options["mailbox"].lower()).first()
        if mailbox is None:
            raise CommandError(f"No mailbox has the address {options['mailbox']}.")
        for path in options["files"]:
            try:
                with path.open("rb") as handle:
                    message, created = inbound_mail_store(
                        mailbox=mailbox, raw=handle, source=InboundSource.IMPORT
                    )
            except OSError as exc:
                raise CommandError(f"Could not read {path}: {exc.strerror}") from None
            state = "stored" if created else "already here"
            self.stdout.write(f"{path}: message {message.pk} {state}")
