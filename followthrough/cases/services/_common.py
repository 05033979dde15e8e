"""What every case service shares: locking with a version check, the event row, the checks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Model
from django.utils import timezone

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import Membership, Team, User
from followthrough.cases.errors import CaseError
from followthrough.cases.models import Case, CaseAgent, CaseEvent
from followthrough.cases.services.search_index import case_index_filters, remember_filters
from followthrough.cases.states import EventType
from followthrough.cases.webhook_events import case_event_webhook
from followthrough.core.errors import Conflict, ServiceError

MAX_SHORT_TEXT = 500
MAX_LONG_TEXT = 100_000


def now() -> dt.datetime:
    return timezone.now()


def lock_case(case: Case | int, expected_version: int | None = None) -> Case:
    """Re-read the case under a row lock; refuse when the caller's version is stale.

    On PostgreSQL this is SELECT ... FOR UPDATE; on SQLite every write transaction is
    IMMEDIATE (see settings), so writers are serialised before this read.
    """
    pk = case if isinstance(case, int) else case.pk
    locked = Case.objects.select_for_update().get(pk=pk)
    if expected_version is not None and locked.version != expected_version:
        changes = list(
            CaseEvent.objects.filter(case_id=pk, case_version__gt=expected_version)
            .order_by("case_version", "id")
            .values_list("type", flat=True)
        )
        raise Conflict(
            f"{locked.number} was changed by someone else (version {expected_version} is now "
            f"{locked.version}). Reload it and try again.",
            current_version=locked.version,
            changes=changes,
        )
    remember_filters(locked)
    return locked


def lock_cases(*cases: Case) -> list[Case]:
    """Lock several cases in id order, so two services locking the same pair cannot deadlock."""
    by_id = {c.pk: lock_case(c.pk) for c in sorted(cases, key=lambda c: c.pk)}
    return [by_id[c.pk] for c in cases]


# Written by every save_case: whatever changed, the case's deadlines are stored with it.
DEADLINE_FIELDS = ("sla_due", "sla_metric", "sla_paused_since", "nearest_due")


def refresh_nearest_due(case: Case) -> None:
    """What the queues sort by: the sooner of the SLA deadline and the next step (open cases)."""
    dues = [d for d in (case.sla_due, case.next_step_due) if d is not None]
    case.nearest_due = min(dues) if dues and case.is_open else None


def save_case(case: Case, *fields: str) -> None:
    """Store the case with its deadlines and a new version; its search documents follow a
    change of status, owner, team or organisation in the same transaction."""
    refresh_nearest_due(case)
    case.version += 1
    case.save(
        update_fields=list(dict.fromkeys([*fields, *DEADLINE_FIELDS, "version", "updated_at"]))
    )
    case_index_filters(case)


def record(
    case: Case,
    type: EventType,
    actor: User | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    **related: Model | int | None,
) -> CaseEvent:
    """Write the event for a change; call after save_case so it carries the new version.

    Also hands the event to webhooks (cases/webhook_events.py), whose deliveries commit with it.
    """
    event = CaseEvent.objects.create(
        case=case,
        type=type,
        actor=actor,
        case_version=case.version,
        before=before or {},
        after=after or {},
        reason=reason,
        **related,
    )
    case_event_webhook(event)
    return event


def who(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "name": user.display_name}


def team_ref(team: Team | None) -> dict[str, Any] | None:
    return None if team is None else {"id": team.pk, "name": team.name}


def when(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def touch_agent(case: Case, agent: User | None) -> None:
    """Count the agent among those who worked the case (the brief's "previously A and B")."""
    if agent is None or agent.is_customer:
        return
    at = now()
    touched = CaseAgent.objects.filter(case=case, agent=agent).update(last_at=at)
    if not touched:
        CaseAgent.objects.create(case=case, agent=agent, first_at=at, last_at=at)
        case.agent_count += 1


def require_text(value: str | None, *, code: CaseError, what: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ServiceError(code, f"{what} is required.", field=what.lower())
    if len(text) > limit:
        raise ServiceError(
            CaseError.TEXT_TOO_LONG, f"{what} is longer than {limit:,} characters.", limit=limit
        )
    return text


def require_future(value: dt.datetime | None, *, code: CaseError, what: str) -> dt.datetime:
    if value is None:
        raise ServiceError(code, f"{what} needs a date and time.")
    if timezone.is_naive(value):
        raise ServiceError(code, f"{what} needs a time zone.")
    if value <= now():
        raise ServiceError(code, f"{what} must be in the future.")
    return value


def require_open(case: Case) -> None:
    if not case.is_open:
        raise ServiceError(
            CaseError.CASE_NOT_OPEN,
            f"{case.number} is {case.get_status_display().lower()}.",
            case_status=case.status,
        )


def require_staff(user: User, *, field: str) -> None:
    if user.is_customer or not user.is_active or not user.capabilities:
        raise ServiceError(
            CaseError.OWNER_NOT_STAFF,
            f"{user.display_name} is not an active member of staff.",
            field=field,
        )


def is_member(user: User, team: Team) -> bool:
    return Membership.objects.filter(user=user, team=team).exists()


def can_act_for_team(actor: User, team: Team | None) -> bool:
    """Leads and dispatchers act for any team; others only for a team they belong to."""
    if actor.has_capability(Capability.CASE_ASSIGN):
        return True
    return team is not None and is_member(actor, team)
