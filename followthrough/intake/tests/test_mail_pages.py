"""The email channel's pages: the mail log, one message and its actions (retry, release,
discard), the downloads, a case's mail panel and mail settings.

Messages are stored and processed by the real services, as the mail servers would do it.
"""

from __future__ import annotations

import base64

import pytest
from django.test import Client
from django.urls import reverse

from followthrough.accounts.capabilities import Role
from followthrough.accounts.models import Membership
from followthrough.accounts.tests.factories import UserFactory
from followthrough.cases.models import Case, CaseEvent, Interaction
from followthrough.cases.tests.factories import open_case
from followthrough.intake.errors import IntakeError
from followthrough.intake.models import (
    InboundMessage,
    InboundSource,
    InboundState,
    Mailbox,
    MailPreference,
)
from followthrough.intake.selectors import mail_log
from followthrough.intake.services.mail_inbound import inbound_message_process
from followthrough.intake.services.mail_store import inbound_mail_store

ADDRESS = "support@desk.example"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
HOSTILE_SUBJECT = "<script>alert(1)</script> printer"
HOSTILE_NAME = "<img src=x onerror=alert(2)>"
HOSTILE_BODY = "Hello <script>alert(3)</script> and <img src=x onerror=alert(4)>"

_counter = iter(range(1, 1_000_000))


def raw_mail(
    *,
    subject: str = "Printer offline after the update",
    sender: str = "Maria Lopez <maria@acme.example>",
    body: str = "The printer stopped working this morning.",
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> bytes:
    """A message as it would arrive, built by hand so hostile values stay exactly as sent."""
    n = next(_counter)
    lines = [
        *([f"From: {sender}"] if sender else []),
        f"To: Support <{ADDRESS}>",
        f"Subject: {subject}",
        f"Message-ID: <m{n}.pages@acme.example>",
        "Date: Mon, 16 Nov 2026 10:00:00 +0000",
        "MIME-Version: 1.0",
        *(f"{name}: {value}" for name, value in (headers or {}).items()),
    ]
    if not attachments:
        lines += ["Content-Type: text/plain; charset=utf-8", "", body, ""]
        return "\r\n".join(lines).encode()
    boundary = f"b{n}"
    parts = [
        f"--{boundary}",
        "Content-Type: text/plain; charset=utf-8",
        "",
        body,
    ]
    for name, content_type, data in attachments:
        parts += [
            f"--{boundary}",
            f"Content-Type: {content_type}",
            f'Content-Disposition: attachment; filename="{name}"',
            "Content-Transfer-Encoding: base64",
            "",
            base64.b64encode(data).decode(),
        ]
    parts += [f"--{boundary}--", ""]
    lines += [f'Content-Type: multipart/mixed; boundary="{boundary}"', "", *parts]
    return "\r\n".join(lines).encode()


def receive(mailbox: Mailbox, raw: bytes, *, process: bool = True) -> InboundMessage:
    message, created = inbound_mail_store(mailbox=mailbox, raw=raw, source=InboundSource.IMPORT)
    assert created
    if process:
        inbound_message_process(message.pk)
    message.refresh_from_db()
    return message


def message_state(message: InboundMessage) -> dict[str, object]:
    """What a refused action must leave as it was."""
    row = InboundMessage.objects.get(pk=message.pk)
    return {
        "state": row.state,
        "case": row.case_id,
        "reason_code": row.reason_code,
        "attempts": row.attempts,
        "handled_by": row.handled_by_id,
        "handled_note": row.handled_note,
        "cases": Case.objects.count(),
        "interactions": Interaction.objects.count(),
        "events": CaseEvent.objects.count(),
    }


@pytest.fixture
def mailbox(tier1) -> Mailbox:
    return Mailbox.objects.create(name="Acme Support", address=ADDRESS, team=tier1)


@pytest.fixture
def small_limit(settings):
    settings.FOLLOWTHROUGH_MAIL_MAX_BYTES = 4000
    return settings


@pytest.fixture
def oversized(mailbox, small_limit) -> InboundMessage:
    message = receive(mailbox, raw_mail(subject="Huge log", body="log line\n" * 800))
    assert message.state == InboundState.QUARANTINED
    assert message.reason_code == IntakeError.MAIL_OVERSIZED
    return message


@pytest.fixture
def automatic(mailbox) -> InboundMessage:
    message = receive(
        mailbox,
        raw_mail(subject="Out of office", headers={"Auto-Submitted": "auto-replied"}),
    )
    assert message.state == InboundState.IGNORED
    return message


@pytest.fixture
def processed(mailbox) -> InboundMessage:
    message = receive(mailbox, raw_mail())
    assert message.state == InboundState.PROCESSED
    return message


@pytest.fixture
def agent_client(client: Client, agent) -> Client:
    client.force_login(agent)
    return client


# --- The mail log ---


def test_mail_log_shows_the_quarantine_by_default(agent_client, oversized, processed):
    response = agent_client.get(reverse("mail_log"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Huge log" not in html  # not parsed: an oversized message is never read
    assert reverse("mail_message", args=[oversized.pk]) in html
    assert reverse("mail_message", args=[processed.pk]) not in html
    assert "Quarantined" in html
    assert "messages over" in html  # the reason, in words


def test_mail_log_tabs_show_ignored_waiting_and_all(
    agent_client, mailbox, oversized, automatic, processed
):
    waiting = receive(mailbox, raw_mail(subject="Not yet read"), process=False)

    ignored = agent_client.get(reverse("mail_log"), {"tab": "ignored"}).content.decode()
    assert "Out of office" in ignored
    assert reverse("mail_message", args=[processed.pk]) not in ignored

    pending = agent_client.get(reverse("mail_log"), {"tab": "waiting"}).content.decode()
    assert reverse("mail_message", args=[waiting.pk]) in pending
    assert "Not read yet" in pending
    assert reverse("mail_message", args=[automatic.pk]) not in pending

    everything = agent_client.get(reverse("mail_log"), {"tab": "all"}).content.decode()
    for message in (oversized, automatic, processed, waiting):
        assert reverse("mail_message", args=[message.pk]) in everything
    assert reverse("case_detail", args=[processed.case_id]) in everything


def test_mail_log_refuses_an_unknown_tab_or_page_link(agent_client, processed):
    assert agent_client.get(reverse("mail_log"), {"tab": "spam"}).status_code == 400
    assert agent_client.get(reverse("mail_log"), {"before": "x'1"}).status_code == 400


def test_mail_log_pages_older_by_id(agent_client, mailbox):
    stored = [receive(mailbox, raw_mail(), process=False) for _ in range(5)]
    first = mail_log(InboundState.RECEIVED, limit=2)
    assert [m.pk for m in first.items] == [stored[4].pk, stored[3].pk]
    second = mail_log(InboundState.RECEIVED, first.older, limit=2)
    assert [m.pk for m in second.items] == [stored[2].pk, stored[1].pk]
    last = mail_log(InboundState.RECEIVED, second.older, limit=2)
    assert [m.pk for m in last.items] == [stored[0].pk]
    assert last.older is None

    response = agent_client.get(reverse("mail_log"), {"tab": "waiting", "before": stored[2].pk})
    html = response.content.decode()
    assert reverse("mail_message", args=[stored[1].pk]) in html
    assert reverse("mail_message", args=[stored[2].pk]) not in html
    assert reverse("mail_message", args=[stored[4].pk]) not in html


def test_mail_log_shows_an_older_link_when_there_are_more(agent_client, mailbox, settings):
    for _ in range(51):
        receive(mailbox, raw_mail(), process=False)
    newest = InboundMessage.objects.order_by("-id")
    response = agent_client.get(reverse("mail_log"), {"tab": "all"})
    assert f"before={newest[49].pk}" in response.content.decode()
    assert reverse("mail_message", args=[newest[50].pk]) not in response.content.decode()


def test_mail_log_query_count_does_not_grow_with_rows(
    agent_client, mailbox, django_assert_num_queries
):
    receive(mailbox, raw_mail())
    agent_client.get(reverse("mail_log"), {"tab": "all"})
    # Session, user, team (top bar), one page of messages with mailbox and case.
    with django_assert_num_queries(4):
        assert agent_client.get(reverse("mail_log"), {"tab": "all"}).status_code == 200
    for _ in range(4):
        receive(mailbox, raw_mail())
    receive(mailbox, raw_mail(headers={"Auto-Submitted": "auto-replied"}))
    with django_assert_num_queries(4):
        assert agent_client.get(reverse("mail_log"), {"tab": "all"}).status_code == 200


# --- Who may see mail ---


def test_customer_and_signed_out_visitor_see_no_mail(
    client, customer_user, oversized, processed, mailbox
):
    with_file = receive(
        mailbox, raw_mail(attachments=[("pixel.png", "image/png", PNG)]), process=True
    )
    attachment = with_file.attachments.get()
    pages = [
        reverse("mail_log"),
        reverse("mail_message", args=[oversized.pk]),
        reverse("mail_message_original", args=[oversized.pk]),
        reverse("mail_attachment", args=[attachment.pk]),
        reverse("case_mail_panel", args=[processed.case_id]),
        reverse("mail_settings"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/sign-in/")
    # The customer may see their own organisation's case, but never its mail log.
    case = Case.objects.get(pk=processed.case_id)
    case.organization = customer_user.contact.organization
    case.save(update_fields=["organization"])
    client.force_login(customer_user)
    for url in pages:
        assert client.get(url).status_code == 404, url
    before = message_state(oversized)
    url = reverse("mail_message_discard", args=[oversized.pk])
    assert client.post(url, {"reason": "spam"}).status_code == 404
    assert message_state(oversized) == before


def test_missing_message_and_attachment_are_not_found(agent_client):
    assert agent_client.get(reverse("mail_message", args=[999999])).status_code == 404
    assert agent_client.get(reverse("mail_attachment", args=[999999])).status_code == 404
    assert agent_client.get(reverse("case_mail_panel", args=[999999])).status_code == 404


def test_top_bar_links_mail_and_mail_settings_for_staff(agent_client):
    html = agent_client.get(reverse("home")).content.decode()
    assert f'href="{reverse("mail_log")}"' in html
    assert f'href="{reverse("mail_settings")}"' in html


# --- One message ---


def test_message_page_shows_what_is_known_and_the_actions(agent_client, oversized):
    response = agent_client.get(reverse("mail_message", args=[oversized.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert ADDRESS in html
    assert oversized.message_id in html
    assert "Why it is quarantined:" in html
    assert "log line" in html  # the plain-text preview, parsed from the original
    assert reverse("mail_message_original", args=[oversized.pk]) in html
    for action in ("mail_message_retry", "mail_message_release", "mail_message_discard"):
        assert reverse(action, args=[oversized.pk]) in html


def test_processed_message_shows_its_case_note_and_no_actions(agent_client, processed):
    html = agent_client.get(reverse("mail_message", args=[processed.pk])).content.decode()
    assert "The printer stopped working this morning." in html
    assert f"As it was added to {processed.case.number}" in html
    assert reverse("mail_message_release", args=[processed.pk]) not in html
    assert "Maria Lopez" in html


def test_retry_processes_a_message_once_its_cause_is_fixed(agent_client, oversized, settings):
    settings.FOLLOWTHROUGH_MAIL_MAX_BYTES = 64 * 1024 * 1024
    response = agent_client.post(reverse("mail_message_retry", args=[oversized.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("mail_message", args=[oversized.pk])
    oversized.refresh_from_db()
    assert oversized.state == InboundState.PROCESSED
    assert oversized.opened_case
    page = agent_client.get(response["Location"]).content.decode()
    assert f"Retried. Message {oversized.pk} opened {oversized.case.number}." in page


def test_retry_refused_for_a_processed_message_changes_nothing(agent_client, processed):
    before = message_state(processed)
    response = agent_client.post(reverse("mail_message_retry", args=[processed.pk]))
    assert response.status_code == 400
    assert "only quarantined or ignored messages" in response.content.decode()
    assert message_state(processed) == before


def test_retry_refused_without_the_right_to_open_cases(client, tier1, oversized):
    technician = UserFactory.create(role=Role.TECHNICIAN)
    Membership.objects.create(user=technician, team=tier1)
    client.force_login(technician)
    html = client.get(reverse("mail_message", args=[oversized.pk])).content.decode()
    assert "You may not open cases" in html
    before = message_state(oversized)
    response = client.post(reverse("mail_message_retry", args=[oversized.pk]))
    assert response.status_code == 400
    assert "may not open cases" in response.content.decode()
    assert message_state(oversized) == before


def test_release_into_a_new_case_in_the_mailbox_queue(agent_client, agent, oversized, tier1):
    response = agent_client.post(
        reverse("mail_message_release", args=[oversized.pk]), {"case": "", "note": "Read it"}
    )
    assert response.status_code == 302
    oversized.refresh_from_db()
    assert oversized.state == InboundState.PROCESSED
    assert oversized.opened_case
    assert oversized.case.team == tier1
    assert oversized.handled_by == agent
    page = agent_client.get(response["Location"]).content.decode()
    assert f"Released. Message {oversized.pk} opened {oversized.case.number}." in page


def test_release_onto_a_case_typed_by_number(agent_client, agent, tier1, automatic):
    case = open_case(actor=agent, owner=agent, team=tier1)
    response = agent_client.post(
        reverse("mail_message_release", args=[automatic.pk]), {"case": case.number.lower()}
    )
    assert response.status_code == 302
    automatic.refresh_from_db()
    assert automatic.state == InboundState.PROCESSED
    assert automatic.case == case
    assert not automatic.opened_case
    response = agent_client.post(
        reverse("mail_message_release", args=[automatic.pk]), {"case": str(case.pk)}
    )
    assert response.status_code == 400  # no longer waiting


@pytest.mark.parametrize(
    ("typed", "words"),
    [("FT-999999", "There is no case FT-999999."), ("XY-12", "is not a case number")],
)
def test_release_refused_for_a_bad_case_number_changes_nothing(
    agent_client, oversized, typed, words
):
    before = message_state(oversized)
    response = agent_client.post(
        reverse("mail_message_release", args=[oversized.pk]), {"case": typed}
    )
    assert response.status_code == 400
    assert words in response.content.decode()
    assert message_state(oversized) == before


def test_discard_sets_a_message_aside_with_its_reason(agent_client, agent, automatic):
    response = agent_client.post(
        reverse("mail_message_discard", args=[automatic.pk]), {"reason": "Newsletter"}
    )
    assert response.status_code == 302
    automatic.refresh_from_db()
    assert automatic.state == InboundState.DISCARDED
    assert (automatic.handled_by, automatic.handled_note) == (agent, "Newsletter")
    assert automatic.raw.storage.exists(automatic.raw.name)  # the original is kept


def test_discard_refused_without_a_reason_changes_nothing(agent_client, automatic):
    before = message_state(automatic)
    response = agent_client.post(
        reverse("mail_message_discard", args=[automatic.pk]), {"reason": "  "}
    )
    assert response.status_code == 400
    assert "Say why the message is discarded." in response.content.decode()
    assert message_state(automatic) == before


def test_actions_need_a_post(agent_client, oversized):
    before = message_state(oversized)
    for action in ("mail_message_retry", "mail_message_release", "mail_message_discard"):
        assert agent_client.get(reverse(action, args=[oversized.pk])).status_code == 405
    assert message_state(oversized) == before


def test_actions_need_the_csrf_token(agent, oversized):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    before = message_state(oversized)
    response = client.post(reverse("mail_message_discard", args=[oversized.pk]), {"reason": "x"})
    assert response.status_code == 403
    assert message_state(oversized) == before


# --- Hostile mail is text, everywhere ---


def assert_escaped(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_hostile_subject_sender_and_body_are_shown_as_text(agent_client, mailbox):
    sender = f'"{HOSTILE_NAME}" <evil@attacker.example>'
    message = receive(mailbox, raw_mail(subject=HOSTILE_SUBJECT, sender=sender, body=HOSTILE_BODY))
    assert message.state == InboundState.PROCESSED
    assert message.from_name == HOSTILE_NAME

    log = agent_client.get(reverse("mail_log"), {"tab": "all"}).content.decode()
    assert_escaped(log)
    assert "&lt;img src=x onerror=alert(2)&gt;" in log
    page = agent_client.get(reverse("mail_message", args=[message.pk])).content.decode()
    assert_escaped(page)
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in page
    panel = agent_client.get(
        reverse("case_mail_panel", args=[message.case_id]), headers={"HX-Request": "true"}
    ).content.decode()
    assert_escaped(panel)


def test_hostile_quarantined_message_preview_is_text(agent_client, mailbox):
    message = receive(mailbox, raw_mail(subject=HOSTILE_SUBJECT, sender="", body=HOSTILE_BODY))
    assert message.state == InboundState.QUARANTINED
    assert message.reason_code == IntakeError.MAIL_NO_SENDER
    page = agent_client.get(reverse("mail_message", args=[message.pk])).content.decode()
    assert_escaped(page)
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in page
    assert "A plain-text preview" in page


# --- Downloads ---


def test_original_downloads_as_an_eml_file(agent_client, oversized):
    response = agent_client.get(reverse("mail_message_original", args=[oversized.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f'attachment; filename="message-{oversized.pk}.eml"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    with oversized.raw.open("rb") as handle:
        assert b"".join(response.streaming_content) == handle.read()


def test_attachments_download_with_safe_headers(agent_client, mailbox):
    page = b"<html><body><script>alert(5)</script></body></html>"
    message = receive(
        mailbox,
        raw_mail(
            attachments=[
                ("pixel.png", "image/png", PNG),
                ("report.html", "image/png", page),  # lies about its type
                ('we\\"ird.txt', "text/plain", b"plain words"),
            ]
        ),
    )
    assert message.state == InboundState.PROCESSED
    image, markup, text = message.attachments.order_by("id")
    assert not image.download_only
    assert markup.download_only

    response = agent_client.get(reverse("mail_attachment", args=[image.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="pixel.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert b"".join(response.streaming_content) == PNG

    response = agent_client.get(reverse("mail_attachment", args=[markup.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert markup.name in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert b"".join(response.streaming_content) == page

    response = agent_client.get(reverse("mail_attachment", args=[text.pk]))
    assert text.name == 'we"ird.txt'
    # The quote in the name is escaped: it cannot end the name early.
    assert response["Content-Disposition"] == 'attachment; filename="we\\"ird.txt"'

    html = agent_client.get(reverse("mail_message", args=[message.pk])).content.decode()
    for attachment in (image, markup, text):
        assert reverse("mail_attachment", args=[attachment.pk]) in html


# --- The case's mail panel ---


def test_case_page_loads_the_mail_panel(agent_client, processed):
    html = agent_client.get(reverse("case_detail", args=[processed.case_id])).content.decode()
    panel = reverse("case_mail_panel", args=[processed.case_id])
    assert f'hx-get="{panel}"' in html
    assert f'href="{panel}"' in html  # the plain link without JavaScript


def test_mail_panel_shows_where_notes_go_and_the_messages(agent_client, mailbox, processed):
    reply = raw_mail(
        subject=f"Re: {processed.subject}",
        body="Still broken.",
        headers={"In-Reply-To": f"<{processed.message_id}>"},
        attachments=[("pixel.png", "image/png", PNG)],
    )
    second = receive(mailbox, reply)
    assert second.case_id == processed.case_id
    response = agent_client.get(
        reverse("case_mail_panel", args=[processed.case_id]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # a partial for htmx
    assert "Public notes are emailed to <strong" in html
    assert "maria@acme.example" in html
    assert f'from <span class="mail-address">{ADDRESS}</span>' in html
    assert "Taking part" in html
    assert "In" in html and "Out" in html
    assert "Acknowledgement" in html  # the automatic answer to the first message, queued
    assert "Queued" in html
    assert html.index(f'href="{reverse("mail_message", args=[second.pk])}"') < html.index(
        f'href="{reverse("mail_message", args=[processed.pk])}"'
    )  # newest first
    attachment = second.attachments.get()
    assert reverse("mail_attachment", args=[attachment.pk]) in html

    full = agent_client.get(reverse("case_mail_panel", args=[processed.case_id]))
    assert "<html" in full.content.decode()  # without htmx: a page of its own


def test_mail_panel_says_why_public_notes_are_not_emailed(agent_client, agent, tier2):
    case = open_case(actor=agent, owner=agent, team=tier2)
    html = agent_client.get(reverse("case_mail_panel", args=[case.pk])).content.decode()
    assert "Public notes are not emailed: the Tier 2 team has no active mailbox." in html
    assert "No email on this case yet." in html


def test_mail_panel_says_when_there_is_no_address(agent_client, agent, tier1, mailbox):
    case = open_case(actor=agent, owner=agent, team=tier1, contact=None)
    html = agent_client.get(reverse("case_mail_panel", args=[case.pk])).content.decode()
    assert "Public notes are not emailed: there is no address to write to" in html


def test_mail_panel_query_count_does_not_grow_with_messages(
    agent_client, mailbox, processed, django_assert_num_queries
):
    url = reverse("case_mail_panel", args=[processed.case_id])
    headers = {"HX-Request": "true"}
    agent_client.get(url, headers=headers)
    # Session, user, the case; inbound, their attachments, outbound; the mailbox (from the
    # last message); the recipients (last sender, copied addresses); the participants; the
    # top bar's team.
    with django_assert_num_queries(11):
        assert agent_client.get(url, headers=headers).status_code == 200
    for n in range(3):
        receive(
            mailbox,
            raw_mail(
                subject=f"Re: {processed.subject} ({n})",
                headers={"In-Reply-To": f"<{processed.message_id}>"},
                attachments=[(f"shot{n}.png", "image/png", PNG)],
            ),
        )
    assert InboundMessage.objects.filter(case_id=processed.case_id).count() == 4
    with django_assert_num_queries(11):
        assert agent_client.get(url, headers=headers).status_code == 200


# --- Mail settings ---


def test_mail_settings_start_all_on_and_save_choices(agent_client, agent):
    response = agent_client.get(reverse("mail_settings"))
    assert response.status_code == 200
    html = response.content.decode()
    for label in (
        "A case is assigned to me",
        "A handoff waits for me (or escalates to me)",
        "A promise on my case falls due",
        "A deadline on my case is close or missed",
        "A customer writes on my case",
    ):
        assert label in html
    assert html.count("checked") == 5
    response = agent_client.post(reverse("mail_settings"), {"assigned": "on", "deadline": "on"})
    assert response.status_code == 302
    preference = MailPreference.objects.get(user=agent)
    assert (preference.assigned, preference.deadline) == (True, True)
    assert not (preference.handoff or preference.promise_due or preference.customer_wrote)
    html = agent_client.get(reverse("mail_settings")).content.decode()
    assert "Mail settings saved." in html
    assert html.count("checked") == 2


def test_mail_log_links_mail_settings(agent_client):
    html = agent_client.get(reverse("mail_log")).content.decode()
    assert reverse("mail_settings") in html


# --- The admin ---


@pytest.fixture
def admin_client(client, db):
    user = UserFactory.create(role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def _mailbox_form(mailbox: Mailbox, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": mailbox.name,
        "address": mailbox.address,
        "team": mailbox.team_id,
        "default_priority": mailbox.default_priority,
        "first_response_minutes": mailbox.first_response_minutes,
        "send_acknowledgement": "on",
        "is_active": "on",
        "imap_host": "imap.desk.example",
        "imap_port": 993,
        "imap_security": "ssl",
        "imap_username": "support",
        "imap_password": "",
        "imap_folder": "INBOX",
        "after_fetch": "move",
        "move_to_folder": "Processed",
    }
    data.update(changes)
    return data


def test_admin_keeps_the_mailbox_password_when_left_blank(admin_client, mailbox):
    mailbox.imap_password = "s3cret-imap"
    mailbox.save()
    url = reverse("admin:intake_mailbox_change", args=[mailbox.pk])
    page = admin_client.get(url).content.decode()
    assert "s3cret-imap" not in page
    assert admin_client.post(url, _mailbox_form(mailbox)).status_code == 302
    mailbox.refresh_from_db()
    assert mailbox.imap_password == "s3cret-imap"
    assert mailbox.imap_host == "imap.desk.example"
    admin_client.post(
        url, _mailbox_form(mailbox, imap_password="n3w", address="SUPPORT@Desk.example")
    )
    mailbox.refresh_from_db()
    assert (mailbox.imap_password, mailbox.address) == ("n3w", ADDRESS)
    admin_client.post(url, _mailbox_form(mailbox, forget_password="on"))
    mailbox.refresh_from_db()
    assert mailbox.imap_password == ""


def test_admin_lists_mailboxes_and_shows_mail_read_only(admin_client, mailbox, processed):
    mailbox.last_poll_error = "Connection refused"
    mailbox.save()
    html = admin_client.get(reverse("admin:intake_mailbox_changelist")).content.decode()
    assert ADDRESS in html and "Tier 1" in html and "Connection refused" in html
    assert admin_client.get(reverse("admin:intake_inboundmessage_changelist")).status_code == 200
    url = reverse("admin:intake_inboundmessage_change", args=[processed.pk])
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(reverse("admin:intake_inboundmessage_add")).status_code == 403
    assert admin_client.get(reverse("admin:intake_outboundmessage_changelist")).status_code == 200
