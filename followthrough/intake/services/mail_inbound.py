"""Processing a stored message: a new case, a contact on the case it replies to, a quarantine
entry with its reason, or an ignored loop — exactly one of them, once.

Processing runs under a lock on the message's row and ends by recording the outcome in the
same transaction as the case it opened or the contact it logged, so a crash at any point
leaves the message waiting (and the sweep picks it up) or done, never half done or twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from followthrough.accounts.access import require_capability
from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import User
from followthrough.cases.models import Case, Interaction
from followthrough.cases.services import case_log_interaction, case_open
from followthrough.cases.services._common import MAX_LONG_TEXT
from followthrough.cases.states import CaseStatus, Channel, Direction, Disposition
from followthrough.core.errors import ServiceError
from followthrough.customers.models import Contact
from followthrough.intake.errors import IntakeError
from followthrough.intake.mail.loops import automatic, suppresses_replies
from followthrough.intake.mail.parsing import (
    MailParseError,
    ParsedMail,
    ParseProblem,
    parse_message,
)
from followthrough.intake.mail.tokens import base_address
from followthrough.intake.models import (
    InboundAttachment,
    InboundMessage,
    InboundState,
    Mailbox,
    OutboundMessage,
)
from followthrough.intake.selectors import surviving_case
from followthrough.intake.services._contact import log_inbound_contact
from followthrough.intake.services.mail_outbound import acknowledgement_queue
from followthrough.intake.services.mail_threading import (
    add_participants,
    thread_case,
)

logger = logging.getLogger(__name__)

ANSWER_STEP = "Answer the customer's email"
NO_SUBJECT = "(no subject)"
MAX_SUBJECT = 250
MAX_CC_PARTICIPANTS = 20

_PARSE_CODES = {
    ParseProblem.UNPARSEABLE: IntakeError.MAIL_UNPARSEABLE,
    ParseProblem.TOO_DEEP: IntakeError.MAIL_TOO_DEEP,
    ParseProblem.TOO_MANY_PARTS: IntakeError.MAIL_TOO_MANY_PARTS,
    ParseProblem.ATTACHMENT_TOO_LARGE: IntakeError.MAIL_ATTACHMENT_TOO_LARGE,
}


class _Stop(Exception):
    """The message ends here without a case: quarantined or ignored, with a reason."""

    def __init__(self, state: InboundState, code: IntakeError, reason: str, **extra: Any) -> None:
        super().__init__(reason)
        self.state = state
        self.code = code
        self.reason = reason
        self.extra = extra


def _quarantine(code: IntakeError, reason: str) -> _Stop:
    return _Stop(InboundState.QUARANTINED, code, reason)


def _ignore(code: IntakeError, reason: str, **extra: Any) -> _Stop:
    return _Stop(InboundState.IGNORED, code, reason, **extra)


@dataclass
class _Override:
    """An agent's release: onto this case (or a new one), whatever the checks would say."""

    actor: User
    case: Case | None
    note: str = ""


@dataclass
class _Outcome:
    case: Case
    interaction: Interaction
    opened: bool
    remarks: list[str] = field(default_factory=list)
    # True when a reference was refused (a hijack attempt, or a stranger's reply).
    refused: bool = False


def inbound_message_process(message_pk: int) -> InboundMessage:
    """Process a stored message once. Safe to call again, from any worker, at any time."""
    try:
        with transaction.atomic():
            message = _lock(message_pk)
            if message is None or message.state != InboundState.RECEIVED:
                return message or InboundMessage.objects.get(pk=message_pk)
            _run(message, override=None)
            return message
    except InboundMessage.DoesNotExist:
        raise
    except Exception as exc:
        # A bug or a database error: the work rolled back. The message must not block intake
        # or vanish, so it is quarantined with what went wrong, for an agent to retry.
        logger.exception("Processing inbound message %s failed", message_pk)
        return _mark_failed(message_pk, exc)


def inbound_message_retry(*, actor: User, message: InboundMessage) -> InboundMessage:
    """Process a quarantined or ignored message again, by the usual rules."""
    require_capability(actor, Capability.CASE_OPEN)
    with transaction.atomic():
        locked = _require_attention(message)
        locked.state = InboundState.RECEIVED
        _handled(locked, actor, "Retried")
        locked.save()
    return inbound_message_process(locked.pk)


def inbound_message_release(
    *, actor: User, message: InboundMessage, case: Case | None = None, note: str = ""
) -> InboundMessage:
    """Put a quarantined or ignored message on `case` (or a new case in its mailbox's queue)
    as it is: the agent has looked at it, so the loop, size and participant checks give way."""
    require_capability(actor, Capability.CASE_OPEN)
    with transaction.atomic():
        locked = _require_attention(message)
        _handled(locked, actor, note.strip() or "Released into a case")
        _run(locked, override=_Override(actor=actor, case=case, note=note.strip()))
    return locked


def inbound_message_discard(*, actor: User, message: InboundMessage, reason: str) -> InboundMessage:
    """Set a quarantined or ignored message aside for good, with a reason. The raw message is
    kept: nothing is deleted."""
    require_capability(actor, Capability.CASE_OPEN)
    if not reason.strip():
        raise ServiceError(
            IntakeError.MAIL_REASON_REQUIRED, "Say why the message is discarded.", field="reason"
        )
    with transaction.atomic():
        locked = _require_attention(message)
        locked.state = InboundState.DISCARDED
        _handled(locked, actor, reason.strip()[:2000])
        locked.save()
    return locked


def inbound_messages_waiting(*, older_than: dt.timedelta, limit: int = 200) -> list[int]:
    """Messages stored but not processed for a while: their task was lost with a worker."""
    cutoff = timezone.now() - older_than
    return list(
        InboundMessage.objects.filter(state=InboundState.RECEIVED, received_at__lte=cutoff)
        .order_by("received_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


# --- The steps ------------------------------------------------------------------------------


def _lock(message_pk: int) -> InboundMessage | None:
    return (
        InboundMessage.objects.select_for_update(of=("self",))
        .select_related("mailbox__team")
        .filter(pk=message_pk)
        .first()
    )


def _require_attention(message: InboundMessage) -> InboundMessage:
    locked = _lock(message.pk)
    if locked is None or locked.state not in (InboundState.QUARANTINED, InboundState.IGNORED):
        state = locked.get_state_display().lower() if locked is not None else "gone"
        raise ServiceError(
            IntakeError.MAIL_NOT_WAITING,
            f"Message {message.pk} is {state}; only quarantined or ignored messages can be "
            "retried, released or discarded.",
            message_id=message.pk,
        )
    return locked


def _handled(message: InboundMessage, actor: User, note: str) -> None:
    message.handled_by = actor
    message.handled_at = timezone.now()
    message.handled_note = note


def _run(message: InboundMessage, *, override: _Override | None) -> None:
    message.attempts += 1
    saved_files: list[InboundAttachment] = []
    try:
        with transaction.atomic():
            parsed = _parse(message, override)
            outcome = _deliver(message, parsed, override, saved_files)
    except _Stop as stop:
        for attachment in saved_files:
            attachment.file.delete(save=False)
        message.state = stop.state
        message.reason_code = stop.code
        message.reason = stop.reason
        message.case = stop.extra.get("case")
        message.duplicate_of = stop.extra.get("duplicate_of")
        message.processed_at = timezone.now()
        message.save()
        return
    except BaseException:
        for attachment in saved_files:  # files are not transactional
            attachment.file.delete(save=False)
        raise
    message.state = InboundState.PROCESSED
    message.case = outcome.case
    message.interaction = outcome.interaction
    message.opened_case = outcome.opened
    message.reason_code = IntakeError.MAIL_REFERENCE_REFUSED if outcome.refused else ""
    message.reason = " ".join(outcome.remarks)
    message.processed_at = timezone.now()
    message.save()


def _mark_failed(message_pk: int, exc: Exception) -> InboundMessage:
    with transaction.atomic():
        message = _lock(message_pk)
        if message is None:
            raise InboundMessage.DoesNotExist(message_pk)
        if message.state == InboundState.RECEIVED:
            message.attempts += 1
            message.state = InboundState.QUARANTINED
            message.reason_code = IntakeError.PROCESSING_FAILED
            message.reason = (
                f"Processing failed ({type(exc).__name__}: {str(exc)[:300]}). The message is "
                "stored; retry it once the cause is fixed."
            )
            message.processed_at = timezone.now()
            message.save()
        return message


def _parse(message: InboundMessage, override: _Override | None) -> ParsedMail | None:
    """The parsed message; None only when an agent releases one that cannot be read."""
    limit = settings.FOLLOWTHROUGH_MAIL_MAX_BYTES
    if message.size > limit and override is None:
        raise _quarantine(
            IntakeError.MAIL_OVERSIZED,
            f"The message is {_mb(message.size)}; messages over {_mb(limit)} are not processed. "
            "Download it, or release it into a case.",
        )
    try:
        with message.raw.open("rb") as handle:
            parsed = parse_message(
                handle,
                max_attachment_bytes=(
                    settings.FOLLOWTHROUGH_MAIL_MAX_ATTACHMENT_BYTES if override is None else limit
                ),
            )
    except MailParseError as exc:
        if override is not None:
            return None
        raise _quarantine(_PARSE_CODES[exc.code], exc.reason) from None
    message.from_address = parsed.sender.address if parsed.sender else ""
    message.from_name = parsed.sender.name if parsed.sender else ""
    message.subject = parsed.subject[:MAX_SUBJECT]
    message.defects = list(parsed.defects)[:50]
    return parsed


def _deliver(
    message: InboundMessage,
    parsed: ParsedMail | None,
    override: _Override | None,
    saved_files: list[InboundAttachment],
) -> _Outcome:
    mailbox = message.mailbox
    if override is None:
        assert parsed is not None  # noqa: S101 - only a release goes on without a parse
        _check_loops(message, parsed, mailbox)
        if parsed.sender is None:
            raise _quarantine(
                IntakeError.MAIL_NO_SENDER,
                "The message has no usable sender address (From), so no one could be answered.",
            )
        case, remarks = thread_case(parsed, mailbox)
    else:
        case, remarks = override.case, []
    refused = bool(remarks)
    if parsed is not None:
        saved_files.extend(_save_attachments(message, parsed))
    note = _note(message, parsed, saved_files, remarks, override)
    if case is not None and case.merged_into_id is not None:
        case = surviving_case(case)
    if case is not None and case.status == CaseStatus.CLOSED:
        remarks.append(
            f"It replies to {case.number}, which is closed, so it opened a new case that "
            "refers to it."
        )
        note = _note(message, parsed, saved_files, remarks, override)
        closed_number = case.number
        case = None
    else:
        closed_number = ""
    if case is None:
        case, interaction = _open_case(message, parsed, note, closed_number)
        opened = True
    else:
        interaction = _log_contact(case, message, parsed, note)
        opened = False
    if parsed is not None and parsed.sender is not None:
        _record_participants(case, parsed)
        if opened and override is None:
            _acknowledge(case, message, parsed)
    return _Outcome(
        case=case, interaction=interaction, opened=opened, remarks=remarks, refused=refused
    )


def _check_loops(message: InboundMessage, parsed: ParsedMail, mailbox: Mailbox) -> None:
    if parsed.message_id and OutboundMessage.objects.filter(message_id=parsed.message_id).exists():
        raise _ignore(
            IntakeError.MAIL_OWN_MESSAGE,
            "It is a message we sent, come back to us; it is not a customer's mail.",
        )
    if parsed.sender is not None and _is_our_address(parsed.sender.address):
        raise _ignore(
            IntakeError.MAIL_OWN_MESSAGE,
            f"It is from {parsed.sender.address}, one of our own mailboxes; answering it would "
            "start a loop.",
        )
    auto = automatic(parsed)
    if auto is not None:
        raise _ignore(
            IntakeError.MAIL_AUTOMATIC,
            f"{auto.reason} It was not added to any case and got no reply.",
        )
    if message.message_id:
        # Copies of one message (two mailboxes, or a resend with other bytes) are processed one
        # at a time: each waits on the first copy's row, then sees whether it is on a case.
        InboundMessage.objects.select_for_update().filter(
            pk=InboundMessage.objects.filter(message_id=message.message_id)
            .order_by("id")
            .values("pk")[:1]
        ).exists()
        earlier = (
            InboundMessage.objects.filter(
                message_id=message.message_id, state=InboundState.PROCESSED
            )
            .exclude(pk=message.pk)
            .select_related("case", "mailbox")
            .order_by("id")
            .first()
        )
        if earlier is not None:
            raise _ignore(
                IntakeError.MAIL_DUPLICATE,
                f"A message with the same Message-ID reached {earlier.mailbox.address} before "
                f"and is on {earlier.case.number if earlier.case else 'a case'}; this copy was "
                "not added again. Release it if it is a different message.",
                case=earlier.case,
                duplicate_of=earlier,
            )


def _is_our_address(address: str) -> bool:
    return Mailbox.objects.filter(address=base_address(address)).exists()


def _contact_for(address: str) -> Contact | None:
    """The one active contact with this address; none when unknown or ambiguous."""
    contacts = list(
        Contact.objects.filter(emails__address=address.lower(), is_active=True)
        .select_related("organization")
        .distinct()[:2]
    )
    return contacts[0] if len(contacts) == 1 else None


def _open_case(
    message: InboundMessage, parsed: ParsedMail | None, note: str, closed_number: str
) -> tuple[Case, Interaction]:
    mailbox = message.mailbox
    contact = _contact_for(parsed.sender.address) if parsed and parsed.sender else None
    due = timezone.now() + dt.timedelta(minutes=mailbox.first_response_minutes)
    subject = _case_subject(parsed)
    description = note
    if closed_number:
        description = f"Follows up {closed_number}, which was closed.\n\n{note}"
    case = case_open(
        actor=None,
        subject=subject,
        channel=Channel.EMAIL,
        team=mailbox.team,
        priority=mailbox.default_priority,
        description=description[:MAX_LONG_TEXT],
        next_step=ANSWER_STEP,
        next_step_due=due,
        contact=contact,
    )
    interaction = case_log_interaction(
        actor=None,
        case=case,
        channel=Channel.EMAIL,
        direction=Direction.INBOUND,
        disposition=Disposition.NEXT_STEP_SET,
        note=note,
        started_at=message.received_at,
        contact=contact,
        confirm_next_step=True,
    )
    return case, interaction


def _log_contact(
    case: Case, message: InboundMessage, parsed: ParsedMail | None, note: str
) -> Interaction:
    contact = None
    if parsed is not None and parsed.sender is not None:
        found = _contact_for(parsed.sender.address)
        if found is not None and found.organization_id == case.organization_id:
            contact = found
    return log_inbound_contact(
        case=case,
        channel=Channel.EMAIL,
        note=note,
        started_at=message.received_at,
        first_response=dt.timedelta(minutes=message.mailbox.first_response_minutes),
        default_step=ANSWER_STEP,
        contact=contact,
    )


def _case_subject(parsed: ParsedMail | None) -> str:
    if parsed is None:
        return "Email that could not be read"
    subject = parsed.subject.strip() or NO_SUBJECT
    return subject if len(subject) <= MAX_SUBJECT else subject[: MAX_SUBJECT - 1] + "…"


def _note(
    message: InboundMessage,
    parsed: ParsedMail | None,
    attachments: list[InboundAttachment],
    remarks: list[str],
    override: _Override | None,
) -> str:
    if parsed is None:
        lines = [
            f"Email {message.pk} could not be read ({message.reason}). The original is kept; "
            "download it from the case's mail."
        ]
    else:
        sender = parsed.sender
        who = f"{sender.name} <{sender.address}>" if sender and sender.name else ""
        who = who or (sender.address if sender else "an unknown sender")
        lines = [f"Email from {who}: {parsed.subject or NO_SUBJECT}"]
        text = parsed.text.strip()
        lines.append(text or "(The message has no text.)")
        if parsed.quoted.strip():
            lines.append("[Quoted history left out; it is in the original message.]")
    if attachments:
        lines.append(
            "Attachments:\n"
            + "\n".join(f"- {a.name} ({a.content_type}, {a.size:,} bytes)" for a in attachments)
        )
    if override is not None:
        lines.append(
            f"Released from the mail quarantine by {override.actor.display_name}"
            + (f": {override.note}" if override.note else ".")
        )
    lines.extend(remarks)
    text = "\n\n".join(lines)
    if len(text) > MAX_LONG_TEXT:
        cut = len(text) - (MAX_LONG_TEXT - 200)
        text = text[: MAX_LONG_TEXT - 200] + f"\n\n[{cut:,} more characters are in the original.]"
    return text


def _save_attachments(message: InboundMessage, parsed: ParsedMail) -> list[InboundAttachment]:
    saved = []
    for part in parsed.attachments:
        attachment = InboundAttachment(
            message=message,
            name=part.name[:200],
            declared_type=part.declared_type[:100],
            content_type=part.content_type[:100],
            size=part.size,
            sha256=part.sha256,
            content_id=part.content_id[:250],
            inline=part.inline,
            download_only=part.download_only,
        )
        # The name passed here is ignored: upload_to makes a random one.
        attachment.file.save("part", ContentFile(part.data), save=False)
        saved.append(attachment)
        attachment.save()
    return saved


def _record_participants(case: Case, parsed: ParsedMail) -> None:
    """The sender and whoever they copied join the case's mail, as a reply-all would (our
    own mailboxes never do)."""
    sender = parsed.sender
    assert sender is not None  # noqa: S101 - callers check
    copied = [(address, "cc") for address in (*parsed.to, *parsed.cc)[:MAX_CC_PARTICIPANTS]]
    add_participants(case, [(sender, "sender"), *copied])


def _acknowledge(case: Case, message: InboundMessage, parsed: ParsedMail) -> None:
    mailbox = message.mailbox
    if not mailbox.send_acknowledgement or parsed.sender is None or suppresses_replies(parsed):
        return
    acknowledgement_queue(case=case, mailbox=mailbox, to=parsed.sender, received=parsed)


def _mb(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:,.0f} KB"
    return f"{size / (1024 * 1024):,.1f} MB"
