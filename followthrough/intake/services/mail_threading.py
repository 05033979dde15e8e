"""Which case a message replies to, and who may reply onto a case.

A message attaches to a case by its In-Reply-To/References (our Message-IDs, or those of mail
already on the case), or by the signed case token in its subject or in the +tagged address it
was sent to — and only when its sender takes part in that case's mail. Anything else opens a
new case, with a remark saying which reference was refused and why. A case number alone (or a
forged token, or a forged Message-ID) never attaches anything.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings

from followthrough.cases.models import Case
from followthrough.customers.models import ContactEmail
from followthrough.intake.mail.parsing import MailAddress, ParsedMail
from followthrough.intake.mail.tokens import (
    address_case_id,
    base_address,
    derive_key,
    subject_case_ids,
    unsigned_case_numbers,
)
from followthrough.intake.models import (
    CaseMailParticipant,
    InboundMessage,
    InboundState,
    Mailbox,
    OutboundMessage,
)
from followthrough.intake.selectors import surviving_case

MAX_PARTICIPANTS = 50


def token_key() -> bytes:
    return derive_key(settings.SECRET_KEY)


def thread_case(parsed: ParsedMail, mailbox: Mailbox) -> tuple[Case | None, list[str]]:
    """The case this message belongs on, or None; and remarks on references refused."""
    sender = parsed.sender
    assert sender is not None  # noqa: S101 - the caller quarantines mail without a sender
    remarks: list[str] = []
    candidates = _candidates(parsed, mailbox)
    cases = Case.objects.in_bulk([case_id for case_id, _ in candidates])
    for case_id, how in candidates:
        case = cases.get(case_id)
        if case is None:
            continue
        target = surviving_case(case)
        # Someone who took part in a case merged away still takes part in the case it went into.
        if is_participant(case, sender.address) or is_participant(target, sender.address):
            return target, remarks
        remarks.append(
            f"It refers to {case.number} ({how}), but {sender.address} takes no part in that "
            "case's mail, so it was not added there."
        )
    named = {case.number for case in cases.values()}
    for number in unsigned_case_numbers(parsed.subject, settings.CASE_NUMBER_PREFIX):
        if number not in named:
            remarks.append(
                f"The subject names {number} without the case's signed tag; a case number "
                "alone never adds mail to a case."
            )
    return None, remarks


def _candidates(parsed: ParsedMail, mailbox: Mailbox) -> list[tuple[int, str]]:
    """Cases the message points at, most trustworthy first, each once."""
    found: dict[int, str] = {}
    ids = list(dict.fromkeys([*reversed(parsed.in_reply_to), *reversed(parsed.references)]))
    if ids:
        rank = {mid: i for i, mid in enumerate(ids)}
        rows = [
            *OutboundMessage.objects.filter(message_id__in=ids, case__isnull=False).values_list(
                "message_id", "case_id"
            ),
            *InboundMessage.objects.filter(
                message_id__in=ids, case__isnull=False, state=InboundState.PROCESSED
            ).values_list("message_id", "case_id"),
        ]
        for _mid, referred in sorted(rows, key=lambda row: rank[row[0]]):
            if referred is not None:
                found.setdefault(referred, "by the message it replies to")
    key = token_key()
    for address in (*parsed.to, *parsed.cc):
        tagged = address_case_id(address.address, mailbox.address, key)
        if tagged is not None:
            found.setdefault(tagged, "by its reply address")
    for case_id in subject_case_ids(parsed.subject, settings.CASE_NUMBER_PREFIX, key):
        found.setdefault(case_id, "by the tag in its subject")
    return list(found.items())


def is_participant(case: Case, address: str) -> bool:
    """May mail from `address` be added to `case`? Its contact's addresses and the addresses
    that took part in its mail may."""
    address = address.lower()
    if CaseMailParticipant.objects.filter(case=case, address=address).exists():
        return True
    return (
        case.contact_id is not None
        and ContactEmail.objects.filter(contact_id=case.contact_id, address=address).exists()
    )


def add_participants(case: Case, people: Iterable[tuple[MailAddress, str]]) -> None:
    """Add addresses to the case's mail (never our own mailboxes, tagged or not), up to
    MAX_PARTICIPANTS."""
    candidates = [(person, source) for person, source in people if person.address]
    if not candidates:
        return
    own = set(
        Mailbox.objects.filter(
            address__in={base_address(person.address) for person, _ in candidates}
        ).values_list("address", flat=True)
    )
    existing = set(CaseMailParticipant.objects.filter(case=case).values_list("address", flat=True))
    room = MAX_PARTICIPANTS - len(existing)
    rows = []
    for person, source in candidates:
        address = person.address.lower()
        if room <= 0:
            break
        if address in existing or base_address(address) in own:
            continue
        existing.add(address)
        rows.append(
            CaseMailParticipant(case=case, address=address, name=person.name[:200], source=source)
        )
        room -= 1
    CaseMailParticipant.objects.bulk_create(rows, ignore_conflicts=True)
