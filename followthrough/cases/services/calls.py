"""A call from a customer with a new problem: open the case and log the call, all or nothing.

One named write path for "new case from a call", so the lookup page, the API and any future
telephony integration cannot open a case and forget the call (or the other way round).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from followthrough.accounts.access import require_capability
from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import Team, User
from followthrough.cases.errors import CaseError
from followthrough.cases.models import Case
from followthrough.cases.services._common import (
    MAX_LONG_TEXT,
    MAX_SHORT_TEXT,
    now,
    require_future,
    require_text,
)
from followthrough.cases.services.lifecycle import case_log_interaction, case_open
from followthrough.cases.states import Channel, Direction, Disposition, Priority
from followthrough.core.errors import Invalid, ServiceError
from followthrough.customers.models import Asset, Contact

# A call resolved while the customer is on the line still opens its case with a next step
# (invariant 2 holds from the first row); the same transaction resolves it a moment later.
RESOLVE_ON_CALL_STEP = "Resolve while the customer is on the line"
RESOLVE_ON_CALL_WINDOW = dt.timedelta(hours=1)


def case_open_from_call(
    *,
    actor: User,
    contact: Contact | None,
    subject: str,
    channel: Channel | str = Channel.PHONE,
    direction: Direction | str = Direction.INBOUND,
    note: str,
    disposition: Disposition | str,
    started_at: dt.datetime,
    ended_at: dt.datetime | None = None,
    priority: Priority | str,
    category: str = "",
    asset: Asset | None = None,
    owner: User | None,
    team: Team | None,
    next_step: str,
    next_step_due: dt.datetime | None,
    resolve: bool = False,
) -> Case:
    """Open a case for the caller and log the call on it, in one transaction.

    The call ends like any contact: with a note, a disposition and either the next step
    (set as the case opens, confirmed by the call) or the case resolved on the call. A
    refusal from either step leaves nothing behind. `contact` may be None only when the
    caller was found through an asset (a serial number); the asset then names the customer.
    """
    require_capability(actor, Capability.CASE_OPEN)
    require_capability(actor, Capability.CASE_WORK)
    if contact is None and asset is None:
        raise Invalid(
            "A case opened from a call needs the caller or the product they call about.",
            field="contact",
        )
    # The note first: it is what the caller said, and the one thing every contact must keep.
    require_text(note, code=CaseError.NOTE_REQUIRED, what="Note", limit=MAX_LONG_TEXT)
    if disposition not in Disposition.values:
        raise Invalid(f"{disposition!r} is not a disposition.", field="disposition")
    if resolve:
        if next_step.strip() or next_step_due is not None:
            raise ServiceError(
                CaseError.NEXT_STEP_REQUIRED,
                "A call ends with a next step or with the case resolved, not both.",
            )
        step, due = RESOLVE_ON_CALL_STEP, now() + RESOLVE_ON_CALL_WINDOW
    else:
        step = require_text(
            next_step, code=CaseError.NEXT_STEP_REQUIRED, what="Next step", limit=MAX_SHORT_TEXT
        )
        due = require_future(next_step_due, code=CaseError.NEXT_STEP_IN_PAST, what="Next step")

    with transaction.atomic():
        case = case_open(
            actor=actor,
            subject=subject,
            channel=channel,
            next_step=step,
            next_step_due=due,
            owner=owner,
            team=team,
            priority=priority,
            category=category,
            contact=contact,
            asset=asset,
        )
        case_log_interaction(
            actor=actor,
            case=case,
            channel=channel,
            direction=direction,
            disposition=disposition,
            note=note,
            started_at=started_at,
            ended_at=ended_at,
            contact=contact,
            confirm_next_step=not resolve,
            resolve=resolve,
        )
        case.refresh_from_db()
    return case
