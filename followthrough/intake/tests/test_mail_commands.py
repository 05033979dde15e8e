"""The mail commands and the periodic mail task: import, sweep, poll, and the scheduler."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from followthrough.accounts.tests.factories import TeamFactory
from followthrough.cases.tasks import deadlines_scan_task
from followthrough.intake.models import InboundMessage, InboundState, Mailbox
from followthrough.intake.tasks import mail_poll_task

SUPPORT = "support@example.test"
RAW = (
    b"From: Alice <alice@customer.test>\r\nTo: support@example.test\r\n"
    b"Subject: Printer offline\r\nMessage-ID: <cmd.1@customer.test>\r\n\r\nIt is offline.\r\n"
)


@pytest.fixture
def mailbox(db):
    return Mailbox.objects.create(name="Support", address=SUPPORT, team=TeamFactory.create())


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_stores_a_file_once(mailbox, tmp_path):
    path = tmp_path / "message.eml"
    path.write_bytes(RAW)
    first, _ = run("mail", "import", "--mailbox", SUPPORT, str(path))
    again, _ = run("mail", "import", "--mailbox", SUPPORT, str(path))
    assert "stored" in first and "already here" in again
    message = InboundMessage.objects.get()
    assert message.state == InboundState.RECEIVED
    with message.raw.open("rb") as handle:
        assert handle.read() == RAW


def test_import_into_an_unknown_mailbox_is_refused_and_stores_nothing(mailbox, tmp_path):
    path = tmp_path / "message.eml"
    path.write_bytes(RAW)
    with pytest.raises(CommandError, match="No mailbox has the address"):
        run("mail", "import", "--mailbox", "nobody@example.test", str(path))
    assert not InboundMessage.objects.exists()


def test_the_sweep_processes_what_a_stopped_worker_left(mailbox, tmp_path):
    path = tmp_path / "message.eml"
    path.write_bytes(RAW)
    run("mail", "import", "--mailbox", SUPPORT, str(path))
    out, _ = run("mail", "sweep")
    assert out.startswith("0 messages processed")  # too fresh: its own task may still run
    InboundMessage.objects.update(received_at=timezone.now() - dt.timedelta(minutes=5))
    out, _ = run("mail", "sweep")
    assert out.startswith("1 messages processed")
    message = InboundMessage.objects.get()
    assert message.state == InboundState.PROCESSED
    assert message.case is not None


def test_a_mailbox_that_cannot_be_reached_records_why(mailbox, imap_account):
    Mailbox.objects.filter(pk=mailbox.pk).update(
        imap_host=imap_account.host,
        imap_port=imap_account.port,
        imap_security="none",
        imap_username=imap_account.user,
        imap_password="wrong",
    )
    _, err = run("mail", "poll")
    mailbox.refresh_from_db()
    assert SUPPORT in err
    assert mailbox.last_poll_error
    assert mailbox.last_polled_at is not None
    # The periodic task records the same and goes on; nothing is stored.
    mail_poll_task.call()
    assert not InboundMessage.objects.exists()


def test_the_periodic_mail_task_fetches_every_active_mailbox(mailbox, imap_account):
    Mailbox.objects.filter(pk=mailbox.pk).update(
        imap_host=imap_account.host,
        imap_port=imap_account.port,
        imap_security="none",
        imap_username=imap_account.user,
        imap_password=imap_account.password,
    )
    imap_account.append(RAW)
    mail_poll_task.call()
    assert InboundMessage.objects.count() == 1
    assert imap_account.uids("INBOX") == []


def test_the_scheduler_enqueues_the_deadline_scan_and_the_mail_poll_once_each(db):
    run("scheduler", "--once")
    run("scheduler", "--once")  # both still wait: nothing more
    waiting = DBTaskResult.objects.filter(status="READY")
    assert sorted(waiting.values_list("task_path", flat=True)) == sorted(
        [deadlines_scan_task.module_path, mail_poll_task.module_path]
    )
