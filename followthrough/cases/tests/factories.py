"""Cases for tests are opened through the real service, so counters and events are true."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from followthrough.accounts.models import Team, User
from followthrough.cases.models import Case, Commitment, Handoff, Interaction
from followthrough.cases.services import (
    case_hand_off,
    case_log_interaction,
    case_open,
    commitment_add,
)
from followthrough.cases.states import Channel, CommitmentParty, Direction, Disposition, HandoffKind

# A contact names its outcome when it passes one of these; otherwise log_call confirms the
# current next step, the usual end of a routine call.
OUTCOME_ARGS = frozenset({"next_step", "next_step_due", "resolve", "confirm_next_step"})


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


def promise(actor: User, case: Case, **kw: Any) -> Commitment:
    """Record a promise on our side, owned by `actor`, through commitment_add; kw overrides."""
    kw.setdefault("owed_by", CommitmentParty.US)
    kw.setdefault("description", "Call back with the fix")
    kw.setdefault("due_at", in_hours(5))
    kw.setdefault("owner", actor)
    return commitment_add(actor=actor, case=case, **kw)


def log_call(actor: User | None, case: Case, **kw: Any) -> Interaction:
    """Log an inbound phone call through case_log_interaction; kw overrides.

    Unless kw names an outcome (see OUTCOME_ARGS), the call confirms the current next step.
    """
    kw.setdefault("channel", Channel.PHONE)
    kw.setdefault("direction", Direction.INBOUND)
    kw.setdefault("disposition", Disposition.INFORMATION_GIVEN)
    kw.setdefault("note", "Customer called about the same problem")
    kw.setdefault("started_at", timezone.now() - dt.timedelta(minutes=5))
    if not OUTCOME_ARGS & kw.keys():
        kw["confirm_next_step"] = True
    return case_log_interaction(actor=actor, case=case, **kw)


def hand_off(actor: User, case: Case, **kw: Any) -> Handoff:
    """Ask for a transfer with a full summary through case_hand_off; the caller passes to_user
    and/or to_team, and kw overrides the rest."""
    kw.setdefault("kind", HandoffKind.TRANSFER)
    kw.setdefault("summary", "Printer drops off the network after the firmware update")
    kw.setdefault("tried", "Power cycle, driver reinstall, static address")
    kw.setdefault("promised", "A callback before 5 pm with the fix")
    kw.setdefault("next_step", "Ask the vendor about a firmware rollback")
    kw.setdefault("next_step_due", in_hours(4))
    return case_hand_off(actor=actor, case=case, **kw)


def case_state(case: Case) -> dict[str, Any]:
    """Everything a refused service must leave untouched: the case row as stored, and how many
    events, interactions, notes, handoffs, promises, decisions and links it has.

    Refusal tests take this before and after and assert the two are equal.
    """
    from followthrough.cases.models import CaseAgent, CaseEvent, CaseLink, Decision, Note

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
