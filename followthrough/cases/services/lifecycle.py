"""Opening, working and closing a case: contacts, notes, next steps, status, ownership."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Model

from followthrough.accounts.access import require_capability
from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import Team, User
from followthrough.cases.errors import CaseError
from followthrough.cases.models import Case, Handoff, Interaction, Note
from followthrough.cases.services._common import (
    DEADLINE_FIELDS,
    MAX_LONG_TEXT,
    MAX_SHORT_TEXT,
    lock_case,
    now,
    record,
    refresh_nearest_due,
    require_future,
    require_open,
    require_staff,
    require_text,
    save_case,
    team_ref,
    touch_agent,
    when,
    who,
)
from followthrough.cases.services.notifications import notify
from followthrough.cases.services.routing import route_customer_contact as _route_customer_contact
from followthrough.cases.services.search_index import (
    case_index,
    case_index_interaction,
    case_index_note,
    case_index_opened,
)
from followthrough.cases.services.sla import sla_track
from followthrough.cases.signals import public_note_added
from followthrough.cases.states import (
    ALLOWED_TRANSITIONS,
    NOT_REACHED,
    CaseStatus,
    Channel,
    Direction,
    Disposition,
    EventType,
    HandoffStatus,
    NoteVisibility,
    NotificationKind,
    Priority,
)
from followthrough.core.errors import Invalid, ServiceError
from followthrough.customers.access import actor_organization_id
from followthrough.customers.models import Asset, Contact, Organization


def _resolve_customer(
    organization: Organization | None, contact: Contact | None, asset: Asset | None
) -> Organization | None:
    """The case's organisation, from whichever of the three was given; all must agree."""
    orgs = {x.organization_id for x in (contact, asset) if x is not None}
    if organization is not None:
        orgs.add(organization.pk)
    if len(orgs) > 1:
        raise ServiceError(
            CaseError.CUSTOMER_MISMATCH,
            "The contact, the asset and the organisation must belong to the same customer.",
        )
    if organization is not None:
        return organization
    if contact is not None:
        return contact.organization
    if asset is not None:
        return asset.organization
    return None


def case_open(
    *,
    actor: User | None,
    subject: str,
    channel: Channel | str,
    next_step: str,
    next_step_due: dt.datetime,
    owner: User | None = None,
    team: Team | None = None,
    description: str = "",
    priority: Priority | str = Priority.P3,
    category: str = "",
    organization: Organization | None = None,
    contact: Contact | None = None,
    asset: Asset | None = None,
) -> Case:
    """Open a case with an owner or a team queue, and its first next step.

    `actor` None is the system (intake, error reports); a portal customer may open cases
    only for their own organisation.
    """
    portal = actor is not None and actor.has_capability(Capability.PORTAL)
    if actor is not None and not portal:
        require_capability(actor, Capability.CASE_OPEN)
    clean_subject = require_text(subject, code=CaseError.NOTE_REQUIRED, what="Subject", limit=250)
    if len(description) > MAX_LONG_TEXT:
        raise ServiceError(CaseError.TEXT_TOO_LONG, "The description is too long.")
    if channel not in Channel.values:
        raise Invalid(f"{channel!r} is not a channel.", field="channel")
    if priority not in Priority.values:
        raise Invalid(f"{priority!r} is not a priority.", field="priority")
    if owner is None and team is None:
        raise ServiceError(
            CaseError.OWNER_OR_TEAM_REQUIRED,
            "A case needs an owner or a team queue; it can never be nobody's.",
        )
    if owner is not None:
        require_staff(owner, field="owner")
    step = require_text(
        next_step, code=CaseError.NEXT_STEP_REQUIRED, what="Next step", limit=MAX_SHORT_TEXT
    )
    due = require_future(next_step_due, code=CaseError.NEXT_STEP_IN_PAST, what="Next step")
    org = _resolve_customer(organization, contact, asset)
    if portal and actor is not None and (org is None or org.pk != actor_organization_id(actor)):
        raise ServiceError(
            CaseError.CUSTOMER_MISMATCH, "Portal cases are for your own organisation only."
        )

    with transaction.atomic():
        case = Case.objects.create(
            subject=clean_subject,
            description=description.strip(),
            status=CaseStatus.OPEN if owner is not None else CaseStatus.NEW,
            priority=priority,
            category=category.strip()[:100],
            channel=channel,
            organization=org,
            contact=contact,
            asset=asset,
            owner=owner,
            team=team,
            next_step=step,
            next_step_due=due,
            nearest_due=due,
            opened_by=actor,
        )
        touch_agent(case, actor)
        sla_track(case, at=case.created_at)
        refresh_nearest_due(case)
        case.save(update_fields=["agent_count", *DEADLINE_FIELDS])
        record(
            case,
            EventType.OPENED,
            actor,
            after={
                "subject": case.subject,
                "status": case.status,
                "priority": case.priority,
                "channel": case.channel,
                "owner": who(owner),
                "team": team_ref(team),
                "next_step": step,
                "next_step_due": when(due),
            },
        )
        case_index_opened(case)
    return case


def case_update(
    *,
    actor: User,
    case: Case,
    subject: str | None = None,
    description: str | None = None,
    priority: Priority | str | None = None,
    category: str | None = None,
    contact: Contact | None = None,
    asset: Asset | None = None,
    reason: str = "",
    expected_version: int | None = None,
) -> Case:
    """Change the case's details; only the fields given change, each recorded before/after."""
    require_capability(actor, Capability.CASE_WORK)
    with transaction.atomic():
        case = lock_case(case, expected_version)
        if case.status == CaseStatus.CLOSED:
            raise ServiceError(CaseError.CASE_CLOSED, f"{case.number} is closed.")
        before: dict[str, object] = {}
        after: dict[str, object] = {}

        def change(field: str, value: object) -> None:
            old = getattr(case, field)
            if old != value:
                before[field] = _shown(old)
                setattr(case, field, value)
                after[field] = _shown(value)

        if subject is not None:
            change(
                "subject",
                require_text(subject, code=CaseError.NOTE_REQUIRED, what="Subject", limit=250),
            )
        if description is not None:
            if len(description) > MAX_LONG_TEXT:
                raise ServiceError(CaseError.TEXT_TOO_LONG, "The description is too long.")
            change("description", description.strip())
        if priority is not None:
            if priority not in Priority.values:
                raise Invalid(f"{priority!r} is not a priority.", field="priority")
            change("priority", priority)
        if category is not None:
            change("category", category.strip()[:100])
        if contact is not None or asset is not None:
            org = _resolve_customer(
                case.organization,
                contact if contact is not None else case.contact,
                asset if asset is not None else case.asset,
            )
            if contact is not None:
                change("contact", contact)
            if asset is not None:
                change("asset", asset)
            change("organization", org)
        if not after:
            return case
        sla_track(case)
        save_case(case, *after.keys())
        record(case, EventType.UPDATED, actor, before=before, after=after, reason=reason)
        if "subject" in after or "description" in after:
            # The subject is both documents' title; the description is in the public one.
            case_index(case, internal="subject" in after)
    return case


def _shown(value: object) -> object:
    if value is None or isinstance(value, str | int | bool):
        return value
    return {"id": getattr(value, "pk", None), "name": str(value)}


def case_log_interaction(
    *,
    actor: User | None,
    case: Case,
    channel: Channel | str,
    direction: Direction | str,
    disposition: Disposition | str,
    note: str,
    started_at: dt.datetime,
    ended_at: dt.datetime | None = None,
    contact: Contact | None = None,
    next_step: str = "",
    next_step_due: dt.datetime | None = None,
    confirm_next_step: bool = False,
    resolve: bool = False,
    expected_version: int | None = None,
) -> Interaction:
    """Log one contact with the customer. It must end with a note, a disposition, and either a
    new next step, the current one confirmed, or the case resolved.

    A contact on a resolved case reopens it (with a new next step); a closed case takes none.
    """
    if actor is not None:
        require_capability(actor, Capability.CASE_WORK)
    text = require_text(note, code=CaseError.NOTE_REQUIRED, what="Note", limit=MAX_LONG_TEXT)
    if disposition not in Disposition.values:
        raise Invalid(f"{disposition!r} is not a disposition.", field="disposition")
    if channel not in Channel.values:
        raise Invalid(f"{channel!r} is not a channel.", field="channel")
    if direction not in Direction.values:
        raise Invalid(f"{direction!r} is not a direction.", field="direction")
    ended = ended_at or now()
    if started_at > ended:
        raise Invalid("The contact cannot end before it started.", field="ended_at")
    outcomes = [bool(next_step.strip() or next_step_due), confirm_next_step, resolve]
    if sum(outcomes) != 1:
        raise ServiceError(
            CaseError.NEXT_STEP_REQUIRED,
            "Every contact ends with a new next step, the current one confirmed, "
            "or the case resolved (exactly one of them).",
        )
    with transaction.atomic():
        case = lock_case(case, expected_version)
        if case.status == CaseStatus.CLOSED:
            raise ServiceError(
                CaseError.CASE_CLOSED,
                f"{case.number} is closed; open a new case and link it to this one.",
            )
        if contact is not None and contact.organization_id != case.organization_id:
            raise ServiceError(
                CaseError.CUSTOMER_MISMATCH, "The contact belongs to another customer."
            )
        interaction = Interaction.objects.create(
            case=case,
            channel=channel,
            direction=direction,
            agent=actor,
            contact=contact or case.contact,
            started_at=started_at,
            ended_at=ended,
            disposition=disposition,
            note=text,
        )
        case_index_interaction(interaction)
        case.interaction_count += 1
        touch_agent(case, actor)
        status_before = case.status
        fields = ["interaction_count", "agent_count"]
        follow_up: tuple[EventType, dict[str, object], dict[str, object]] | None = None
        if resolve:
            _check_resolvable(case)
            _apply_resolved(case)
            fields += ["status", "next_step", "next_step_due", "resolved_at"]
        elif confirm_next_step:
            if not case.is_open:
                raise ServiceError(
                    CaseError.NEXT_STEP_REQUIRED,
                    f"{case.number} is resolved; reopening it needs a new next step.",
                )
            if case.next_step_due is not None and case.next_step_due <= now():
                raise ServiceError(
                    CaseError.NEXT_STEP_OVERDUE,
                    f"The next step was due {case.next_step_due:%Y-%m-%d %H:%M %Z}; "
                    "set a new one instead of confirming it.",
                )
            follow_up = (EventType.NEXT_STEP_CONFIRMED, {}, _step(case))
        else:
            before = _step(case)
            _apply_next_step(case, next_step, next_step_due)
            fields += ["next_step", "next_step_due"]
            follow_up = (EventType.NEXT_STEP_SET, before, _step(case))
            if case.status == CaseStatus.RESOLVED:
                case.status = CaseStatus.OPEN
                case.resolved_at = None
                fields += ["status", "resolved_at"]
        if case.status == CaseStatus.NEW and actor is not None:
            case.status = CaseStatus.OPEN
            fields.append("status")
        staff = actor is not None and not actor.is_customer
        inbound = direction == Direction.INBOUND
        from_customer = inbound and actor is None
        owner_before = case.owner if from_customer else None
        routed = _take_customer_contact(case) if from_customer else None
        sla_track(
            case,
            response=staff and disposition not in NOT_REACHED,
            customer_contact=inbound,
        )
        save_case(case, *dict.fromkeys([*fields, "status", "owner", "team"]))
        record(
            case,
            EventType.INTERACTION_LOGGED,
            actor,
            after={"channel": channel, "direction": direction, "disposition": disposition},
            interaction=interaction,
        )
        if follow_up is not None:
            record(case, follow_up[0], actor, before=follow_up[1], after=follow_up[2])
        if from_customer:
            _after_customer_contact(case, owner_before, routed)
        _record_status_change(case, actor, status_before, interaction=interaction)
    return interaction


def _take_customer_contact(case: Case) -> dict[str, Any] | None:
    """A customer got in touch on this case: it no longer waits on them, and it goes to
    whoever is there to answer (sticky ownership). Returns the routing, if any."""
    if case.status == CaseStatus.PENDING_CUSTOMER:
        case.status = CaseStatus.OPEN
    return _route_customer_contact(case)


def _record_status_change(
    case: Case, actor: User | None, status_before: str, **related: Model | None
) -> None:
    """The STATUS_CHANGED event, when the status moved; a customer's answer says so."""
    if case.status == status_before:
        return
    answered = (
        status_before == CaseStatus.PENDING_CUSTOMER
        and case.status == CaseStatus.OPEN
        and (actor is None or actor.is_customer)
    )
    record(
        case,
        EventType.STATUS_CHANGED,
        actor,
        before={"status": status_before},
        after={"status": case.status},
        reason="The customer replied." if answered else "",
        **related,
    )


def _after_customer_contact(
    case: Case, owner_before: User | None, routed: dict[str, Any] | None
) -> None:
    """Tell whoever now answers for the case that the customer is back (sticky ownership)."""
    if routed is not None:
        event = record(case, EventType.ROUTED, None, **routed)
        lead = case.team.lead if case.team is not None else None
        notify(
            [lead],
            case=case,
            kind=NotificationKind.CUSTOMER_WROTE,
            event=event,
            message=f"{case.number}: {routed['reason']}",
        )
    elif owner_before is not None:
        notify(
            [owner_before],
            case=case,
            kind=NotificationKind.CUSTOMER_WROTE,
            message=f"{case.number}: the customer got in touch again ({case.subject}).",
        )


def _step(case: Case) -> dict[str, object]:
    return {"next_step": case.next_step, "next_step_due": when(case.next_step_due)}


def _apply_next_step(case: Case, next_step: str, next_step_due: dt.datetime | None) -> None:
    case.next_step = require_text(
        next_step, code=CaseError.NEXT_STEP_REQUIRED, what="Next step", limit=MAX_SHORT_TEXT
    )
    case.next_step_due = require_future(
        next_step_due, code=CaseError.NEXT_STEP_IN_PAST, what="Next step"
    )


def _check_resolvable(case: Case) -> None:
    if (
        case.status not in ALLOWED_TRANSITIONS
        or CaseStatus.RESOLVED not in ALLOWED_TRANSITIONS[case.status]
    ):
        raise ServiceError(
            CaseError.INVALID_TRANSITION,
            f"A {case.get_status_display().lower()} case cannot be resolved.",
        )
    if case.open_commitment_count:
        n = case.open_commitment_count
        raise ServiceError(
            CaseError.OPEN_PROMISES,
            f"{n} {'promise is' if n == 1 else 'promises are'} still open: keep, break or "
            "cancel each one before resolving.",
            open_promises=n,
        )
    if Handoff.objects.filter(case=case, status=HandoffStatus.PENDING).exists():
        raise ServiceError(
            CaseError.HANDOFF_PENDING,
            "A handoff is waiting for acceptance: accept, decline or cancel it first.",
        )


def _apply_resolved(case: Case) -> None:
    case.status = CaseStatus.RESOLVED
    case.next_step = ""
    case.next_step_due = None
    case.resolved_at = now()


def case_add_note(
    *,
    actor: User,
    case: Case,
    body: str,
    visibility: NoteVisibility | str = NoteVisibility.INTERNAL,
    expected_version: int | None = None,
) -> Note:
    """Add an internal or public note. Portal customers write public notes only."""
    if actor.has_capability(Capability.PORTAL):
        if visibility != NoteVisibility.PUBLIC:
            raise ServiceError(
                CaseError.PORTAL_NOTE_MUST_BE_PUBLIC, "Customers can only add public notes."
            )
    else:
        require_capability(actor, Capability.CASE_WORK)
    if visibility not in NoteVisibility.values:
        raise Invalid(f"{visibility!r} is not a note visibility.", field="visibility")
    text = require_text(body, code=CaseError.NOTE_REQUIRED, what="Note", limit=MAX_LONG_TEXT)
    with transaction.atomic():
        case = lock_case(case, expected_version)
        note = Note.objects.create(case=case, author=actor, body=text, visibility=visibility)
        case_index_note(note)
        touch_agent(case, actor)
        status_before = case.status
        owner_before = case.owner if actor.is_customer else None
        routed = _take_customer_contact(case) if actor.is_customer else None
        if visibility == NoteVisibility.PUBLIC:
            # An internal note changes no deadline: the clocks are not read for it.
            sla_track(case, response=not actor.is_customer, customer_contact=actor.is_customer)
        save_case(case, "agent_count", "owner", "team", "status")
        record(case, EventType.NOTE_ADDED, actor, after={"visibility": visibility}, note=note)
        _record_status_change(case, actor, status_before)
        if visibility == NoteVisibility.PUBLIC and not actor.is_customer:
            public_note_added.send(sender=Note, note=note, actor=actor)
        if actor.is_customer:
            _after_customer_contact(case, owner_before, routed)
    return note


def case_set_next_step(
    *,
    actor: User,
    case: Case,
    next_step: str,
    next_step_due: dt.datetime,
    expected_version: int | None = None,
) -> Case:
    require_capability(actor, Capability.CASE_WORK)
    with transaction.atomic():
        case = lock_case(case, expected_version)
        require_open(case)
        before = _step(case)
        _apply_next_step(case, next_step, next_step_due)
        save_case(case, "next_step", "next_step_due")
        record(case, EventType.NEXT_STEP_SET, actor, before=before, after=_step(case))
    return case


def case_set_status(
    *,
    actor: User,
    case: Case,
    status: CaseStatus | str,
    reason: str = "",
    next_step: str = "",
    next_step_due: dt.datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """Move the case along its state machine.

    Resolving needs every promise settled; reopening a resolved case needs a new next step.
    """
    require_capability(actor, Capability.CASE_SET_STATUS)
    if status not in CaseStatus.values:
        raise Invalid(f"{status!r} is not a case status.", field="status")
    with transaction.atomic():
        case = lock_case(case, expected_version)
        old = case.status
        if status not in ALLOWED_TRANSITIONS[old]:
            raise ServiceError(
                CaseError.INVALID_TRANSITION,
                f"A {case.get_status_display().lower()} case cannot become "
                f"{CaseStatus(status).label.lower()}.",
                case_status=old,
                allowed=sorted(ALLOWED_TRANSITIONS[old]),
            )
        fields = ["status"]
        before: dict[str, object] = {"status": old}
        if status == CaseStatus.RESOLVED:
            _check_resolvable(case)
            before |= _step(case)
            _apply_resolved(case)
            fields += ["next_step", "next_step_due", "resolved_at"]
        elif status == CaseStatus.CLOSED:
            case.status = CaseStatus.CLOSED
            case.closed_at = now()
            fields.append("closed_at")
        else:
            if old == CaseStatus.RESOLVED or next_step.strip() or next_step_due:
                before |= _step(case)
                _apply_next_step(case, next_step, next_step_due)
                fields += ["next_step", "next_step_due"]
            if old == CaseStatus.RESOLVED:
                case.resolved_at = None
                fields.append("resolved_at")
            case.status = status
        after: dict[str, object] = {"status": case.status}
        if "next_step" in fields:
            after |= _step(case)
        sla_track(case)
        save_case(case, *fields)
        record(case, EventType.STATUS_CHANGED, actor, before=before, after=after, reason=reason)
    return case
