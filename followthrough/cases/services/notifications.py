"""Notifications: telling a person about something on a case they answer for."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from followthrough.accounts.models import User
from followthrough.cases.models import Case, CaseEvent, Notification
from followthrough.cases.services._common import now


def notify(
    users: Iterable[User | None], *, case: Case, message: str, event: CaseEvent | None = None
) -> list[Notification]:
    """Notify each active member of staff once (the same event never twice per person)."""
    seen: set[int] = set()
    rows = []
    for user in users:
        if user is None or user.pk in seen or not user.is_active or user.is_customer:
            continue
        seen.add(user.pk)
        rows.append(Notification(user=user, case=case, event=event, message=message[:500]))
    return Notification.objects.bulk_create(rows, ignore_conflicts=True)


def notifications_mark_read(*, actor: User, ids: list[int] | None = None) -> int:
    """Mark the actor's own notifications read (all unread ones when `ids` is None)."""
    with transaction.atomic():
        unread = Notification.objects.filter(user=actor, read_at__isnull=True)
        if ids is not None:
            unread = unread.filter(pk__in=ids)
        return unread.update(read_at=now())
