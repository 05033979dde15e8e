"""The demo desk's mail: a mailbox for the Tier 1 helpdesk and a few messages put through the
real pipeline (stored raw, then processed), so the mail log and a mail case have something to
show on the first run."""

from __future__ import annotations

from email.message import EmailMessage

from followthrough.accounts.models import Team
from followthrough.intake.models import InboundMessage, InboundSource, Mailbox
from followthrough.intake.services.mail_inbound import inbound_message_process
from followthrough.intake.services.mail_store import inbound_mail_store

DEMO_MAILBOX = "helpdesk@desk.example"


def _mail(sender: str, subject: str, body: str, number: int, **headers: str) -> bytes:
    message = EmailMessage()
    if sender:
        message["From"] = sender
    message["To"] = DEMO_MAILBOX
    message["Subject"] = subject
    message["Message-ID"] = f"<demo.{number}@bluebirddental.example>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return bytes(message)


DEMO_MESSAGES = [
    _mail(
        "Helen Park <helen.park@bluebirddental.example>",
        "X-ray viewer asks for a licence key again",
        "Hello,\n\nSince this morning the X-ray viewer on the front desk PC asks for the licence "
        "key again. We have not changed anything. Can you help before our 2 pm patients?\n\n"
        "Thanks,\nHelen",
        1,
    ),
    _mail(
        "Marcus Reed <marcus.reed@bluebirddental.example>",
        "Out of office: X-ray viewer asks for a licence key again",
        "I am out of the office until Monday and will answer when I am back.",
        2,
        Auto_Submitted="auto-replied",
    ),
    _mail(
        "",
        "(no sender) printer toner order",
        "Please send two black toner cartridges for the reception printer.",
        3,
    ),
]


def load_demo_mail(teams: dict[str, Team], team_name: str) -> list[InboundMessage]:
    """Create the demo mailbox and run the demo messages through intake."""
    mailbox = Mailbox.objects.create(
        name="Bluebird Helpdesk", address=DEMO_MAILBOX, team=teams[team_name]
    )
    loaded = []
    for raw in DEMO_MESSAGES:
        message, _ = inbound_mail_store(mailbox=mailbox, raw=raw, source=InboundSource.IMPORT)
        loaded.append(inbound_message_process(message.pk))
    return loaded
