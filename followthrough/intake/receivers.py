"""Intake's answers to what the cases app announces (see cases/signals.py): mail for a public
note, and mail for notifications. They run inside the announcing transaction, so the mail is
queued exactly when the change commits."""

from __future__ import annotations

from typing import Any

from followthrough.accounts.models import User
from followthrough.cases.models import Note, Notification
from followthrough.intake.services.mail_outbound import (
    notification_mail_queue,
    reply_queue_for_note,
)


def on_public_note_added(sender: type, *, note: Note, actor: User, **kwargs: Any) -> None:
    reply_queue_for_note(note=note, actor=actor)


def on_notifications_created(
    sender: type, *, notifications: list[Notification], **kwargs: Any
) -> None:
    notification_mail_queue(notifications)
