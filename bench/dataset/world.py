"""The support floor the benchmark data lives on, made through the services: teams and agents,
then the template customers and template cases whose rows are cloned in bulk.

Every template case is a real case the services opened and worked (contacts, notes, handoffs,
promises, status changes, resolution), with time moved forward between the steps so its
history spreads over hours and days as a real case's does.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import time_machine
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from bench.dataset.capture import Capture, Template
from bench.dataset.vocabulary import FIRST_NAMES, LAST_NAMES, phone_number
from followthrough.accounts.capabilities import Role
from followthrough.accounts.models import Team, TierLevel, User
from followthrough.accounts.services import team_add_member, team_create, user_create
from followthrough.cases.models import (
    Case,
    CaseAgent,
    CaseEvent,
    Commitment,
    Handoff,
    Interaction,
    Note,
    Notification,
    SlaClock,
)
from followthrough.cases.services import (
    case_add_note,
    case_claim,
    case_hand_off,
    case_log_interaction,
    case_open,
    case_set_status,
    commitment_add,
    commitment_keep,
    handoff_accept,
)
from followthrough.cases.states import (
    CaseStatus,
    Channel,
    CommitmentKind,
    CommitmentParty,
    Direction,
    Disposition,
    HandoffKind,
    NoteVisibility,
    Priority,
)
from followthrough.core.models import SearchDocument
from followthrough.customers.models import (
    Asset,
    Contact,
    ContactEmail,
    ContactPhone,
    Organization,
    PlanTier,
    Site,
)
from followthrough.customers.search_index import phone_forms
from followthrough.customers.services import (
    asset_create,
    contact_create,
    organization_create,
    site_create,
)

PASSWORD = "bench-password"  # noqa: S105 - benchmark logins on a throwaway database
TEAMS = [
    ("Tier 1 North", TierLevel.TIER_1),
    ("Tier 1 South", TierLevel.TIER_1),
    ("Tier 1 East", TierLevel.TIER_1),
    ("Tier 1 West", TierLevel.TIER_1),
    ("Tier 2 Network", TierLevel.TIER_2),
    ("Tier 2 Software", TierLevel.TIER_2),
]
AGENTS_PER_TEAM = 25
TEMPLATE_PHONE_BASE = 60_000_000  # template customers' numbers, apart from the clones'

CUSTOMER_MODELS = [Organization, Site, Contact, ContactEmail, ContactPhone, Asset, SearchDocument]
CASE_MODELS = [
    Case,
    CaseAgent,
    Interaction,
    Note,
    Handoff,
    Commitment,
    SlaClock,
    CaseEvent,
    Notification,
    SearchDocument,
]


@dataclass
class World:
    teams: list[Team]
    tier1: list[Team]
    tier2: list[Team]
    members: dict[int, list[int]]  # team id → its agents' ids
    team_of: dict[int, int]  # agent id → primary team id
    names: dict[int, str]  # user id → display name
    agents: list[User] = field(default_factory=list)


def build_world(seed: int) -> World:
    rng = random.Random(seed)  # noqa: S311 - sample data
    teams, members, team_of, names, agents = [], {}, {}, {}, []
    for index, (name, tier) in enumerate(TEAMS):
        lead = user_create(
            username=f"lead{index + 1}",
            password=PASSWORD,
            role=Role.LEAD,
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES),
            direct_line=phone_number(TEMPLATE_PHONE_BASE - 1000 + index),
        )
        team = team_create(actor=None, name=name, tier=tier, lead=lead)
        team_add_member(actor=None, team=team, user=lead, primary=True)
        teams.append(team)
        members[team.pk] = []
        for n in range(AGENTS_PER_TEAM):
            agent = user_create(
                username=f"agent{index + 1}x{n + 1:02d}",
                password=None,
                role=Role.AGENT,
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
            )
            team_add_member(actor=None, team=team, user=agent, primary=True)
            members[team.pk].append(agent.pk)
            team_of[agent.pk] = team.pk
            names[agent.pk] = agent.display_name
            agents.append(agent)
    # One password hash for everyone: hashing it for each of 150 people would take minutes.
    User.objects.filter(pk__in=[a.pk for a in agents]).update(password=make_password(PASSWORD))
    tier1 = [t for t in teams if t.tier == TierLevel.TIER_1]
    tier2 = [t for t in teams if t.tier == TierLevel.TIER_2]
    return World(teams, tier1, tier2, members, team_of, names, agents)


# --- Customers ------------------------------------------------------------------------------


def customer_templates(count: int, seed: int) -> list[Template]:
    """Organisations with 1-8 contacts (an email and a phone each) and 1-3 assets at a site."""
    rng = random.Random(seed)  # noqa: S311
    capture = Capture(CUSTOMER_MODELS)
    templates = []
    start = timezone.now()
    for t in range(count):
        marks = capture.marks()
        contacts = rng.randint(1, 8)
        assets = rng.randint(1, 3)
        placeholders: dict[str, str] = {}
        org = organization_create(actor=None, name="qqorgqq", plan_tier=rng.choice(PlanTier.values))
        site = site_create(
            actor=None, organization=org, name="qqsiteqq", city="qqcityqq", time_zone="UTC"
        )
        for c in range(contacts):
            e164 = phone_number(TEMPLATE_PHONE_BASE + t * 10 + c)
            for form, token in zip(phone_number_forms(e164), ("e", "n", "d"), strict=True):
                placeholders[form] = f"qqc{c}p{token}qq"
            contact_create(
                actor=None,
                organization=org,
                name=f"qqc{c}nameqq",
                emails=[f"qqc{c}mailqq@qqdomainqq.example"],
                phones=[e164],
            )
        for a in range(assets):
            asset_create(
                actor=None,
                organization=org,
                site=site,
                product=f"qqa{a}productqq",
                serial_number=f"qqa{a}serialt{t}qq",
            )
        templates.append(
            capture.rows_since(
                marks,
                start=start,
                users=[],
                placeholders=placeholders,
                attrs={"contacts": contacts, "assets": assets},
            )
        )
    return templates


def phone_number_forms(e164: str) -> tuple[str, str, str]:
    """E.164, national format and bare digits, as the contact's search document holds them."""
    e164_form, rest = phone_forms(e164).split(" ", 1)
    national, digits = rest.rsplit(" ", 1)
    return e164_form, national, digits


# --- Cases ----------------------------------------------------------------------------------


@dataclass
class Cast:
    """Who plays in one template case."""

    team: Team
    first: User
    second: User
    tier2: Team
    specialist: User
    contact: Contact
    asset: Asset


Script = Callable[[Cast, "Clock", int], None]


class Clock:
    """Moves the services' clock forward between the steps of a template case."""

    def __init__(self, traveller: time_machine.Traveller) -> None:
        self.traveller = traveller

    def later(self, *, minutes: float = 0, hours: float = 0, days: float = 0) -> dt.datetime:
        self.traveller.shift(dt.timedelta(minutes=minutes, hours=hours, days=days))
        return timezone.now()

    def ahead(self, hours: float) -> dt.datetime:
        return timezone.now() + dt.timedelta(hours=hours)


def _open(cast: Cast, clock: Clock, *, owner: bool, channel: str = Channel.PHONE) -> Case:
    return case_open(
        actor=cast.first,
        subject="qqsubjectqq",
        description="qqdescriptionqq",
        channel=channel,
        priority=Priority.P3,
        owner=cast.first if owner else None,
        team=cast.team,
        organization=cast.contact.organization,
        contact=cast.contact,
        asset=cast.asset,
        next_step="Call the customer back with the result of the test",
        next_step_due=clock.ahead(4),
    )


def _call(
    cast: Cast,
    clock: Clock,
    case: Case,
    n: int,
    *,
    agent: User | None = None,
    resolve: bool = False,
    disposition: str = Disposition.NEXT_STEP_SET,
) -> None:
    started = clock.later(minutes=3)
    case_log_interaction(
        actor=agent or cast.first,
        case=Case.objects.get(pk=case.pk),
        channel=Channel.PHONE,
        direction=Direction.INBOUND,
        disposition=Disposition.RESOLVED if resolve else disposition,
        note=f"qqcall{n}qq",
        started_at=started - dt.timedelta(minutes=2),
        ended_at=started,
        contact=cast.contact,
        next_step="" if resolve else "Check whether the fix held",
        next_step_due=None if resolve else clock.ahead(24),
        resolve=resolve,
    )


def _note(
    cast: Cast, case: Case, n: int, *, agent: User | None = None, public: bool = False
) -> None:
    case_add_note(
        actor=agent or cast.first,
        case=Case.objects.get(pk=case.pk),
        body=f"qqnote{n}qq",
        visibility=NoteVisibility.PUBLIC if public else NoteVisibility.INTERNAL,
    )


def _extra_notes(cast: Cast, clock: Clock, case: Case, extra: int) -> None:
    for n in range(extra):
        clock.later(minutes=7)
        _note(cast, case, 4 + n, agent=cast.second)


def _close(cast: Cast, clock: Clock, case: Case, *, agent: User | None = None) -> None:
    clock.later(days=3)
    case_set_status(
        actor=agent or cast.first,
        case=Case.objects.get(pk=case.pk),
        status=CaseStatus.CLOSED,
        reason="Closed after three days without a reply",
    )


def quick_fix(cast: Cast, clock: Clock, extra: int) -> None:
    case = _open(cast, clock, owner=True)
    _extra_notes(cast, clock, case, extra)
    _note(cast, case, 1)
    _call(cast, clock, case, 1, resolve=True)
    _close(cast, clock, case)


def callback(cast: Cast, clock: Clock, extra: int) -> None:
    case = _open(cast, clock, owner=True)
    _extra_notes(cast, clock, case, extra)
    _call(cast, clock, case, 1, disposition=Disposition.CALLBACK_PROMISED)
    promise = commitment_add(
        actor=cast.first,
        case=Case.objects.get(pk=case.pk),
        owed_by=CommitmentParty.US,
        kind=CommitmentKind.CALLBACK,
        description="Call back after the overnight test",
        due_at=clock.ahead(20),
        owner=cast.first,
    )
    _note(cast, case, 1)
    clock.later(hours=18)
    commitment_keep(actor=cast.first, commitment=promise)
    _call(cast, clock, case, 2)
    _note(cast, case, 2, public=True)
    clock.later(hours=30)
    _call(cast, clock, case, 3, resolve=True)
    _close(cast, clock, case)


def escalated(cast: Cast, clock: Clock, extra: int) -> None:
    case = _open(cast, clock, owner=True)
    _extra_notes(cast, clock, case, extra)
    _call(cast, clock, case, 1)
    _note(cast, case, 1)
    clock.later(minutes=20)
    handoff = case_hand_off(
        actor=cast.first,
        case=Case.objects.get(pk=case.pk),
        kind=HandoffKind.TIER_ESCALATION,
        summary="Customer's device fails after the basic checks",
        tried="Power cycle, cabling, firmware version",
        promised="A Tier 2 specialist calls back today",
        next_step="Analyse the logs and call the customer",
        next_step_due=clock.ahead(6),
        to_team=cast.tier2,
    )
    clock.later(minutes=25)
    handoff_accept(actor=cast.specialist, handoff=handoff)
    _note(cast, case, 2, agent=cast.specialist)
    clock.later(hours=2)
    _call(cast, clock, case, 2, agent=cast.specialist)
    _note(cast, case, 3, agent=cast.specialist, public=True)
    clock.later(days=1)
    _call(cast, clock, case, 3, agent=cast.specialist, resolve=True)
    _close(cast, clock, case, agent=cast.specialist)


def from_queue(cast: Cast, clock: Clock, extra: int) -> None:
    case = _open(cast, clock, owner=False, channel=Channel.EMAIL)
    _extra_notes(cast, clock, case, extra)
    clock.later(minutes=40)
    case_claim(actor=cast.second, case=Case.objects.get(pk=case.pk))
    _note(cast, case, 1, agent=cast.second)
    _call(cast, clock, case, 1, agent=cast.second)
    clock.later(minutes=5)
    case_set_status(
        actor=cast.second,
        case=Case.objects.get(pk=case.pk),
        status=CaseStatus.PENDING_CUSTOMER,
        reason="Waiting for the customer's logs",
        next_step="Read the customer's logs",
        next_step_due=clock.ahead(48),
    )
    clock.later(hours=26)
    _call(cast, clock, case, 2, agent=cast.second)
    _note(cast, case, 2, agent=cast.second)
    _note(cast, case, 3, agent=cast.second, public=True)
    clock.later(hours=5)
    _call(cast, clock, case, 3, agent=cast.second, resolve=True)
    _close(cast, clock, case, agent=cast.second)


def open_in_queue(cast: Cast, clock: Clock, extra: int) -> None:
    case = _open(cast, clock, owner=False, channel=Channel.EMAIL)
    _extra_notes(cast, clock, case, extra)
    _note(cast, case, 1)
    clock.later(minutes=50)
    # The customer wrote again before anyone took the case: logged by intake, as mail is.
    case_log_interaction(
        actor=None,
        case=Case.objects.get(pk=case.pk),
        channel=Channel.EMAIL,
        direction=Direction.INBOUND,
        disposition=Disposition.INFORMATION_GIVEN,
        note="qqcall1qq",
        started_at=clock.later(minutes=1),
        contact=cast.contact,
        confirm_next_step=True,
    )
    _note(cast, case, 2, agent=cast.second)


def open_owned(cast: Cast, clock: Clock, extra: int) -> None:
    case = _open(cast, clock, owner=True)
    _extra_notes(cast, clock, case, extra)
    _call(cast, clock, case, 1)
    _note(cast, case, 1)
    _note(cast, case, 2, public=True)


def open_waiting(cast: Cast, clock: Clock, extra: int) -> None:
    case = _open(cast, clock, owner=True)
    _extra_notes(cast, clock, case, extra)
    _call(cast, clock, case, 1)
    _note(cast, case, 1)
    case_set_status(
        actor=cast.first,
        case=Case.objects.get(pk=case.pk),
        status=CaseStatus.PENDING_CUSTOMER,
        reason="Waiting for the customer to test",
        next_step="Ask whether the test passed",
        next_step_due=clock.ahead(30),
    )


def open_promised(cast: Cast, clock: Clock, extra: int) -> None:
    case = _open(cast, clock, owner=True)
    _extra_notes(cast, clock, case, extra)
    _call(cast, clock, case, 1, disposition=Disposition.CALLBACK_PROMISED)
    commitment_add(
        actor=cast.first,
        case=Case.objects.get(pk=case.pk),
        owed_by=CommitmentParty.US,
        kind=CommitmentKind.CALLBACK,
        description="Call back with the vendor's answer",
        due_at=clock.ahead(30),
        owner=cast.first,
    )
    _note(cast, case, 1)


CLOSED_SCRIPTS: list[Script] = [quick_fix, callback, escalated, from_queue]
OPEN_SCRIPTS: list[Script] = [open_in_queue, open_owned, open_waiting, open_promised]


def case_templates(
    world: World, *, per_team: int, seed: int
) -> tuple[list[Template], list[Template]]:
    """Closed and open template cases, `per_team` of each kind for every Tier 1 team (a team's
    share of escalations goes to a Tier 2 team)."""
    rng = random.Random(seed)  # noqa: S311
    capture = Capture(CASE_MODELS)
    customers = list(Contact.objects.select_related("organization")[:50])
    closed: list[Template] = []
    opened: list[Template] = []
    users = {u.pk: u for u in world.agents}
    for scripts, into, age in ((CLOSED_SCRIPTS, closed, 40), (OPEN_SCRIPTS, opened, 3)):
        for team in world.tier1:
            for n in range(per_team):
                script = scripts[n % len(scripts)]
                first, second = (users[i] for i in rng.sample(world.members[team.pk], 2))
                tier2 = rng.choice(world.tier2)
                specialist = users[rng.choice(world.members[tier2.pk])]
                contact = rng.choice(customers)
                asset = Asset.objects.filter(organization=contact.organization).first()
                if asset is None:
                    raise RuntimeError("Every template customer has an asset.")
                cast = Cast(team, first, second, tier2, specialist, contact, asset)
                start = timezone.now() - dt.timedelta(days=age, hours=rng.uniform(0, 8))
                marks = capture.marks()
                with time_machine.travel(start, tick=False) as traveller:
                    script(cast, Clock(traveller), rng.randint(0, 2))
                people = [first.pk, second.pk, specialist.pk]
                placeholders = _people_placeholders(people, users)
                template = capture.rows_since(
                    marks,
                    start=start,
                    users=people,
                    placeholders=placeholders,
                    attrs={
                        "team": team.pk,
                        "tier2": tier2.pk,
                        "contact": contact.pk,
                        "organization": contact.organization_id,
                        "asset": asset.pk,
                        "contact_name": contact.name,
                    },
                )
                _tokenise_case_numbers(template)
                into.append(template)
    return closed, opened


def _people_placeholders(people: list[int], users: dict[int, User]) -> dict[str, str]:
    placeholders = {}
    for pk in people:
        placeholders[f'"id": {pk}, "name"'] = f'"id": qqu{pk}idqq, "name"'
        placeholders[users[pk].display_name] = f"qqu{pk}nameqq"
    return placeholders


def _tokenise_case_numbers(template: Template) -> None:
    """The case's own number (in search titles and events) becomes a placeholder too."""
    from django.conf import settings

    case_table = next(t for t in template.tables if t.name == "cases_case")
    number = f"{settings.CASE_NUMBER_PREFIX}-{case_table.rows[0][0]}"
    for table in template.tables:
        for row in table.rows:
            for i, value in enumerate(row):
                if isinstance(value, str) and number in value:
                    row[i] = value.replace(number, "qqnumberqq")
