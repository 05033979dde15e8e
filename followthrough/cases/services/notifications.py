"""Notifications: telling a person about something on a case they answer for."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from followthrough.accounts.models import User
from followthrough.cases.models import Case, CaseEvent, Notification
from followthrough.cases.services._common import now
from followthrough.cases.signals import notifications_created
from followthrough.cases.states import NotificationKind


def notify(
    users: Iterable[User | None],
    *,
    case: Case,
    kind: NotificationKind,
    message: str,
    event: CaseEvent | None = None,
    skip: User | None = None,
) -> list[Notification]:
    """Notify each active member of staff once (the same event never twice per person);
    `skip` is the person who acted, who needs no notice of their own action."""
    seen: set[int] = {skip.pk} if skip is not None else set()
    rows = []
    for user in users:
        if user is None or user.pk in seen or not user.is_active or user.is_customer:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(user=user, case=case, event=event, kind=kind, message=message[:500])
        )
    if event is not None:
        # The scan may run twice: only people not yet told about this event are told now.
        told = set(
            Notification.objects.filter(event=event, user__in=[r.user for r in rows]).values_list(
                "user_id", flat=True
            )
        )
        rows = [r for r in rows if r.user.pk not in told]
    created = Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if created:
        notifications_created.send(sender=Notification, notifications=created)
    return created


def notifications_mark_read(*, actor: User, ids: list[int] | None = None) -> int:
    """Mark the actor's own notifications read (all unread ones when `ids` is None)."""
    with transaction.atomic():
        unread = Notification.objects.filter(user=actor, read_at__isnull=True)
        if ids is not None:
            unread = unread.filter(pk__in=ids)
        return unread.update(read_at=now())
