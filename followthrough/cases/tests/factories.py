"""Cases for tests are opened through the real service, so counters and events are true."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from followthrough.accounts.models import Team, User
from followthrough.cases.models import Case
from followthrough.cases.services import case_open
from followthrough.cases.states import Channel


def in_hours(hours: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=hours)


def open_case(
    *, actor: User | None = None, owner: User | None = None, team: Team | None = None, **kw: Any
) -> Case:
    """Open a case; by default owned by `actor`. Pass team= with owner=None for a queue case."""
    if owner is None and team is None:
        owner = actor
    kw.setdefault("subject", "Printer offline after firmware update")
    kw.setdefault("channel", Channel.PHONE)
    kw.setdefault("next_step", "Call back with the driver fix")
    kw.setdefault("next_step_due", in_hours(4))
    return case_open(actor=actor, owner=owner, team=team, **kw)


def case_state(case: Case) -> dict[str, Any]:
    """Everything a refused service must leave untouched: the case row as stored, and how many
    events, interactions, notes, handoffs, promises, decisions and links it has.

    Refusal tests take this before and after and assert the two are equal.
    """
    from followthrough.cases.models import (
        CaseAgent,
        CaseEvent,
        CaseLink,
        Commitment,
        Decision,
        Handoff,
        Interaction,
        Note,
    )

    row = dict(Case.objects.filter(pk=case.pk).values().get())
    row.pop("updated_at")
    return {
        "row": row,
        "events": CaseEvent.objects.filter(case_id=case.pk).count(),
        "interactions": Interaction.objects.filter(case_id=case.pk).count(),
        "notes": Note.objects.filter(case_id=case.pk).count(),
        "handoffs": list(
            Handoff.objects.filter(case_id=case.pk).order_by("pk").values_list("pk", "status")
        ),
        "commitments": list(
            Commitment.objects.filter(case_id=case.pk).order_by("pk").values_list("pk", "status")
        ),
        "decisions": list(
            Decision.objects.filter(case_id=case.pk).order_by("pk").values_list("pk", "outcome")
        ),
        "links": CaseLink.objects.filter(from_case_id=case.pk).count()
        + CaseLink.objects.filter(to_case_id=case.pk).count(),
        "agents": CaseAgent.objects.filter(case_id=case.pk).count(),
    }
