"""Cases and everything that happens on them: contacts, notes, handoffs, promises, decisions.

Database constraints back the invariants of DESIGN.md §2 where a row can carry them; the
services enforce the rest and write a CaseEvent for every change.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from followthrough.accounts.models import Team, User
from followthrough.cases.states import (
    OPEN_STATUSES,
    CaseStatus,
    Channel,
    CommitmentKind,
    CommitmentParty,
    CommitmentStatus,
    Direction,
    Disposition,
    EventType,
    HandoffKind,
    HandoffStatus,
    LinkKind,
    NoteVisibility,
    NotificationKind,
    Priority,
)
from followthrough.customers.models import Asset, Contact, Organization
from followthrough.sla.models import BusinessCalendar, SlaMetric, SlaPolicy

_OPEN = Q(status__in=sorted(OPEN_STATUSES))


def format_case_number(case_id: int) -> str:
    return f"{settings.CASE_NUMBER_PREFIX}-{case_id}"


class Case(models.Model):
    subject = models.CharField(max_length=250)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=24, choices=CaseStatus.choices, default=CaseStatus.NEW)
    priority = models.CharField(max_length=2, choices=Priority.choices, default=Priority.P3)
    category = models.CharField(max_length=100, blank=True)
    channel = models.CharField(max_length=20, choices=Channel.choices)

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    asset = models.ForeignKey(
        Asset, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )

    owner = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="owned_cases"
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )

    next_step = models.CharField(max_length=500, blank=True)
    next_step_due = models.DateTimeField(null=True, blank=True)

    # Service-level deadlines, kept by the case services (services/sla.py): the nearest running
    # SLA deadline and its metric, and since when the clocks are paused (pending statuses).
    sla_due = models.DateTimeField(null=True, blank=True)
    sla_metric = models.CharField(max_length=20, choices=SlaMetric.choices, blank=True)
    sla_paused_since = models.DateTimeField(null=True, blank=True)
    # What the queues run on: the nearest of the SLA deadline and the next step (open cases).
    nearest_due = models.DateTimeField(null=True, blank=True)

    # Counters the brief needs, kept by the services so no page counts rows.
    interaction_count = models.PositiveIntegerField(default=0)
    agent_count = models.PositiveIntegerField(default=0)
    open_commitment_count = models.PositiveIntegerField(default=0)

    # Bumped by every write; a write that names an older version is refused.
    version = models.PositiveIntegerField(default=1)

    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_cases"
    )
    opened_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Invariant 1: an open case is never nobody's.
            models.CheckConstraint(
                condition=~_OPEN | Q(owner__isnull=False) | Q(team__isnull=False),
                name="case_open_has_owner_or_team",
            ),
            # Invariant 2: an open case has a next step, with a time.
            models.CheckConstraint(
                condition=~_OPEN | (Q(next_step_due__isnull=False) & ~Q(next_step="")),
                name="case_open_has_next_step",
            ),
            models.CheckConstraint(
                condition=Q(status__in=CaseStatus.values), name="case_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(priority__in=Priority.values), name="case_priority_valid"
            ),
            models.CheckConstraint(condition=~Q(subject=""), name="case_subject_not_empty"),
            models.CheckConstraint(
                condition=~_OPEN | Q(nearest_due__isnull=False), name="case_open_has_nearest_due"
            ),
        ]
        indexes = [
            # The open-case queues are range scans over these partial indexes.
            models.Index(
                fields=["team", "nearest_due", "id"], condition=_OPEN, name="case_open_team_due"
            ),
            models.Index(
                fields=["owner", "nearest_due", "id"],
                condition=_OPEN,
                name="case_open_owner_due",
            ),
            # The newest-first list of all cases (API list without a queue filter).
            models.Index(fields=["-created_at", "-id"], name="case_recent"),
            models.Index(fields=["contact", "-created_at"], name="case_contact_recent"),
            models.Index(fields=["organization", "-created_at"], name="case_org_recent"),
            models.Index(fields=["asset", "-created_at"], name="case_asset_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def number(self) -> str:
        return format_case_number(self.pk)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CaseAgent(models.Model):
    """An agent who worked the case: the source of "previously A and B"."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="agents")
    agent = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "agent"], name="case_agent_unique")]

    def __str__(self) -> str:
        return f"{self.agent} on case {self.case_id}"


class Interaction(models.Model):
    """One contact with the customer. It always ends with a note and a disposition."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="interactions")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    agent = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="interactions"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="interactions"
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    disposition = models.CharField(max_length=30, choices=Disposition.choices)
    note = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # Invariant 3: an interaction ends with a note and a disposition.
            models.CheckConstraint(
                condition=~Q(note=""),
                name="interaction_has_note",
            ),
            models.CheckConstraint(
                condition=Q(disposition__in=Disposition.values),
                name="interaction_disposition_valid",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__gte=F("started_at")), name="interaction_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["case", "started_at"], name="interaction_case_time")]

    def __str__(self) -> str:
        direction = self.get_direction_display().lower()
        return f"{self.get_channel_display()} {direction} on case {self.case_id}"


class Note(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    visibility = models.CharField(
        max_length=10, choices=NoteVisibility.choices, default=NoteVisibility.INTERNAL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="note_has_body")]
        indexes = [models.Index(fields=["case", "created_at"], name="note_case_time")]

    def __str__(self) -> str:
        return f"{self.get_visibility_display()} note on case {self.case_id}"


class Handoff(models.Model):
    """Moving a case to another person or team. The sender owns the case until accepted."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="handoffs")
    kind = models.CharField(max_length=20, choices=HandoffKind.choices)
    status = models.CharField(
        max_length=10, choices=HandoffStatus.choices, default=HandoffStatus.PENDING
    )
    from_user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    from_team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="handoffs_received"
    )
    to_team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="handoffs_received"
    )
    summary = models.TextField()
    tried = models.TextField()
    promised = models.TextField()
    next_step = models.CharField(max_length=500)
    next_step_due = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    responded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    response_reason = models.TextField(blank=True)
    # Set on the new handoff that an escalation of an unaccepted one created.
    escalated_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(to_user__isnull=False) | Q(to_team__isnull=False),
                name="handoff_has_receiver",
            ),
            # Invariant 4: every handoff carries its structured summary.
            models.CheckConstraint(
                condition=~Q(summary="") & ~Q(tried="") & ~Q(promised="") & ~Q(next_step=""),
                name="handoff_summary_complete",
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status=HandoffStatus.PENDING),
                name="handoff_one_pending_per_case",
            ),
        ]
        indexes = [
            models.Index(
                fields=["to_user", "created_at"],
                condition=Q(status=HandoffStatus.PENDING),
                name="handoff_pending_user",
            ),
            models.Index(
                fields=["to_team", "created_at"],
                condition=Q(status=HandoffStatus.PENDING),
                name="handoff_pending_team",
            ),
            models.Index(fields=["case", "created_at"], name="handoff_case_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of case {self.case_id} to {self.to_user or self.to_team}"


class Commitment(models.Model):
    """A promise: something someone owes by a time. Kept, broken or cancelled with a reason."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="commitments")
    kind = models.CharField(
        max_length=20, choices=CommitmentKind.choices, default=CommitmentKind.CALLBACK
    )
    owed_by = models.CharField(max_length=10, choices=CommitmentParty.choices)
    description = models.CharField(max_length=500)
    due_at = models.DateTimeField()
    # Who on our side answers for it (for a customer's promise: who chases it).
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="commitments")
    status = models.CharField(
        max_length=10, choices=CommitmentStatus.choices, default=CommitmentStatus.OPEN
    )
    reason = models.TextField(blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    settled_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    settled_at = models.DateTimeField(null=True, blank=True)
    # When the deadline scan told its owner it fell due (once per promise).
    due_noticed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(description=""), name="commitment_has_description"),
            # Invariant 5: a promise that is not kept is broken or cancelled with a reason.
            models.CheckConstraint(
                condition=Q(status__in=[CommitmentStatus.OPEN, CommitmentStatus.KEPT])
                | ~Q(reason=""),
                name="commitment_unkept_has_reason",
            ),
        ]
        indexes = [
            models.Index(
                fields=["owner", "due_at", "id"],
                condition=Q(status=CommitmentStatus.OPEN),
                name="commitment_open_owner_due",
            ),
            models.Index(
                fields=["due_at", "id"],
                condition=Q(status=CommitmentStatus.OPEN),
                name="commitment_open_due",
            ),
            models.Index(fields=["case", "status"], name="commitment_case_status"),
            # The deadline scan: open promises that fell due and nobody was told yet.
            models.Index(
                fields=["due_at", "id"],
                condition=Q(status=CommitmentStatus.OPEN, due_noticed_at__isnull=True),
                name="commitment_due_unnoticed",
            ),
        ]

    def __str__(self) -> str:
        return self.description


class Decision(models.Model):
    """A recorded policy exception or judgment call: what, why, and who approved it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="decisions")
    policy = models.CharField(max_length=250)
    decision = models.TextField()
    rationale = models.TextField()
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # When nobody could approve: who was tried, and why they could not be reached.
    no_approver_reason = models.TextField(blank=True)
    outcome = models.TextField(blank=True)
    outcome_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_by__isnull=False) | ~Q(no_approver_reason=""),
                name="decision_approved_or_explained",
            ),
            models.CheckConstraint(
                condition=~Q(policy="") & ~Q(decision="") & ~Q(rationale=""),
                name="decision_complete",
            ),
        ]
        indexes = [models.Index(fields=["case", "created_at"], name="decision_case_time")]

    def __str__(self) -> str:
        return f"Exception to {self.policy}"


class CaseLink(models.Model):
    from_case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="links_out")
    to_case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="links_in")
    kind = models.CharField(max_length=10, choices=LinkKind.choices)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_case", "to_case"], name="case_link_unique"),
            models.CheckConstraint(condition=~Q(from_case=F("to_case")), name="case_link_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.from_case_id} {self.get_kind_display().lower()} {self.to_case_id}"


class CaseEventQuerySet(models.QuerySet["CaseEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("Case events are append-only: they are never updated.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("Case events are append-only: they are never deleted.")


class CaseEvent(models.Model):
    """One line of the case's history. Written in the same transaction as the change."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    type = models.CharField(max_length=30, choices=EventType.choices)
    # None is the system (a scan, intake); every agent action names its agent.
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The case's version after this change: "what changed since version N" is a range read.
    case_version = models.PositiveIntegerField()
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    # The record the event is about, so the timeline is one indexed range scan.
    interaction = models.ForeignKey(
        Interaction, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.ForeignKey(
        Note, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handoff = models.ForeignKey(
        Handoff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    commitment = models.ForeignKey(
        Commitment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    related_case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    referral = models.ForeignKey(
        "Referral", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["case", "created_at", "id"], name="case_event_case_time")]

    def __str__(self) -> str:
        return f"{self.get_type_display()} on case {self.case_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("Case events are append-only: they are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("Case events are append-only: they are never deleted.")


class SlaClock(models.Model):
    """One SLA clock of a case: first response, next response or resolution.

    Business time used is banked whenever the clock pauses or its policy changes, so the
    deadline is always `add(running_since, target - used)` in the clock's calendar. The deadline
    scan finds clocks through the two partial indexes, never by scanning cases.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="sla_clocks")
    metric = models.CharField(max_length=20, choices=SlaMetric.choices)
    policy = models.ForeignKey(
        SlaPolicy, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    policy_name = models.CharField(max_length=100)
    target_minutes = models.PositiveIntegerField()
    warn_percent = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    used_seconds = models.PositiveIntegerField(default=0)
    # Set while the clock runs; None while paused or stopped.
    running_since = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    # When the warning falls due; cleared once it is recorded (or the clock stops).
    warn_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_status = models.CharField(max_length=24, blank=True)
    # Every pause: [{"from": iso, "to": iso or null, "status": "pending_customer"}].
    pauses = models.JSONField(default=list, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    # How many times this metric ran on the case (next response restarts per customer contact).
    round = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "metric"], name="sla_clock_one_per_metric"),
            models.CheckConstraint(
                condition=Q(running_since__isnull=True) | Q(due_at__isnull=False),
                name="sla_clock_running_has_due",
            ),
        ]
        indexes = [
            # The deadline scan: breaches to record, then warnings to record.
            models.Index(
                fields=["due_at", "id"],
                condition=Q(breached_at__isnull=True, due_at__isnull=False),
                name="sla_clock_breach_due",
            ),
            models.Index(
                fields=["warn_at", "id"],
                condition=Q(warn_at__isnull=False),
                name="sla_clock_warn_due",
            ),
            # The equal-treatment report: clocks of one metric started in a period.
            models.Index(fields=["metric", "started_at"], name="sla_clock_metric_started"),
        ]

    def __str__(self) -> str:
        return f"{self.get_metric_display()} on case {self.case_id}"

    @property
    def is_running(self) -> bool:
        return self.running_since is not None

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None


class Notification(models.Model):
    """Something a person should know about a case: a deadline warning or breach, a customer
    contact on a case they own. Shown in the workspace until read."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    event = models.ForeignKey(
        CaseEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(
        max_length=20, choices=NotificationKind.choices, default=NotificationKind.DEADLINE
    )
    message = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # The same event never notifies the same person twice (the scan may run twice).
            models.UniqueConstraint(fields=["user", "event"], name="notification_once_per_event")
        ]
        indexes = [
            models.Index(
                fields=["user", "-created_at", "-id"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(fields=["user", "-created_at", "-id"], name="notification_recent"),
        ]

    def __str__(self) -> str:
        return self.message


# Knowledge on cases: referrals to vendors, and the articles that solved them.
from followthrough.cases.models.knowledge import CaseArticle, Referral  # noqa: E402

__all__ = [
    "Case",
    "CaseAgent",
    "CaseArticle",
    "CaseEvent",
    "CaseLink",
    "Commitment",
    "Decision",
    "Handoff",
    "Interaction",
    "Note",
    "Notification",
    "Referral",
    "SlaClock",
    "format_case_number",
]
