"""The email channel: mailboxes, every message received (stored raw before anything else),
every message sent (the sent log), who takes part in a case's mail, and who wants mail about
what.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from followthrough.accounts.models import Team, User
from followthrough.cases.models import Case, Interaction, Note
from followthrough.cases.states import Priority
from followthrough.intake.models.error_reports import DEFAULT_FIRST_RESPONSE_MINUTES


class MailboxSecurity(models.TextChoices):
    SSL = "ssl", "SSL/TLS (port 993)"
    STARTTLS = "starttls", "STARTTLS (port 143)"
    NONE = "none", "None (loopback and tests only)"


class MailboxAfterFetch(models.TextChoices):
    MOVE = "move", "Move to another folder"
    FLAG = "flag", "Flag and leave in place"


class Mailbox(models.Model):
    """An address customers write to, bound to the team whose queue its new cases land in.

    Mail reaches it by IMAP polling (when `imap_host` is set) or through the SMTP listener
    (`followthrough mail serve`), which accepts mail for the addresses of active mailboxes.
    """

    name = models.CharField(max_length=100)
    # Lower-cased. Replies go out from it; case tokens are added to it as +tags.
    address = models.EmailField(max_length=254, unique=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="mailboxes")
    default_priority = models.CharField(max_length=2, choices=Priority.choices, default=Priority.P3)
    first_response_minutes = models.PositiveIntegerField(
        default=DEFAULT_FIRST_RESPONSE_MINUTES,
        help_text="When the first next step ('Answer the customer's email') falls due.",
    )
    send_acknowledgement = models.BooleanField(
        default=True,
        help_text="Reply to a new case's first message with its number (never to automatic mail).",
    )
    is_active = models.BooleanField(default=True)
    imap_host = models.CharField(max_length=255, blank=True, help_text="Blank: no polling.")
    imap_port = models.PositiveIntegerField(default=993)
    imap_security = models.CharField(
        max_length=10, choices=MailboxSecurity.choices, default=MailboxSecurity.SSL
    )
    imap_username = models.CharField(max_length=255, blank=True)
    imap_password = models.CharField(max_length=255, blank=True)
    imap_folder = models.CharField(max_length=255, default="INBOX")
    after_fetch = models.CharField(
        max_length=10, choices=MailboxAfterFetch.choices, default=MailboxAfterFetch.MOVE
    )
    move_to_folder = models.CharField(max_length=255, default="Processed", blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_poll_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "mailboxes"
        constraints = [
            models.CheckConstraint(
                condition=Q(default_priority__in=Priority.values), name="mailbox_priority_valid"
            ),
            models.CheckConstraint(
                condition=Q(first_response_minutes__gte=1),
                name="mailbox_first_response_positive",
            ),
            models.CheckConstraint(condition=~Q(address=""), name="mailbox_has_address"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"

    @property
    def polls(self) -> bool:
        return bool(self.imap_host)


class InboundSource(models.TextChoices):
    IMAP = "imap", "IMAP"
    SMTP = "smtp", "SMTP listener"
    IMPORT = "import", "Imported file"


class InboundState(models.TextChoices):
    RECEIVED = "received", "Received, waiting to be processed"
    PROCESSED = "processed", "On a case"
    QUARANTINED = "quarantined", "Quarantined"
    IGNORED = "ignored", "Ignored (automatic mail, our own or a repeat)"
    DISCARDED = "discarded", "Discarded"


def raw_message_path(instance: InboundMessage, filename: str) -> str:
    """A random name under the month the message arrived; nothing the sender wrote plays a part."""
    at = instance.received_at
    return f"mail/raw/{at:%Y}/{at:%m}/{secrets.token_hex(16)}.eml"


class InboundMessage(models.Model):
    """One message as it arrived, stored before it is processed (DESIGN.md §2, invariant 9).

    `dedupe_key` (the hash of its bytes) makes a second delivery of the same message to the
    same mailbox the same row; processing makes one case of all copies of a Message-ID.
    """

    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="messages")
    source = models.CharField(max_length=10, choices=InboundSource.choices)
    dedupe_key = models.CharField(max_length=80)
    # As sent, without <>; "" when missing or unusable (longer than fits an index).
    message_id = models.CharField(max_length=250, blank=True)
    raw = models.FileField(upload_to=raw_message_path, max_length=200)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    received_at = models.DateTimeField()
    state = models.CharField(
        max_length=12, choices=InboundState.choices, default=InboundState.RECEIVED
    )
    attempts = models.PositiveIntegerField(default=0)
    # Filled when processed, for lists; the raw message stays the record.
    from_address = models.CharField(max_length=254, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=250, blank=True)
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="inbound_messages"
    )
    interaction = models.ForeignKey(
        Interaction, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_case = models.BooleanField(default=False)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Why it is quarantined or ignored, or what was refused on the way (an IntakeError code).
    reason_code = models.CharField(max_length=40, blank=True)
    reason = models.TextField(blank=True)
    # What parsing repaired, for the agent who reads the message.
    defects = models.JSONField(default=list, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # Who retried, released or discarded it, and why.
    handled_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "dedupe_key"], name="inbound_message_once_per_mailbox"
            ),
            models.CheckConstraint(
                condition=Q(state__in=InboundState.values), name="inbound_message_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state=InboundState.PROCESSED) | Q(case__isnull=False),
                name="inbound_message_processed_has_case",
            ),
        ]
        indexes = [
            # Threading: "which case holds the message this one replies to?"
            models.Index(
                fields=["message_id"],
                condition=~Q(message_id=""),
                name="inbound_message_mid",
            ),
            # The sweep of messages a crashed worker left behind.
            models.Index(
                fields=["received_at", "id"],
                condition=Q(state=InboundState.RECEIVED),
                name="inbound_message_waiting",
            ),
            # The quarantine page and the ignored list, newest first (keyset by id).
            models.Index(
                fields=["state", "id"],
                condition=Q(state__in=[InboundState.QUARANTINED, InboundState.IGNORED]),
                name="inbound_message_attention",
            ),
            models.Index(fields=["case", "received_at"], name="inbound_message_case"),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk} to {self.mailbox_id} ({self.state})"


def inbound_attachment_path(instance: InboundAttachment, filename: str) -> str:
    at = instance.message.received_at
    return f"mail/attachments/{at:%Y}/{at:%m}/{secrets.token_hex(16)}"


class InboundAttachment(models.Model):
    message = models.ForeignKey(
        InboundMessage, on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(upload_to=inbound_attachment_path, max_length=200)
    # The sender's name, cleaned, as a label; never a path.
    name = models.CharField(max_length=200)
    declared_type = models.CharField(max_length=100, blank=True)
    # Judged from the bytes; what the download is served as.
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    content_id = models.CharField(max_length=250, blank=True)
    inline = models.BooleanField(default=False)
    # Active or unknown types (HTML, SVG, scripts, archives …) are only ever downloaded.
    download_only = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.content_type}) on message {self.message_id}"


class CaseMailParticipant(models.Model):
    """An address that takes part in a case's mail: only these may reply onto the case."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="mail_participants")
    address = models.CharField(max_length=254)
    name = models.CharField(max_length=200, blank=True)
    # Where we learnt it: the sender, a Cc of the first message, or an agent.
    source = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "address"], name="case_mail_participant_once")
        ]
        indexes = [models.Index(Lower("address"), name="case_mail_participant_address")]

    def __str__(self) -> str:
        return f"{self.address} on case {self.case_id}"


class OutboundKind(models.TextChoices):
    REPLY = "reply", "Reply to the customer"
    ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement"
    NOTIFICATION = "notification", "Notification to an agent"


class OutboundState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (gave up)"


class OutboundMessage(models.Model):
    """One message we send, written in the same transaction as what caused it and sent after
    commit by a task, with retries: the sent log."""

    kind = models.CharField(max_length=20, choices=OutboundKind.choices)
    state = models.CharField(
        max_length=10, choices=OutboundState.choices, default=OutboundState.QUEUED
    )
    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="outbound_messages"
    )
    note = models.ForeignKey(
        Note, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The agent a notification is for.
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_address = models.CharField(max_length=254)
    reply_to = models.CharField(max_length=254, blank=True)
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    # Ours, without <>; replies to it thread back by it.
    message_id = models.CharField(max_length=250, unique=True)
    in_reply_to = models.CharField(max_length=250, blank=True)
    references = models.TextField(blank=True)
    auto_submitted = models.BooleanField(default=False)
    # Automatic mail is limited per recipient: the one address it went to, lower-cased.
    rate_key = models.CharField(max_length=254, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=OutboundState.values), name="outbound_message_state_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(state=OutboundState.QUEUED),
                name="outbound_message_queued",
            ),
            models.Index(fields=["case", "created_at"], name="outbound_message_case"),
            # The per-sender limit on automatic mail.
            models.Index(
                fields=["rate_key", "created_at"],
                condition=Q(auto_submitted=True),
                name="outbound_message_auto",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} ({self.state})"


class MailPreference(models.Model):
    """Which notifications an agent also gets by email (all of them unless turned off)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="mail_preference")
    assigned = models.BooleanField("A case is assigned to me", default=True)
    handoff = models.BooleanField("A handoff waits for me (or escalates to me)", default=True)
    promise_due = models.BooleanField("A promise on my case falls due", default=True)
    deadline = models.BooleanField("A deadline on my case is close or missed", default=True)
    customer_wrote = models.BooleanField("A customer writes on my case", default=True)

    def __str__(self) -> str:
        return f"Mail preferences of {self.user}"
