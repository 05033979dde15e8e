"""The demo loader: a small support floor replaying the five stories of DESIGN.md §1.

Everything is created through the services, in one transaction, so the demo obeys the same
rules as a real desk. It loads only into an empty desk and always prints the demo logins.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from followthrough.accounts.capabilities import Role
from followthrough.accounts.models import Team, User
from followthrough.accounts.services import team_add_member, team_create, user_create
from followthrough.cases.demo.data import (
    CUSTOMERS,
    LOGINS,
    PASSWORD,
    PORTAL_LOGINS,
    TEAMS,
    TIER_1,
    TIER_2,
)
from followthrough.cases.demo.referrals import story_referral
from followthrough.cases.models import Case
from followthrough.cases.services import (
    case_claim,
    case_hand_off,
    case_link,
    case_log_interaction,
    case_open,
    case_set_status,
    commitment_add,
    decision_record,
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
    LinkKind,
    Priority,
)
from followthrough.customers.models import Asset, Contact, Organization
from followthrough.customers.services import (
    asset_create,
    contact_create,
    organization_create,
    site_create,
)
from followthrough.knowledge.demo import KnowledgeDemo


def desk_is_empty() -> bool:
    return not (User.objects.exists() or Organization.objects.exists() or Case.objects.exists())


def login_table() -> str:
    """The demo logins present on this desk, as a table people can read."""
    present = set(
        User.objects.filter(username__in=[x.username for x in LOGINS]).values_list(
            "username", flat=True
        )
    )
    rows = [
        (x.username, PASSWORD, Role(x.role).label, x.team or "-")
        for x in LOGINS
        if x.username in present
    ]
    if not rows:
        return "No demo logins on this desk.\n"
    header = ("Username", "Password", "Role", "Team")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, tuple("-" * w for w in widths), *rows]
    ]
    return (
        f"\nDemo logins (every demo user's password is {PASSWORD}; "
        "sign in to /admin/ as admin):\n\n" + "\n".join(lines) + "\n"
    )


def ago(*, days: float = 0, hours: float = 0, minutes: float = 0) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days, hours=hours, minutes=minutes)


def ahead(hours: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=hours)


class DemoLoader:
    """Builds the demo floor; each story method replays one story of DESIGN.md §1."""

    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.teams: dict[str, Team] = {}
        self.organizations: dict[str, Organization] = {}
        self.contacts: dict[str, Contact] = {}
        self.assets: dict[str, Asset] = {}
        self.cases: list[Case] = []

    @property
    def contact_count(self) -> int:
        return len(self.contacts)

    def load(self) -> None:
        self.people()
        self.customers()
        self.story_referral()
        self.story_repair_visit()
        self.story_advance_replacement()
        self.story_error_reports()
        self.story_cancellation_held()
        self.everyday_work()

    # --- people, teams and customers -------------------------------------------------------

    def people(self) -> None:
        zones = {name: tz for name, _, _, _, tz in TEAMS}
        for x in LOGINS:
            staff = x.role in (Role.ADMIN, Role.LEAD)
            self.users[x.username] = user_create(
                username=x.username,
                password=PASSWORD,
                role=x.role,
                first_name=x.first_name,
                last_name=x.last_name,
                email=f"{x.username}@desk.example",
                direct_line=x.direct_line,
                time_zone=zones.get(x.team, "UTC"),
                is_staff=staff,
                is_superuser=x.role == Role.ADMIN,
            )
        leads = {x.team: self.users[x.username] for x in LOGINS if x.leads}
        for name, tier, line, email, _ in TEAMS:
            team = team_create(
                actor=None, name=name, tier=tier, lead=leads[name], direct_line=line, email=email
            )
            self.teams[name] = team
            for x in LOGINS:
                if x.team == name:
                    team_add_member(
                        actor=None, team=team, user=self.users[x.username], primary=True
                    )

    def customers(self) -> None:
        today = timezone.localdate()
        for spec in CUSTOMERS:
            org = organization_create(actor=None, name=spec.name, plan_tier=spec.plan)
            self.organizations[spec.name] = org
            site_name, street, city, postcode, region, tz = spec.site
            site = site_create(
                actor=None,
                organization=org,
                name=site_name,
                address=street,
                city=city,
                postcode=postcode,
                country=spec.country,
                region=region,
                time_zone=tz,
            )
            for name, email, phone in spec.contacts:
                login = PORTAL_LOGINS.get(name)
                self.contacts[name] = contact_create(
                    actor=None,
                    organization=org,
                    name=name,
                    emails=[email],
                    phones=[phone],
                    time_zone=tz,
                    user=self.users[login] if login else None,
                )
            for product, serial, days_left in spec.assets:
                self.assets[serial] = asset_create(
                    actor=None,
                    organization=org,
                    product=product,
                    serial_number=serial,
                    site=site,
                    warranty_end=today + dt.timedelta(days=days_left),
                )

    # --- helpers ---------------------------------------------------------------------------

    def open(self, *, actor: str | None, team: str, owned: bool = True, **kw: Any) -> Case:
        """Open a case; owned by `actor` unless `owned` is false (then it waits in the queue)."""
        user = self.users[actor] if actor else None
        case = case_open(actor=user, owner=user if owned else None, team=self.teams[team], **kw)
        self.cases.append(case)
        return case

    def log(
        self,
        case: Case,
        agent: str,
        started: dt.datetime,
        minutes: int,
        disposition: Disposition,
        note: str,
        *,
        channel: Channel = Channel.PHONE,
        direction: Direction = Direction.INBOUND,
        next_step: str = "",
        due: dt.datetime | None = None,
        confirm: bool = False,
        resolve: bool = False,
    ) -> None:
        case_log_interaction(
            actor=self.users[agent],
            case=case,
            channel=channel,
            direction=direction,
            disposition=disposition,
            note=note,
            started_at=started,
            ended_at=started + dt.timedelta(minutes=minutes),
            next_step=next_step,
            next_step_due=due,
            confirm_next_step=confirm,
            resolve=resolve,
        )

    # --- the five stories ------------------------------------------------------------------

    def story_referral(self) -> None:
        """1. A competitor's remnants block the install; a referral becomes a kept promise, and
        the knowledge base's incompatible-products table solves it (cases/demo/referrals.py)."""
        self.knowledge = KnowledgeDemo(self.users)
        self.knowledge.load()
        story_referral(self, self.knowledge)

    def story_repair_visit(self) -> None:
        """2. A line repair visit negotiated slot by slot; storm calls from the same area."""
        local = ZoneInfo("America/Chicago")
        case = self.open(
            actor="priya",
            team=TIER_1,
            subject="No internet: modem shows loss of signal, repair visit needed",
            channel=Channel.PHONE,
            priority=Priority.P2,
            category="Line fault",
            contact=self.contacts["Mara Jensen"],
            asset=self.assets["FX200-7731045"],
            next_step="Troubleshoot the line with Mara",
            next_step_due=ahead(1),
        )
        first = ago(days=2, hours=6)
        self.log(
            case,
            "priya",
            first,
            32,
            Disposition.NEXT_STEP_SET,
            "The FX-200's LOS light is red. Rebooted the modem and checked the patch cable and "
            "the wall socket with Mara; our line test fails between the street cabinet and the "
            "house. Needs a technician.",
            next_step="Book a repair visit with Mara",
            due=ahead(2),
        )
        offered = first.astimezone(local).date()
        slots = ", ".join(
            f"{offered + dt.timedelta(days=d):%a %d %b} {w}"
            for d in range(1, 5)
            for w in ("08:00-12:00", "13:00-17:00")
        )
        self.log(
            case,
            "nina",
            first + dt.timedelta(hours=1),
            12,
            Disposition.CUSTOMER_DECLINED,
            f"Today's technicians are fully booked. Offered {slots} (Mara's time, "
            "America/Chicago). Mara declined every slot: she is at work on those days and will "
            "not let a neighbour open the door for the technician.",
            direction=Direction.OUTBOUND,
            next_step="Call Mara with the next free windows",
            due=ahead(3),
        )
        day = offered + dt.timedelta(days=5)
        window_end = dt.datetime.combine(day, dt.time(12, 0), tzinfo=local)
        self.log(
            case,
            "nina",
            ago(hours=20),
            7,
            Disposition.TECHNICIAN_BOOKED,
            f"Mara accepted {day:%A %d %B} 08:00-12:00. She asked why it could not be sooner; "
            "reminded her of the earlier windows she declined. Technician: Jonas Weber.",
            direction=Direction.OUTBOUND,
            next_step="Technician visit: repair the line at 12 Birch Lane",
            due=window_end,
        )
        commitment_add(
            actor=self.users["nina"],
            case=case,
            owed_by=CommitmentParty.US,
            kind=CommitmentKind.VISIT,
            description=f"Technician visit {day:%a %d %b} 08:00-12:00 (America/Chicago) to "
            "repair the line at 12 Birch Lane",
            due_at=window_end,
            owner=self.users["jonas"],
        )
        case_set_status(
            actor=self.users["nina"],
            case=case,
            status=CaseStatus.SCHEDULED,
            reason="Repair visit booked with Mara.",
        )
        self.storm_calls(case)

    def storm_calls(self, repair: Case) -> None:
        """Calls from Lakeside North within a few hours: linked, so they read as one outage."""
        outage = "Lakeside North"
        calls = [
            ("adam", "Tom Okoro", "FX200-7731188", ago(hours=5), "Tom"),
            ("samir", "Grace Lindqvist", "FX200-7730922", ago(hours=4, minutes=20), "Grace"),
        ]
        related = []
        for agent, name, serial, started, first_name in calls:
            case = self.open(
                actor=agent,
                team=TIER_1,
                subject=f"No internet since last night's storm ({outage})",
                channel=Channel.PHONE,
                priority=Priority.P2,
                category="Line fault",
                contact=self.contacts[name],
                asset=self.assets[serial],
                next_step="Check the line",
                next_step_due=ahead(1),
            )
            self.log(
                case,
                agent,
                started,
                9,
                Disposition.NEXT_STEP_SET,
                f"{first_name}'s modem has shown loss of signal since the storm around 21:00 "
                f"last night. Other {outage} callers report the same.",
                next_step=f"Call {first_name} back once the {outage} cabinet has been checked",
                due=ahead(4),
            )
            related.append(case)
        related.append(
            self.open(
                actor=None,
                team=TIER_1,
                owned=False,
                subject="Internet down at the clinic since this morning",
                description="Sent from the portal: our internet has been down since 7am, we "
                "cannot reach the appointment system. Please call the front desk.",
                channel=Channel.PORTAL,
                priority=Priority.P2,
                contact=self.contacts["Ben Carter"],
                asset=self.assets["FX200-7729410"],
                next_step="Call the front desk: is this the Lakeside North outage?",
                next_step_due=ahead(2),
            )
        )
        for case in related:
            case_link(actor=self.users["lena"], case=repair, other=case, kind=LinkKind.RELATED)

    def story_advance_replacement(self) -> None:
        """3. Three contacts, three agents, then a recorded exception nobody could approve."""
        case = self.open(
            actor="adam",
            team=TIER_1,
            subject="EdgeSwitch 48 at the Redmond depot drops all ports several times a day",
            channel=Channel.PHONE,
            priority=Priority.P2,
            category="Network hardware",
            contact=self.contacts["Daniel Brooks"],
            asset=self.assets["ES48-2219-0457"],
            next_step="Troubleshoot the switch with Daniel",
            next_step_due=ahead(1),
        )
        self.log(
            case,
            "adam",
            ago(days=3, hours=2),
            26,
            Disposition.NEXT_STEP_SET,
            "Daniel is sure the switch is faulty and wants a replacement. All 48 ports drop "
            "together 3-4 times a day and come back after about 40 seconds. He is 2.5 hours' "
            "drive from the depot and has no remote access. Went through power and uplink "
            "checks by phone; asked for the switch's log bundle from someone on site. "
            "Explained that hardware is replaced after troubleshooting.",
            next_step="Read the switch's log bundle when Daniel sends it",
            due=ahead(6),
        )
        self.log(
            case,
            "priya",
            ago(days=2, hours=1),
            5,
            Disposition.INFORMATION_GIVEN,
            "Customer wants a replacement. Told him troubleshooting first.",
            confirm=True,
        )
        handoff = case_hand_off(
            actor=self.users["adam"],
            case=case,
            kind=HandoffKind.TIER_ESCALATION,
            to_team=self.teams[TIER_2],
            summary="Depot switch drops every port several times a day; Daniel has called "
            "twice and asks for a replacement.",
            tried="Power and uplink checks by phone. Log bundle requested but nobody at the "
            "depot can collect it.",
            promised="Nothing yet: Daniel was told hardware is replaced after troubleshooting.",
            next_step="Tier 2 to call Daniel and decide between remote diagnosis and a swap",
            next_step_due=ahead(5),
        )
        handoff_accept(actor=self.users["cora"], handoff=handoff)
        self.log(
            case,
            "cora",
            ago(days=1, hours=4),
            31,
            Disposition.REPLACEMENT_SHIPPED,
            "Third contact, third agent. Every port dropping at once and recovering after ~40 s "
            "points at the power supply; without remote access the log bundle costs Daniel a "
            "day's drive. Shipped an advance replacement overnight; Daniel returns the old "
            "unit with the prepaid label in the box.",
            next_step="Confirm the replacement is in and the ports stay up",
            due=ahead(26),
        )
        decision_record(
            actor=self.users["cora"],
            case=case,
            policy="Hardware is replaced only after troubleshooting is complete",
            decision="Advance replacement before troubleshooting is complete",
            rationale="Third contact in three days; the customer is 2.5 hours from the switch "
            "with no remote access; the symptoms point at the power supply. Waiting for logs "
            "would keep the depot offline for days.",
            no_approver_reason="Lead Tomas Berg on leave until today, Lena Fischer in "
            "training; tried both at 14:05",
        )
        commitment_add(
            actor=self.users["cora"],
            case=case,
            owed_by=CommitmentParty.CUSTOMER,
            kind=CommitmentKind.PART_RETURN,
            description="Daniel returns the faulty EdgeSwitch 48 (serial ES48-2219-0457)",
            due_at=ahead(14 * 24),
            owner=self.users["cora"],
        )

    def story_error_reports(self) -> None:
        """4. In-product error reports land in the Tier 2 queue with a case number."""
        self.open(
            actor=None,
            team=TIER_2,
            owned=False,
            subject="Error report: SyncBridge 4.2 - E1042 'roster sync failed' on export",
            description="Sent from SyncBridge 4.2.1 on Windows 11 (build 22631).\n"
            "E1042 roster sync failed: remote closed the connection after 30 s.\n"
            "User comment: happens every night since the update, the morning rosters are empty.",
            channel=Channel.ERROR_REPORT,
            category="Error report",
            contact=self.contacts["Jordan Ellis"],
            next_step="Triage the report and reply to Jordan",
            next_step_due=ahead(8),
        )
        case = self.open(
            actor=None,
            team=TIER_2,
            owned=False,
            subject="Error report: SyncBridge 4.2 - E2210 'certificate chain incomplete'",
            description="Sent from SyncBridge 4.2.1 on macOS 14.5.\n"
            "E2210 certificate chain incomplete (issuer: Marlow-Finch-Proxy-CA).\n"
            "User comment: cannot connect from the studio since Monday, fine from home.",
            channel=Channel.ERROR_REPORT,
            category="Error report",
            contact=self.contacts["Oliver Finch"],
            next_step="Triage the report and reply to Oliver",
            next_step_due=ahead(8),
        )
        case_claim(actor=self.users["tomas"], case=case)
        self.log(
            case,
            "tomas",
            ago(minutes=40),
            10,
            Disposition.INFORMATION_GIVEN,
            "Replied to Oliver: the studio's proxy re-signs TLS with its own CA, which "
            "SyncBridge does not trust. I own the case; gave him my direct line. Asked for the "
            "proxy CA certificate.",
            channel=Channel.EMAIL,
            direction=Direction.OUTBOUND,
            next_step="Check the proxy CA certificate Oliver sends",
            due=ahead(24),
        )

    def story_cancellation_held(self) -> None:
        """5. A completed installation read as 'not completed': the cancellation is held."""
        case = self.open(
            actor="samir",
            team=TIER_1,
            subject="Installation completed but the order was cancelled; phone number at risk",
            channel=Channel.PHONE,
            priority=Priority.P1,
            category="Orders",
            contact=self.contacts["Rosa Delgado"],
            next_step="Stop the cancellation",
            next_step_due=ahead(1),
        )
        self.log(
            case,
            "samir",
            ago(days=1, hours=2),
            22,
            Disposition.NEXT_STEP_SET,
            "Rosa's installation was completed two days ago: service works and she signed the "
            "technician's sheet. The technician's remarks about the visit were read as 'not "
            "completed', the order was cancelled, and that cancelled the whole account. Her "
            "number +1 415 555 0187 is due to be released.",
            next_step="Get the account reinstated with the same number",
            due=ahead(20),
        )
        decision_record(
            actor=self.users["samir"],
            case=case,
            policy="A cancelled account releases its phone numbers after 24 hours",
            decision="Cancellation held: +1 415 555 0187 stays reserved for Rosa Delgado while "
            "the account is reinstated",
            rationale="The installation was completed; the cancellation came from the "
            "technician's remarks, not a completion code. A released number cannot be "
            "taken back.",
            approved_by=self.users["lena"],
        )
        commitment_add(
            actor=self.users["samir"],
            case=case,
            owed_by=CommitmentParty.US,
            kind=CommitmentKind.FOLLOW_UP,
            description="Restore +1 415 555 0187 on Rosa's reinstated account and call her "
            "to confirm it rings",
            due_at=ahead(48),
            owner=self.users["samir"],
        )

    def everyday_work(self) -> None:
        """Unowned cases waiting in the Tier 1 queue, and a handoff nobody has accepted yet."""
        waiting = [
            (
                "Add a second workstation to the ShieldGuard licence",
                Channel.EMAIL,
                "Marcus Reed",
                "Reply to Marcus with the licence options",
            ),
            (
                "Teachers locked out after the password change",
                Channel.PORTAL,
                "Jordan Ellis",
                "Call Jordan: which accounts are locked?",
            ),
            (
                "Second depot switch: fan noise after the firmware update",
                Channel.EMAIL,
                "Aisha Mensah",
                "Ask Aisha for the firmware version and a recording",
            ),
        ]
        for hours, (subject, channel, name, step) in enumerate(waiting, start=3):
            self.open(
                actor=None,
                team=TIER_1,
                owned=False,
                subject=subject,
                channel=channel,
                contact=self.contacts[name],
                next_step=step,
                next_step_due=ahead(hours),
            )
        case = self.open(
            actor="priya",
            team=TIER_1,
            subject="Wi-Fi drops every afternoon in the London studio",
            channel=Channel.PHONE,
            contact=self.contacts["Oliver Finch"],
            asset=self.assets["AP360-55102"],
            next_step="Check the access point's channel and load",
            next_step_due=ahead(1),
        )
        self.log(
            case,
            "priya",
            ago(hours=3),
            18,
            Disposition.ESCALATED,
            "Clients drop off the AP-360 between 14:00 and 16:00 most days. Rebooted the AP and "
            "moved it from channel 6 to 11; no change. Needs someone who can read its RF logs.",
            next_step="Tier 2 to read the AP's RF logs",
            due=ahead(6),
        )
        case_hand_off(
            actor=self.users["priya"],
            case=case,
            kind=HandoffKind.TIER_ESCALATION,
            to_team=self.teams[TIER_2],
            summary="AP-360 in the London studio drops clients every afternoon.",
            tried="Reboot; channel 6 to 11. No change.",
            promised="A call back from Tier 2 today.",
            next_step="Read the AP's RF logs and call Oliver",
            next_step_due=ahead(6),
        )
