"""Mail we send: replies (an agent's public note), acknowledgements and notifications.

Each is written as an OutboundMessage in the same transaction as what caused it, then sent
after commit by a task, with retries; the rows are the sent log. Our mail carries our own
Message-ID and the thread's References, and a reply address with the case's signed token, so
the customer's answer finds its case. Automatic mail says so (RFC 3834) and is limited per
recipient, so two systems answering each other stop after a few messages.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Sequence
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from followthrough.accounts.models import User
from followthrough.cases.models import Case, Note, Notification
from followthrough.cases.states import NotificationKind
from followthrough.intake.mail.parsing import MailAddress, ParsedMail
from followthrough.intake.mail.tokens import (
    derive_key,
    new_message_id,
    reply_address,
    with_subject_tag,
)
from followthrough.intake.models import (
    InboundMessage,
    InboundState,
    Mailbox,
    MailPreference,
    OutboundKind,
    OutboundMessage,
    OutboundState,
)
from followthrough.intake.selectors import case_mailbox, case_recipients
from followthrough.intake.services.mail_threading import add_participants

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
# A send in progress holds its row this long; after that a sweep may try it again.
SEND_LEASE = dt.timedelta(minutes=5)
MAX_REFERENCES = 20

_PREFERENCE_FIELD: dict[str, str] = {
    NotificationKind.ASSIGNED: "assigned",
    NotificationKind.HANDOFF: "handoff",
    NotificationKind.ESCALATION: "handoff",
    NotificationKind.PROMISE_DUE: "promise_due",
    NotificationKind.DEADLINE: "deadline",
    NotificationKind.CUSTOMER_WROTE: "customer_wrote",
}


def _key() -> bytes:
    return derive_key(settings.SECRET_KEY)


def _domain() -> str:
    return settings.FOLLOWTHROUGH_MAIL_DOMAIN


def _thread_ids(case: Case) -> tuple[str, list[str]]:
    """(In-Reply-To, References) for the next message on the case's thread."""
    inbound = list(
        InboundMessage.objects.filter(case=case, state=InboundState.PROCESSED)
        .exclude(message_id="")
        .order_by("-received_at", "-id")
        .values_list("message_id", "received_at")[:MAX_REFERENCES]
    )
    outbound = list(
        OutboundMessage.objects.filter(case=case)
        .exclude(kind=OutboundKind.NOTIFICATION)
        .order_by("-created_at", "-id")
        .values_list("message_id", "created_at")[:MAX_REFERENCES]
    )
    ordered = [mid for mid, _ in sorted([*inbound, *outbound], key=lambda row: row[1])]
    ordered = ordered[-MAX_REFERENCES:]
    last_inbound = inbound[0][0] if inbound else ""
    return last_inbound or (ordered[-1] if ordered else ""), ordered


def reply_queue_for_note(*, note: Note, actor: User) -> OutboundMessage | None:
    """Email an agent's public note to the customer, in the case's thread. None when the case
    has nobody to write to or no mailbox to write from."""
    case = note.case
    mailbox = case_mailbox(case)
    to, cc = case_recipients(case)
    if mailbox is None or not to:
        return None
    in_reply_to, references = _thread_ids(case)
    signature = actor.display_name
    body = (
        f"{note.body}\n\n-- \n{signature}\n{mailbox.name}\n\n"
        f"Case {case.number}. Reply to this message to add to the case."
    )
    return _queue(
        kind=OutboundKind.REPLY,
        mailbox=mailbox,
        case=case,
        note=note,
        to=[to],
        cc=cc,
        subject=_reply_subject(case),
        body=body,
        in_reply_to=in_reply_to,
        references=references,
    )


def acknowledgement_queue(
    *, case: Case, mailbox: Mailbox, to: MailAddress, received: ParsedMail
) -> OutboundMessage | None:
    """Tell the sender their message opened a case — unless they already had as many
    automatic messages from us this hour as the limit allows (a loop stops there)."""
    since = timezone.now() - dt.timedelta(hours=1)
    sent = OutboundMessage.objects.filter(
        auto_submitted=True, rate_key=to.address, created_at__gte=since
    ).count()
    if sent >= settings.FOLLOWTHROUGH_MAIL_AUTO_REPLY_LIMIT:
        logger.info("No acknowledgement to %s: %d automatic messages this hour", to.address, sent)
        return None
    references = [*received.references, received.message_id]
    references = [mid for mid in references if mid][-MAX_REFERENCES:]
    body = (
        f"Hello,\n\nWe have received your message and opened case {case.number}: "
        f"{case.subject}\n\nThe {mailbox.team.name} team will answer you. To add to the case, "
        "reply to this message and keep the case tag in the subject.\n\n"
        f"{mailbox.name}\n\n(This message was sent automatically.)"
    )
    return _queue(
        kind=OutboundKind.ACKNOWLEDGEMENT,
        mailbox=mailbox,
        case=case,
        to=[_format(to.name, to.address)],
        subject=_reply_subject(case, received=received.subject),
        body=body,
        in_reply_to=received.message_id,
        references=references,
        auto_submitted=True,
        rate_key=to.address,
    )


def notification_mail_queue(notifications: Sequence[Notification]) -> list[OutboundMessage]:
    """Email each notification to its person, if they want that kind by mail."""
    users = {n.user.pk for n in notifications}
    preferences = {p.user_id: p for p in MailPreference.objects.filter(user_id__in=users)}
    queued = []
    for notification in notifications:
        user = notification.user
        preference = preferences.get(user.pk) or MailPreference(user=user)
        wanted = getattr(preference, _PREFERENCE_FIELD.get(notification.kind, "deadline"))
        if not wanted or not user.email or not user.is_active:
            continue
        case = notification.case
        body = (
            f"{notification.message}\n\n{case.number}: {case.subject}\n"
            f"{settings.FOLLOWTHROUGH_BASE_URL}/cases/{case.pk}/\n\n"
            f"You get this because of your mail settings: {settings.FOLLOWTHROUGH_BASE_URL}"
            "/mail/settings/"
        )
        queued.append(
            _queue(
                kind=OutboundKind.NOTIFICATION,
                mailbox=None,
                case=case,
                user=user,
                to=[_format(user.display_name, user.email)],
                subject=f"[{case.number}] {notification.message}"[:300],
                body=body,
                auto_submitted=True,
            )
        )
    return queued


def _reply_subject(case: Case, received: str = "") -> str:
    base = received.strip() or case.subject
    if not base.lower().startswith("re:"):
        base = f"Re: {base}"
    return with_subject_tag(base, settings.CASE_NUMBER_PREFIX, case.pk, _key())[:300]


def _format(name: str, address: str) -> str:
    # Display names never carry line breaks into a header.
    clean = " ".join(name.replace("\r", " ").replace("\n", " ").split())[:100]
    return formataddr((clean, address)) if clean else address


def _queue(
    *,
    kind: OutboundKind,
    mailbox: Mailbox | None,
    case: Case | None,
    to: list[str],
    subject: str,
    body: str,
    note: Note | None = None,
    user: User | None = None,
    cc: Sequence[str] = (),
    in_reply_to: str = "",
    references: Sequence[str] = (),
    auto_submitted: bool = False,
    rate_key: str = "",
) -> OutboundMessage:
    if mailbox is not None:
        sender = _format(mailbox.name, mailbox.address)
        reply = (
            reply_address(mailbox.address, settings.CASE_NUMBER_PREFIX, case.pk, _key())
            if case is not None
            else ""
        )
    else:
        sender, reply = settings.DEFAULT_FROM_EMAIL, ""
    message = OutboundMessage.objects.create(
        kind=kind,
        mailbox=mailbox,
        case=case,
        note=note,
        user=user,
        from_address=sender[:254],
        reply_to=reply,
        to=list(to),
        cc=list(cc),
        subject=" ".join(subject.split())[:300],
        body=body,
        message_id=new_message_id(kind, _domain()),
        in_reply_to=in_reply_to,
        references=" ".join(references),
        auto_submitted=auto_submitted,
        rate_key=rate_key.lower(),
    )
    if case is not None and kind == OutboundKind.REPLY:
        _add_recipients_to_case(case, [*to, *cc])
    transaction.on_commit(lambda: _enqueue_send(message.pk))
    return message


def _add_recipients_to_case(case: Case, addresses: Sequence[str]) -> None:
    people = [(MailAddress(address=parseaddr(a)[1].lower(), name=""), "agent") for a in addresses]
    add_participants(case, people)


def _enqueue_send(message_pk: int, run_after: dt.datetime | None = None) -> None:
    from followthrough.intake.tasks import outbound_message_send_task

    task = outbound_message_send_task
    if run_after is not None:
        task = task.using(run_after=run_after)
    task.enqueue(message_pk)


# --- Sending ---------------------------------------------------------------------------------


def outbound_message_send(message_pk: int) -> OutboundMessage:
    """Send one queued message if it is due. Safe to call twice: a sent message stays sent,
    and a send in progress elsewhere holds a lease on its row."""
    now = timezone.now()
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update(of=("self",))
            .select_related("mailbox")
            .get(pk=message_pk)
        )
        if message.state != OutboundState.QUEUED:
            return message
        if message.next_attempt_at is not None and message.next_attempt_at > now:
            return message
        message.attempts += 1
        message.next_attempt_at = now + SEND_LEASE
        message.save(update_fields=["attempts", "next_attempt_at"])
    # Sent outside the transaction: an SMTP server's pause must not hold the database.
    try:
        _send(message)
    except (TimeoutError, smtplib.SMTPException, OSError, ValueError) as exc:
        return _failed(message, exc)
    OutboundMessage.objects.filter(pk=message.pk).update(
        state=OutboundState.SENT, sent_at=timezone.now(), last_error="", next_attempt_at=None
    )
    message.refresh_from_db()
    return message


def _send(message: OutboundMessage) -> None:
    headers = {"Message-ID": f"<{message.message_id}>"}
    if message.in_reply_to:
        headers["In-Reply-To"] = f"<{message.in_reply_to}>"
    if message.references:
        headers["References"] = " ".join(f"<{mid}>" for mid in message.references.split())
    if message.auto_submitted:
        headers["Auto-Submitted"] = (
            "auto-replied" if message.kind == OutboundKind.ACKNOWLEDGEMENT else "auto-generated"
        )
        headers["X-Auto-Response-Suppress"] = "All"
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=message.from_address,
        to=list(message.to),
        cc=list(message.cc),
        reply_to=[message.reply_to] if message.reply_to else None,
        headers=headers,
    )
    with get_connection(fail_silently=False) as connection:
        sent = connection.send_messages([email])
    if not sent:
        raise smtplib.SMTPException("The mail server accepted nothing.")


def _failed(message: OutboundMessage, exc: Exception) -> OutboundMessage:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    logger.warning("Sending outbound message %s failed: %s", message.pk, error)
    if message.attempts >= MAX_ATTEMPTS:
        OutboundMessage.objects.filter(pk=message.pk).update(
            state=OutboundState.FAILED, last_error=error, next_attempt_at=None
        )
    else:
        # 1, 4, 9, 16, 25 minutes: a server that is down for a while is tried a few times.
        retry_at = timezone.now() + dt.timedelta(minutes=message.attempts**2)
        OutboundMessage.objects.filter(pk=message.pk).update(
            last_error=error, next_attempt_at=retry_at
        )
        _enqueue_send(message.pk, run_after=retry_at)
    message.refresh_from_db()
    return message


def outbound_messages_due(*, limit: int = 200) -> list[int]:
    """Queued messages whose time has come: a retry, or a send a stopped worker left."""
    now = timezone.now()
    due = Q(next_attempt_at__lte=now) | Q(
        next_attempt_at__isnull=True, created_at__lte=now - SEND_LEASE
    )
    return list(
        OutboundMessage.objects.filter(due, state=OutboundState.QUEUED)
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
