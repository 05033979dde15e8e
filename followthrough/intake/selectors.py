"""Reads for intake: the open case a repeat report belongs to, the error-report quarantine,
and the email channel's log, one message as an agent reads it, and a case's mail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from django.db.models import Prefetch, QuerySet

from followthrough.cases.models import Case
from followthrough.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, keyset_page
from followthrough.intake.mail.parsing import MailParseError, parse_message
from followthrough.intake.models import (
    CaseMailParticipant,
    ErrorReport,
    InboundAttachment,
    InboundMessage,
    InboundState,
    Mailbox,
    OutboundKind,
    OutboundMessage,
)

# Who else is copied on a reply, at most.
MAX_CC = 10
# A merged case points at the case it went into; follow at most this many hops.
MAX_MERGE_HOPS = 10


def open_case_for_repeat(
    *, product: str, installation_id: str, error_code: str, exclude_report: int | None = None
) -> Case | None:
    """The case the last report of this error from this installation opened, if it (or the
    case it was merged into) is still open; None means a new report opens a new case."""
    reports = ErrorReport.objects.filter(
        product=product,
        installation_id=installation_id,
        error_code=error_code,
        appended=False,
        case__isnull=False,
    )
    if exclude_report is not None:
        reports = reports.exclude(pk=exclude_report)
    report = reports.order_by("-id").select_related("case").first()
    if report is None or report.case is None:
        return None
    case = surviving_case(report.case)
    return case if case.is_open else None


def surviving_case(case: Case) -> Case:
    """The case a merged case lives on in (itself when it was not merged)."""
    for _ in range(MAX_MERGE_HOPS):
        if case.merged_into_id is None:
            break
        case = Case.objects.get(pk=case.merged_into_id)
    return case


def quarantined_error_reports(
    *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[ErrorReport]:
    """Reports that opened no case, oldest first, for agents to see and retry."""
    queryset: QuerySet[ErrorReport] = ErrorReport.objects.filter(case__isnull=True)
    return keyset_page(queryset, field="received_at", cursor=cursor, limit=limit)


# --- The email channel ----------------------------------------------------------------------


class MailLogTab(StrEnum):
    """The mail log's tabs: what needs an agent first, then the rest."""

    QUARANTINED = "quarantined"
    IGNORED = "ignored"
    WAITING = "waiting"
    ALL = "all"


MAIL_LOG_TABS: dict[MailLogTab, tuple[str, InboundState | None]] = {
    MailLogTab.QUARANTINED: ("Quarantined", InboundState.QUARANTINED),
    MailLogTab.IGNORED: ("Ignored", InboundState.IGNORED),
    MailLogTab.WAITING: ("Waiting", InboundState.RECEIVED),
    MailLogTab.ALL: ("All", None),
}


@dataclass(frozen=True)
class MailLogPage:
    items: list[InboundMessage]
    # The id to ask for the next (older) page with, or None on the last page.
    older: int | None


def mail_log(
    state: InboundState | str | None, before_id: int | None = None, limit: int = DEFAULT_LIMIT
) -> MailLogPage:
    """Received messages in one state (None: every state), newest first, one page at a time:
    keyset by id (`before_id` is the last id of the page before), one query per page."""
    size = max(1, min(int(limit), MAX_LIMIT))
    queryset = InboundMessage.objects.select_related("mailbox", "case")
    if state is not None:
        queryset = queryset.filter(state=state)
    if before_id is not None:
        queryset = queryset.filter(id__lt=before_id)
    rows = list(queryset.order_by("-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return MailLogPage(items=rows, older=rows[-1].pk if more and rows else None)


# Larger originals are not parsed in a page request; the agent downloads them instead.
PREVIEW_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class MessageText:
    """What the message page shows as the message's text, and where it came from."""

    text: str
    # "case": the note the message left on its case; "preview": parsed from the original
    # now; "none": no text could be had, and `problem` says why.
    source: Literal["case", "preview", "none"]
    problem: str = ""
    # Read by the preview, for a message that was never read (an oversized one, say).
    subject: str = ""
    sender_name: str = ""
    sender_address: str = ""


def inbound_message_text(message: InboundMessage) -> MessageText:
    """The text of a received message as plain text (never HTML): the case note it became
    when it was processed, otherwise a preview parsed from the stored original."""
    if message.state == InboundState.PROCESSED and message.interaction is not None:
        return MessageText(text=message.interaction.note, source="case")
    if message.size > PREVIEW_MAX_BYTES:
        return MessageText(
            text="",
            source="none",
            problem="The message is too large to preview here; download the original.",
        )
    try:
        with message.raw.open("rb") as handle:
            parsed = parse_message(handle, max_attachment_bytes=PREVIEW_MAX_BYTES)
    except MailParseError as exc:
        return MessageText(text="", source="none", problem=f"It cannot be read: {exc.reason}")
    except OSError:
        return MessageText(text="", source="none", problem="The original is missing from storage.")
    read = {
        "subject": parsed.subject,
        "sender_name": parsed.sender.name if parsed.sender else "",
        "sender_address": parsed.sender.address if parsed.sender else "",
    }
    text = parsed.text.strip()
    if not text:
        return MessageText(text="", source="none", problem="The message has no text.", **read)
    return MessageText(text=text, source="preview", **read)


def inbound_message_attachments(message: InboundMessage) -> list[InboundAttachment]:
    return list(message.attachments.order_by("id"))


# The newest messages a case's mail panel shows, in and out.
CASE_MAIL_LIMIT = 50


@dataclass(frozen=True)
class CaseMailItem:
    direction: Literal["in", "out"]
    at: dt.datetime
    inbound: InboundMessage | None = None
    outbound: OutboundMessage | None = None


@dataclass(frozen=True)
class CaseMail:
    """A case's mail: where its public notes go, who takes part, and its messages."""

    mailbox: Mailbox | None
    to: str
    cc: list[str]
    participants: list[CaseMailParticipant]
    items: list[CaseMailItem]
    # More messages than the panel shows (the oldest are left out).
    more: bool


def case_mail(case: Case, *, limit: int = CASE_MAIL_LIMIT) -> CaseMail:
    """The messages received onto `case` (with their attachments) and sent from it, newest
    first, at most `limit` of them; notifications to agents are not the case's mail."""
    inbound = list(
        InboundMessage.objects.filter(case=case)
        .select_related("mailbox")
        .prefetch_related(
            Prefetch("attachments", queryset=InboundAttachment.objects.order_by("id"))
        )
        .order_by("-received_at", "-id")[: limit + 1]
    )
    outbound = list(
        OutboundMessage.objects.filter(case=case)
        .exclude(kind=OutboundKind.NOTIFICATION)
        .order_by("-created_at", "-id")[: limit + 1]
    )
    items = [CaseMailItem("in", m.received_at, inbound=m) for m in inbound] + [
        CaseMailItem("out", m.created_at, outbound=m) for m in outbound
    ]
    items.sort(key=lambda item: item.at, reverse=True)
    mailbox = case_mailbox(case)
    to, cc = case_recipients(case)
    participants = list(CaseMailParticipant.objects.filter(case=case).order_by("id")[:limit])
    return CaseMail(
        mailbox=mailbox,
        to=to,
        cc=cc,
        participants=participants,
        items=items[:limit],
        more=len(items) > limit,
    )


def case_mailbox(case: Case) -> Mailbox | None:
    """The mailbox a case's mail goes out from: the one its last message came in to, else
    one of its team's, else none (and then public notes are not emailed)."""
    last = (
        InboundMessage.objects.filter(case=case, state=InboundState.PROCESSED)
        .order_by("-received_at", "-id")
        .select_related("mailbox")
        .first()
    )
    if last is not None and last.mailbox.is_active:
        return last.mailbox
    if case.team_id is None:
        return None
    return Mailbox.objects.filter(team_id=case.team_id, is_active=True).order_by("id").first()


def case_recipients(case: Case) -> tuple[str, list[str]]:
    """Who a reply on the case goes to: (to, cc). The sender of the latest mail on the case,
    else the contact's primary address; the others who took part in its mail are copied."""
    last = (
        InboundMessage.objects.filter(case=case, state=InboundState.PROCESSED)
        .exclude(from_address="")
        .order_by("-received_at", "-id")
        .values_list("from_address", flat=True)
        .first()
    )
    to = last or ""
    if not to and case.contact is not None:
        to = (
            case.contact.emails.order_by("-is_primary", "address")
            .values_list("address", flat=True)
            .first()
            or ""
        )
    cc = [
        address
        for address in CaseMailParticipant.objects.filter(case=case)
        .order_by("id")
        .values_list("address", flat=True)
        if address != to
    ][:MAX_CC]
    return to, cc
