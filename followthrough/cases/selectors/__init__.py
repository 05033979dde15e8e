"""Reads on cases: the brief, the timeline, the queues and the customer 360.

Each read is a fixed number of indexed queries whatever the size of the case or the queue;
tests pin the counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.db.models import ForeignKey, Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from followthrough.accounts.models import Team, User
from followthrough.cases.models import (
    Case,
    CaseAgent,
    CaseEvent,
    Commitment,
    Decision,
    Handoff,
    Interaction,
    Notification,
    Referral,
)
from followthrough.cases.states import (
    OPEN_STATUSES,
    TIMELINE_FILTERS,
    CommitmentStatus,
    HandoffStatus,
)
from followthrough.core.errors import Invalid
from followthrough.core.pagination import DEFAULT_LIMIT, Page, keyset_page
from followthrough.customers.models import (
    Asset,
    Contact,
    ContactEmail,
    ContactPhone,
    Organization,
    Site,
)
from followthrough.customers.selectors import CustomerMatch

_OPEN = sorted(OPEN_STATUSES)
RECENT_INTERACTIONS = 5
BRIEF_REFERRALS = 20
HISTORY_LIMIT = 20


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _names(people: list[User]) -> str:
    names = [p.display_name for p in people]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


@dataclass
class CaseBrief:
    """What an agent who has never seen the case needs in ten seconds."""

    case: Case
    owner_name: str
    reach_owner: str
    agents: list[User]
    open_commitments: list[Commitment]
    decisions: list[Decision]
    handoffs: list[Handoff]
    recent_interactions: list[Interaction]
    # Vendors the customer was sent to, newest first, each with its follow-up promise.
    referrals: list[Referral] = field(default_factory=list)

    @property
    def pending_handoff(self) -> Handoff | None:
        return next((h for h in self.handoffs if h.status == HandoffStatus.PENDING), None)

    @property
    def tried(self) -> list[str]:
        """What was tried, from the handoff summaries, newest first."""
        return [h.tried for h in self.handoffs]

    @property
    def contact_summary(self) -> str:
        """ "3rd contact, previously A and B": how often the customer came, and who saw them."""
        n = self.case.interaction_count
        if n == 0:
            return "No contact logged yet"
        others = [a for a in self.agents if a.pk != self.case.owner_id]
        text = f"{_ordinal(n)} contact"
        if others:
            text += f", previously {_names(others)}"
        return text


def case_brief(case_id: int) -> CaseBrief:
    case = Case.objects.select_related(
        "owner", "team", "team__lead", "contact", "organization", "asset", "merged_into"
    ).get(pk=case_id)
    agents = [
        ca.agent
        for ca in CaseAgent.objects.filter(case_id=case_id)
        .select_related("agent")
        .order_by("first_at", "id")
    ]
    open_commitments = list(
        Commitment.objects.filter(case_id=case_id, status=CommitmentStatus.OPEN)
        .select_related("owner")
        .order_by("due_at", "id")
    )
    decisions = list(
        Decision.objects.filter(case_id=case_id)
        .select_related("decided_by", "approved_by")
        .order_by("-created_at", "-id")
    )
    handoffs = list(
        Handoff.objects.filter(case_id=case_id)
        .select_related("from_user", "to_user", "to_team")
        .order_by("-created_at", "-id")
    )
    recent = list(
        Interaction.objects.filter(case_id=case_id)
        .select_related("agent")
        .order_by("-started_at", "-id")[:RECENT_INTERACTIONS]
    )
    referrals = list(
        Referral.objects.filter(case_id=case_id)
        .select_related("vendor", "commitment", "commitment__owner")
        .order_by("-created_at", "-id")[:BRIEF_REFERRALS]
    )
    if case.owner is not None:
        owner_name = case.owner.display_name
        reach = case.owner.direct_line or (case.team.direct_line if case.team else "")
    else:
        owner_name = f"{case.team.name} queue" if case.team else "Nobody"
        reach = case.team.direct_line if case.team else ""
    return CaseBrief(
        case=case,
        owner_name=owner_name,
        reach_owner=reach,
        agents=agents,
        open_commitments=open_commitments,
        decisions=decisions,
        handoffs=handoffs,
        recent_interactions=recent,
        referrals=referrals,
    )


def case_timeline(
    case: Case,
    *,
    only: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[CaseEvent]:
    """The case's history, newest first, including the cases merged into it.

    `only` narrows it to one group of TIMELINE_FILTERS (contacts, notes, handoffs, ...).
    """
    # The case and those merged into it, read first as plain ids: as a condition across the
    # join to cases (or a subquery among the joins below) PostgreSQL plans a scan of every
    # event of every case, where a list of ids is a short range of the (case, time) index.
    case_ids = [case.pk, *Case.objects.filter(merged_into=case).values_list("pk", flat=True)]
    events = CaseEvent.objects.filter(case_id__in=case_ids)
    if only:
        if only not in TIMELINE_FILTERS:
            raise Invalid(
                f"{only!r} is not a timeline filter; use one of {', '.join(TIMELINE_FILTERS)}.",
                field="only",
            )
        events = events.filter(type__in=sorted(TIMELINE_FILTERS[only]))
    events = events.select_related("actor", "interaction", "note", "related_case")
    page = keyset_page(events, field="created_at", cursor=cursor, limit=limit, descending=True)
    _attach_records(page.items, case_ids)
    return page


def _attach_records(events: Sequence[CaseEvent], case_ids: list[int]) -> None:
    """The handoffs, promises and decisions the events are about: one query each, whatever
    the page. Joined to the events as well, they would make PostgreSQL spend far longer
    planning the query than running it (planning grows with every join)."""
    records: dict[str, dict[Any, Any]] = {
        "handoff": Handoff.objects.filter(case_id__in=case_ids)
        .select_related("to_user", "to_team")
        .in_bulk(),
        "commitment": Commitment.objects.filter(case_id__in=case_ids).in_bulk(),
        "decision": Decision.objects.filter(case_id__in=case_ids).in_bulk(),
    }
    for name, found in records.items():
        field = cast(ForeignKey[Any, Any], CaseEvent._meta.get_field(name))
        for event in events:
            field.set_cached_value(event, found.get(getattr(event, field.attname)))


def _queue(cases: QuerySet[Case], cursor: str | None, limit: int) -> Page[Case]:
    """Open cases by their nearest deadline (SLA or next step), most overdue first, then age.

    `nearest_due` is kept by the case services; ties fall to the id, which is the age.
    """
    cases = cases.filter(status__in=_OPEN).select_related(
        "owner", "team", "contact", "organization"
    )
    return keyset_page(cases, field="nearest_due", cursor=cursor, limit=limit)


def queue_mine(user: User, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> Page[Case]:
    return _queue(Case.objects.filter(owner=user), cursor, limit)


def queue_team(team: Team, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> Page[Case]:
    return _queue(Case.objects.filter(team=team), cursor, limit)


def queue_unassigned(
    user: User, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[Case]:
    """Unowned open cases in the queues of the user's teams."""
    teams = Team.objects.filter(memberships__user=user).values("pk")
    return _queue(Case.objects.filter(team__in=teams, owner__isnull=True), cursor, limit)


def handoffs_waiting_for(
    user: User, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[Handoff]:
    """Handoffs this user can accept: to them by name, or to a team of theirs with no name."""
    teams = Team.objects.filter(memberships__user=user).values("pk")
    handoffs = Handoff.objects.filter(
        Q(to_user=user) | Q(to_user__isnull=True, to_team__in=teams),
        status=HandoffStatus.PENDING,
    ).select_related("case", "from_user", "to_team")
    return keyset_page(handoffs, field="created_at", cursor=cursor, limit=limit)


def commitments_due(
    user: User,
    *,
    until: dt.datetime,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[Commitment]:
    """Open promises the user answers for that fall due by `until` (overdue ones first)."""
    commitments = Commitment.objects.filter(
        owner=user, status=CommitmentStatus.OPEN, due_at__lte=until
    ).select_related("case", "case__contact")
    return keyset_page(commitments, field="due_at", cursor=cursor, limit=limit)


@dataclass
class Customer360:
    organization: Organization
    contact: Contact | None
    open_cases: list[Case]
    history: list[Case]
    contacts: list[Contact] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)
    assets: list[Asset] = field(default_factory=list)

    @property
    def returning_case(self) -> Case | None:
        """The open case a returning caller most likely calls about: offered first."""
        return self.open_cases[0] if self.open_cases else None


def customer_360(
    *, organization: Organization, contact: Contact | None = None, asset: Asset | None = None
) -> Customer360:
    """The customer at a glance: open cases first (with owners), then recent history.

    With a contact or an asset, their cases come first; the organisation's follow.
    """
    cases = Case.objects.filter(organization=organization).select_related(
        "owner", "team", "contact", "asset"
    )
    open_cases = list(cases.filter(status__in=_OPEN).order_by("nearest_due", "id")[:50])
    focus = contact.pk if contact else None
    focus_asset = asset.pk if asset else None
    open_cases.sort(
        key=lambda c: (
            not (c.contact_id == focus and focus)
            and not (c.asset_id == focus_asset and focus_asset),
            c.nearest_due,
            c.pk,
        )
    )
    history = list(cases.exclude(status__in=_OPEN).order_by("-created_at", "-id")[:HISTORY_LIMIT])
    return Customer360(
        organization=organization,
        contact=contact,
        open_cases=open_cases,
        history=history,
        contacts=list(Contact.objects.filter(organization=organization).order_by("name")[:100]),
        sites=list(Site.objects.filter(organization=organization).order_by("name")[:100]),
        assets=list(
            Asset.objects.filter(organization=organization)
            .select_related("site")
            .order_by("product", "serial_number")[:100]
        ),
    )


def customer_360_for_match(match: CustomerMatch) -> Customer360:
    """The 360 for a lookup hit: by contact (phone, email, name) or by asset (serial)."""
    if match.contact is not None:
        return customer_360(organization=match.contact.organization, contact=match.contact)
    asset = match.assets[0]
    return customer_360(organization=asset.organization, asset=asset)


COUNT_CAP = 99


def _capped(queryset: QuerySet[Any]) -> int:
    """How many rows, counted no further than COUNT_CAP + 1: a bounded index range scan."""
    return len(queryset.values_list("pk", flat=True)[: COUNT_CAP + 1])


@dataclass
class QueueCounts:
    mine: int
    team: int
    unassigned: int
    handoffs: int
    promises: int
    cap: int = COUNT_CAP


def end_of_today() -> dt.datetime:
    """Midnight at the end of today, in the active (the signed-in person's) time zone."""
    local = timezone.localtime()
    return local.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)


def queue_counts(user: User, team: Team | None) -> QueueCounts:
    """The number on each queue tab; capped, so a huge queue costs no more than a small one."""
    teams = Team.objects.filter(memberships__user=user).values("pk")
    return QueueCounts(
        mine=_capped(Case.objects.filter(owner=user, status__in=_OPEN)),
        team=_capped(Case.objects.filter(team=team, status__in=_OPEN)) if team else 0,
        unassigned=_capped(
            Case.objects.filter(team__in=teams, owner__isnull=True, status__in=_OPEN)
        ),
        handoffs=_capped(
            Handoff.objects.filter(
                Q(to_user=user) | Q(to_user__isnull=True, to_team__in=teams),
                status=HandoffStatus.PENDING,
            )
        ),
        promises=_capped(
            Commitment.objects.filter(
                owner=user, status=CommitmentStatus.OPEN, due_at__lte=end_of_today()
            )
        ),
    )


def customer_360_with_contact_details(
    *, organization: Organization, contact: Contact | None = None
) -> Customer360:
    """customer_360 with every listed contact's phones and emails loaded (two more queries),
    for pages that show how to reach each person."""
    view = customer_360(organization=organization, contact=contact)
    prefetch_related_objects(
        view.contacts,
        Prefetch("phones", queryset=ContactPhone.objects.order_by("kind", "number")),
        Prefetch("emails", queryset=ContactEmail.objects.order_by("-is_primary", "address")),
    )
    return view


def asset_with_organization(asset_id: int) -> Asset | None:
    """One asset with its organisation and site, for the lookup's "pick this product"."""
    return Asset.objects.select_related("organization", "site").filter(pk=asset_id).first()


MAX_CASE_ID_DIGITS = 18
SUBJECT_SEARCH_LIMIT = 20


def case_id_from_number(text: str) -> int | None:
    """The case id in "FT-12", "ft 12", "#12" or "12"; None when the text is not a number."""
    cleaned = text.strip().upper()
    prefix = settings.CASE_NUMBER_PREFIX.upper()
    if cleaned.startswith(prefix):
        cleaned = cleaned[len(prefix) :].lstrip(" -")
    elif cleaned.startswith("#"):
        cleaned = cleaned[1:].strip()
    if not cleaned.isascii() or not cleaned.isdigit() or len(cleaned) > MAX_CASE_ID_DIGITS:
        return None
    return int(cleaned) or None


def cases_with_subject(
    cases: QuerySet[Case], text: str, *, limit: int = SUBJECT_SEARCH_LIMIT
) -> list[Case]:
    """Cases whose subject contains `text`, newest first; at most `limit` of them.

    A stopgap until the knowledge issue brings the full-text index: bounded, but a scan.
    """
    return list(
        cases.filter(subject__icontains=text)
        .select_related("owner", "team", "organization", "contact")
        .order_by("-created_at", "-id")[:limit]
    )


NOTIFICATION_LIMIT = 10


def notifications_unread(user: User, *, limit: int = NOTIFICATION_LIMIT) -> list[Notification]:
    """The newest unread notifications of a person (one indexed range scan)."""
    return list(
        Notification.objects.filter(user=user, read_at__isnull=True)
        .select_related("case")
        .order_by("-created_at", "-id")[:limit]
    )
