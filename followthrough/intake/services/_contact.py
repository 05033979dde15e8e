"""A message from outside logged as a contact on its case, by the same rule for every
intake channel (mail, error reports)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from followthrough.cases.models import Case, Interaction
from followthrough.cases.services import case_log_interaction
from followthrough.cases.states import Channel, Direction, Disposition
from followthrough.customers.models import Contact


def log_inbound_contact(
    *,
    case: Case,
    channel: Channel,
    note: str,
    started_at: dt.datetime,
    first_response: dt.timedelta,
    default_step: str,
    contact: Contact | None = None,
) -> Interaction:
    """It confirms the current next step while that is not overdue (an overdue one cannot be
    confirmed); otherwise — or on a resolved case, which it reopens — the step stays and is
    due again within `first_response`, and the event shows the old time."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    common: dict[str, Any] = {
        "actor": None,
        "case": locked,
        "channel": channel,
        "direction": Direction.INBOUND,
        "disposition": Disposition.NEXT_STEP_SET,
        "note": note,
        "started_at": started_at,
        "contact": contact,
    }
    now = timezone.now()
    if locked.is_open and locked.next_step_due is not None and locked.next_step_due > now:
        return case_log_interaction(**common, confirm_next_step=True)
    return case_log_interaction(
        **common,
        next_step=locked.next_step or default_step,
        next_step_due=now + first_response,
    )
