"""Case states and the transitions between them: constants that services and tests share."""

from __future__ import annotations

from django.db import models

# Re-exported: SLA targets are set per priority, so the enum lives in the sla app below.
from followthrough.sla.priorities import Priority as Priority


class CaseStatus(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING_CUSTOMER = "pending_customer", "Pending customer"
    PENDING_THIRD_PARTY = "pending_third_party", "Pending third party"
    SCHEDULED = "scheduled", "Scheduled"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


S = CaseStatus

OPEN_STATUSES: frozenset[str] = frozenset(
    {S.NEW, S.OPEN, S.PENDING_CUSTOMER, S.PENDING_THIRD_PARTY, S.SCHEDULED}
)
DONE_STATUSES: frozenset[str] = frozenset({S.RESOLVED, S.CLOSED})

_WORKING = {S.OPEN, S.PENDING_CUSTOMER, S.PENDING_THIRD_PARTY, S.SCHEDULED, S.RESOLVED}

# Closed is final: a customer who comes back after closure gets a new case linked to the old.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset(_WORKING),
    S.OPEN: frozenset(_WORKING - {S.OPEN}),
    S.PENDING_CUSTOMER: frozenset(_WORKING - {S.PENDING_CUSTOMER}),
    S.PENDING_THIRD_PARTY: frozenset(_WORKING - {S.PENDING_THIRD_PARTY}),
    S.SCHEDULED: frozenset(_WORKING - {S.SCHEDULED}),
    S.RESOLVED: frozenset({S.OPEN, S.CLOSED}),
    S.CLOSED: frozenset(),
}


class Channel(models.TextChoices):
    PHONE = "phone", "Phone"
    EMAIL = "email", "Email"
    PORTAL = "portal", "Portal"
    CHAT = "chat", "Chat"
    ERROR_REPORT = "error_report", "In-product error report"
    FIELD = "field", "On site"


class Direction(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"


class Disposition(models.TextChoices):
    """How a contact ended. Every interaction has one."""

    NEXT_STEP_SET = "next_step_set", "Next step set"
    RESOLVED = "resolved", "Resolved"
    INFORMATION_GIVEN = "information_given", "Information given"
    CALLBACK_PROMISED = "callback_promised", "Callback promised"
    REFERRED = "referred", "Referred to a third party"
    ESCALATED = "escalated", "Escalated"
    TECHNICIAN_BOOKED = "technician_booked", "Technician booked"
    REPLACEMENT_SHIPPED = "replacement_shipped", "Replacement shipped"
    NO_ANSWER = "no_answer", "No answer"
    LEFT_VOICEMAIL = "left_voicemail", "Left voicemail"
    CUSTOMER_DECLINED = "customer_declined", "Customer declined the offer"
    CALL_DROPPED = "call_dropped", "Call dropped"


class NoteVisibility(models.TextChoices):
    INTERNAL = "internal", "Internal"
    PUBLIC = "public", "Public"


class HandoffKind(models.TextChoices):
    TRANSFER = "transfer", "Transfer"
    TIER_ESCALATION = "tier_escalation", "Tier escalation"
    LEAD_ESCALATION = "lead_escalation", "Lead escalation"


class HandoffStatus(models.TextChoices):
    PENDING = "pending", "Waiting for acceptance"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    ESCALATED = "escalated", "Escalated to the team lead"
    CANCELLED = "cancelled", "Cancelled"


class CommitmentParty(models.TextChoices):
    US = "us", "We owe the customer"
    CUSTOMER = "customer", "The customer owes us"


class CommitmentKind(models.TextChoices):
    CALLBACK = "callback", "Callback"
    FOLLOW_UP = "follow_up", "Follow-up"
    REFERRAL_FOLLOW_UP = "referral_follow_up", "Follow-up after a referral"
    PART_RETURN = "part_return", "Return of a part"
    VISIT = "visit", "Technician visit"
    SHIPMENT = "shipment", "Shipment"
    OTHER = "other", "Other"


class CommitmentStatus(models.TextChoices):
    OPEN = "open", "Open"
    KEPT = "kept", "Kept"
    BROKEN = "broken", "Broken"
    CANCELLED = "cancelled", "Cancelled"


class LinkKind(models.TextChoices):
    RELATED = "related", "Related to"
    DUPLICATE = "duplicate", "Duplicate of"
    PARENT = "parent", "Parent of"


class EventType(models.TextChoices):
    OPENED = "opened", "Case opened"
    UPDATED = "updated", "Details changed"
    INTERACTION_LOGGED = "interaction_logged", "Contact logged"
    NOTE_ADDED = "note_added", "Note added"
    NEXT_STEP_SET = "next_step_set", "Next step set"
    NEXT_STEP_CONFIRMED = "next_step_confirmed", "Next step confirmed"
    ASSIGNED = "assigned", "Assigned"
    CLAIMED = "claimed", "Claimed"
    HANDOFF_REQUESTED = "handoff_requested", "Handoff requested"
    HANDOFF_ACCEPTED = "handoff_accepted", "Handoff accepted"
    HANDOFF_DECLINED = "handoff_declined", "Handoff declined"
    HANDOFF_ESCALATED = "handoff_escalated", "Unaccepted handoff escalated to the lead"
    HANDOFF_CANCELLED = "handoff_cancelled", "Handoff cancelled"
    STATUS_CHANGED = "status_changed", "Status changed"
    COMMITMENT_ADDED = "commitment_added", "Promise made"
    COMMITMENT_KEPT = "commitment_kept", "Promise kept"
    COMMITMENT_BROKEN = "commitment_broken", "Promise broken"
    COMMITMENT_CANCELLED = "commitment_cancelled", "Promise cancelled"
    COMMITMENT_MOVED = "commitment_moved", "Promise moved by a merge"
    COMMITMENT_DUE = "commitment_due", "Promise due"
    DECISION_RECORDED = "decision_recorded", "Decision recorded"
    DECISION_OUTCOME = "decision_outcome", "Decision outcome recorded"
    LINKED = "linked", "Linked"
    MERGED_INTO = "merged_into", "Merged into another case"
    MERGED_FROM = "merged_from", "Another case merged into this one"
    SLA_WARNING = "sla_warning", "Deadline close"
    SLA_BREACHED = "sla_breached", "Deadline missed"
    ROUTED = "routed", "Routed to the team queue"
    REFERRED = "referred", "Referred to a vendor"
    REFERRAL_OUTCOME = "referral_outcome", "Referral outcome recorded"
    ARTICLE_SOLVED = "article_solved", "Article marked as the solution"


class ReferralOutcome(models.TextChoices):
    PENDING = "pending", "Waiting to hear"
    VENDOR_HELPED = "vendor_helped", "The vendor helped"
    NO_ANSWER = "no_answer", "The vendor did not answer"
    WE_SOLVED = "we_solved", "We solved it ourselves"


# The groups a timeline can be filtered by.
TIMELINE_FILTERS: dict[str, frozenset[str]] = {
    "contacts": frozenset({EventType.INTERACTION_LOGGED}),
    "notes": frozenset({EventType.NOTE_ADDED}),
    "handoffs": frozenset(
        {
            EventType.HANDOFF_REQUESTED,
            EventType.HANDOFF_ACCEPTED,
            EventType.HANDOFF_DECLINED,
            EventType.HANDOFF_ESCALATED,
            EventType.HANDOFF_CANCELLED,
        }
    ),
    "promises": frozenset(
        {
            EventType.COMMITMENT_ADDED,
            EventType.COMMITMENT_KEPT,
            EventType.COMMITMENT_BROKEN,
            EventType.COMMITMENT_CANCELLED,
            EventType.COMMITMENT_MOVED,
            EventType.COMMITMENT_DUE,
        }
    ),
    "decisions": frozenset({EventType.DECISION_RECORDED, EventType.DECISION_OUTCOME}),
    "deadlines": frozenset({EventType.SLA_WARNING, EventType.SLA_BREACHED}),
}

# The statuses in which a policy may pause the SLA clocks (see SlaPolicy.pauses_on).
PAUSABLE_STATUSES: frozenset[str] = frozenset(
    {CaseStatus.PENDING_CUSTOMER, CaseStatus.PENDING_THIRD_PARTY, CaseStatus.SCHEDULED}
)

# Contacts in which we did not reach the customer: they are not a response.
NOT_REACHED: frozenset[str] = frozenset(
    {Disposition.NO_ANSWER, Disposition.LEFT_VOICEMAIL, Disposition.CALL_DROPPED}
)


class NotificationKind(models.TextChoices):
    """What a notification is about; people choose by kind which ones also reach them by mail."""

    ASSIGNED = "assigned", "A case was assigned to you"
    HANDOFF = "handoff", "A handoff waits for you"
    PROMISE_DUE = "promise_due", "A promise fell due"
    DEADLINE = "deadline", "A deadline is close or missed"
    CUSTOMER_WROTE = "customer_wrote", "A customer got in touch"
    ESCALATION = "escalation", "A case was escalated"
