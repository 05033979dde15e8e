"""The demo desk's people, teams and customers: plain data the loader turns into records."""

from __future__ import annotations

from dataclasses import dataclass

from followthrough.accounts.capabilities import Role
from followthrough.accounts.models import TierLevel
from followthrough.customers.models import PlanTier

PASSWORD = "followthrough-demo"  # noqa: S105 - printed to newcomers on purpose; demo only
TIER_1, TIER_2, FIELD, DISPATCH = (
    "Tier 1 Helpdesk",
    "Tier 2 Network",
    "Field Technicians",
    "Dispatch",
)

# name, tier, direct line, email, the time zone its people work in
TEAMS: list[tuple[str, TierLevel, str, str, str]] = [
    (TIER_1, TierLevel.TIER_1, "+1 415 555 0100", "helpdesk@desk.example", "America/Los_Angeles"),
    (TIER_2, TierLevel.TIER_2, "+1 415 555 0120", "network@desk.example", "America/Los_Angeles"),
    (FIELD, TierLevel.FIELD, "+1 612 555 0140", "field@desk.example", "America/Chicago"),
    (DISPATCH, TierLevel.DISPATCH, "+1 612 555 0150", "dispatch@desk.example", "America/Chicago"),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    first_name: str
    last_name: str
    role: Role
    team: str = ""
    direct_line: str = ""
    leads: bool = False


LOGINS: list[DemoLogin] = [
    DemoLogin("admin", "Alex", "Morgan", Role.ADMIN),
    DemoLogin("lena", "Lena", "Fischer", Role.LEAD, TIER_1, "+1 415 555 0111", leads=True),
    DemoLogin("adam", "Adam", "Novak", Role.AGENT, TIER_1, "+1 415 555 0112"),
    DemoLogin("samir", "Samir", "Haddad", Role.AGENT, TIER_1, "+1 415 555 0113"),
    DemoLogin("priya", "Priya", "Raman", Role.AGENT, TIER_1, "+1 415 555 0114"),
    DemoLogin("tomas", "Tomas", "Berg", Role.LEAD, TIER_2, "+1 415 555 0121", leads=True),
    DemoLogin("cora", "Cora", "Mendes", Role.AGENT, TIER_2, "+1 415 555 0122"),
    DemoLogin("devon", "Devon", "Okafor", Role.AGENT, TIER_2, "+1 415 555 0123"),
    DemoLogin("fatima", "Fatima", "Khan", Role.LEAD, FIELD, "+1 612 555 0141", leads=True),
    DemoLogin("jonas", "Jonas", "Weber", Role.TECHNICIAN, FIELD, "+1 612 555 0142"),
    DemoLogin("mike", "Mike", "Sullivan", Role.TECHNICIAN, FIELD, "+1 612 555 0143"),
    DemoLogin("diego", "Diego", "Alvarez", Role.LEAD, DISPATCH, "+1 612 555 0151", leads=True),
    DemoLogin("nina", "Nina", "Petrova", Role.DISPATCHER, DISPATCH, "+1 612 555 0152"),
    DemoLogin("omar", "Omar", "Farouk", Role.DISPATCHER, DISPATCH, "+1 612 555 0153"),
    DemoLogin("helen", "Helen", "Park", Role.CUSTOMER),
]
# Portal logins, by the contact they sign in as: they see only their organisation's cases.
PORTAL_LOGINS = {"Helen Park": "helen"}


@dataclass(frozen=True)
class DemoCustomer:
    name: str
    plan: PlanTier
    contacts: tuple[tuple[str, str, str], ...]  # name, email, phone as a person would type it
    site: tuple[str, str, str, str, str, str]  # name, street, city, postcode, region, time zone
    country: str = "US"
    assets: tuple[tuple[str, str, int], ...] = ()  # product, serial, days of warranty left


MODEM = "FiberLink FX-200 modem"
SWITCH = "EdgeSwitch 48"
LAKESIDE = ("Lakeside", "55379", "Lakeside North", "America/Chicago")

CUSTOMERS: list[DemoCustomer] = [
    DemoCustomer(
        "Bluebird Dental Clinic",
        PlanTier.STANDARD,
        (
            ("Helen Park", "helen.park@bluebirddental.example", "+1 415 555 0134"),
            ("Marcus Reed", "Marcus.Reed@BluebirdDental.example", "(415) 555-0135"),
        ),
        (
            "Mission St practice",
            "2140 Mission St",
            "San Francisco",
            "94110",
            "Bay Area",
            "America/Los_Angeles",
        ),
        assets=(("ShieldGuard Endpoint", "SGE-44817-BD", 300),),
    ),
    DemoCustomer(
        "Mara Jensen",
        PlanTier.STANDARD,
        (("Mara Jensen", "mara.jensen@mailbox.example", "+1 612 555 0161"),),
        ("Jensen home", "12 Birch Lane", *LAKESIDE),
        assets=((MODEM, "FX200-7731045", 420),),
    ),
    DemoCustomer(
        "Tom Okoro",
        PlanTier.FREE,
        (("Tom Okoro", "tom.okoro@mailbox.example", "612-555-0162"),),
        ("Okoro home", "48 Shoreline Dr", *LAKESIDE),
        assets=((MODEM, "FX200-7731188", 610),),
    ),
    DemoCustomer(
        "Grace Lindqvist",
        PlanTier.STANDARD,
        (("Grace Lindqvist", "grace@lindqvist.example", "(612) 555-0163"),),
        ("Lindqvist home", "7 Heron Ct", *LAKESIDE),
        assets=((MODEM, "FX200-7730922", 95),),
    ),
    DemoCustomer(
        "Lakeside Veterinary Group",
        PlanTier.STANDARD,
        (
            ("Dr. Amelia Hart", "amelia.hart@lakesidevets.example", "+1 612 555 0170"),
            ("Ben Carter", "frontdesk@lakesidevets.example", "+1 612 555 0171"),
        ),
        ("Lakeside clinic", "300 Main St", *LAKESIDE),
        assets=((MODEM, "FX200-7729410", 240),),
    ),
    DemoCustomer(
        "Northwind Logistics",
        PlanTier.ENTERPRISE,
        (
            ("Daniel Brooks", "daniel.brooks@northwind.example", "+1 503 555 0180"),
            ("Aisha Mensah", "aisha.mensah@northwind.example", "+1 503 555 0181"),
        ),
        (
            "Redmond depot",
            "18800 NE 76th St",
            "Redmond",
            "98052",
            "Puget Sound",
            "America/Los_Angeles",
        ),
        assets=((SWITCH, "ES48-2219-0457", 120), (SWITCH, "ES48-2219-0458", 120)),
    ),
    DemoCustomer(
        "Cedar Valley School District",
        PlanTier.FREE,
        (("Jordan Ellis", "jordan.ellis@cedarvalley.example", "+1 720 555 0190"),),
        (
            "District office",
            "1 School Rd",
            "Cedar Valley",
            "80401",
            "Front Range",
            "America/Denver",
        ),
    ),
    DemoCustomer(
        "Rosa Delgado",
        PlanTier.STANDARD,
        (("Rosa Delgado", "rosa.delgado@mailbox.example", "+1 415 555 0187"),),
        (
            "Delgado home",
            "55 Alvarado St",
            "San Francisco",
            "94114",
            "Bay Area",
            "America/Los_Angeles",
        ),
    ),
    DemoCustomer(
        "Marlow & Finch Architects",
        PlanTier.PREMIUM,
        (
            ("Oliver Finch", "oliver.finch@marlowfinch.example", "+44 20 7946 0958"),
            ("Sophie Marlow", "sophie.marlow@marlowfinch.example", "+44 20 7946 0321"),
        ),
        ("London studio", "14 Clerkenwell Green", "London", "EC1R 0DP", "London", "Europe/London"),
        country="GB",
        assets=(("AirPoint AP-360 access point", "AP360-55102", 700),),
    ),
]
