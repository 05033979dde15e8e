"""The demo desk's knowledge base: the vendors and articles the five stories of DESIGN.md §1
need, as plain data that the loader turns into records through the services."""

from __future__ import annotations

from dataclasses import dataclass, field

from followthrough.knowledge.models import ArticleVisibility, ColumnType


@dataclass(frozen=True)
class DemoVendor:
    name: str
    phone: str
    url: str
    email: str
    hours: str
    time_zone: str
    products: tuple[str, ...]
    notes: str = ""


VIREO = "Vireo Software"
BRAND_X = "Brand X Security"
LUMEN = "Lumen Antivirus Inc."
FIBERLINK = "FiberLink Networks"
EDGE = "EdgeWorks"

VENDORS: list[DemoVendor] = [
    DemoVendor(
        VIREO,
        "+1 206 555 0199",
        "https://support.vireo.example/contact",
        "support@vireo.example",
        "Mon-Fri 09:00-17:00",
        "America/Los_Angeles",
        ("Vireo AV", "Vireo Internet Security"),
        "Phone queue is often long; their web form answers within two business days.",
    ),
    DemoVendor(
        BRAND_X,
        "+44 20 7946 0400",
        "https://help.brandx.example",
        "care@brandx.example",
        "Mon-Fri 08:00-18:00",
        "Europe/London",
        ("Brand X Total Security", "Brand X Antivirus"),
    ),
    DemoVendor(
        LUMEN,
        "+1 312 555 0144",
        "https://lumen-av.example/support",
        "",
        "Every day 07:00-22:00",
        "America/Chicago",
        ("Lumen Antivirus",),
    ),
    DemoVendor(
        FIBERLINK,
        "+1 800 555 0177",
        "https://fiberlink.example/support",
        "partners@fiberlink.example",
        "Mon-Sat 07:00-19:00",
        "America/Chicago",
        ("FiberLink FX-200 modem",),
        "Partner line: quote our reseller number 4471 to skip the consumer queue.",
    ),
    DemoVendor(
        EDGE,
        "+1 408 555 0133",
        "https://edgeworks.example/rma",
        "rma@edgeworks.example",
        "Mon-Fri 06:00-18:00",
        "America/Los_Angeles",
        ("EdgeSwitch 48",),
        "Advance replacements ship the same day when requested before 14:00 Pacific.",
    ),
]


@dataclass(frozen=True)
class DemoTable:
    name: str
    columns: tuple[tuple[str, ColumnType], ...]
    rows: tuple[tuple[object, ...], ...]


@dataclass(frozen=True)
class DemoArticle:
    key: str
    title: str
    category: str
    visibility: ArticleVisibility
    owner: str
    body: str
    tags: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    # Days from today to the review date; negative is overdue.
    review_in_days: int = 180
    publish: bool = True
    tables: tuple[DemoTable, ...] = field(default_factory=tuple)


INCOMPATIBLE = DemoTable(
    "Incompatible products",
    (
        ("Product", ColumnType.TEXT),
        ("Vendor", ColumnType.VENDOR),
        ("How to remove", ColumnType.TEXT),
        ("Removal tool", ColumnType.URL),
        ("Notes", ColumnType.TEXT),
    ),
    (
        (
            "Vireo AV",
            VIREO,
            "Uninstall from Apps & features, then run the Vireo removal tool as administrator "
            "and reboot. The uninstaller alone leaves the VireoGuard service registered.",
            "https://support.vireo.example/downloads/vireo-removal-tool",
            "Symptom: ShieldGuard setup says 'another security product found' although no "
            "antivirus is listed.",
        ),
        (
            "Brand X Total Security",
            BRAND_X,
            "Uninstall Brand X from Apps & features, reboot into safe mode, run the Brand X "
            "uninstall utility, reboot.",
            "https://help.brandx.example/tools/bx-uninstall-utility",
            "Ask the customer for the Brand X licence e-mail first: the utility asks for it.",
        ),
        (
            "Lumen Antivirus",
            LUMEN,
            "Turn off tamper protection in Lumen settings, then uninstall and run the Lumen "
            "cleaner.",
            "https://lumen-av.example/support/cleaner",
            "Versions before 12.4 must be upgraded before the cleaner can run.",
        ),
    ),
)

ARTICLES: list[DemoArticle] = [
    DemoArticle(
        "incompatible",
        "Products incompatible with ShieldGuard Endpoint",
        "Antivirus",
        ArticleVisibility.INTERNAL,
        "lena",
        "ShieldGuard Endpoint refuses to install next to another security product, and also "
        "when **remnants** of one are left behind (a service or driver that the vendor's "
        "uninstaller did not remove).\n\n"
        "## What the customer sees\n\n"
        "Setup stops with *'another security product found'*, even though Control Panel lists "
        "no other antivirus.\n\n"
        "## What to do\n\n"
        "1. Find the product in the table below (ask which antivirus the PC had before).\n"
        "2. Walk the customer through the removal tool **yourself**, on this call. Do not just "
        "refer them to the vendor: if you must refer, record it as a referral with a follow-up "
        "so someone calls them back.\n"
        "3. Reboot, install ShieldGuard Endpoint, and stay on the line until the first scan "
        "finishes.\n\n"
        "Vendor contact details are in the [vendor directory](/kb/vendors/).",
        tags=("install", "remnants", "removal tool"),
        products=("ShieldGuard Endpoint", "Vireo AV", "Brand X Total Security"),
        tables=(INCOMPATIBLE,),
    ),
    DemoArticle(
        "install-guide",
        "Installing ShieldGuard Endpoint on Windows",
        "Antivirus",
        ArticleVisibility.PUBLIC,
        "lena",
        "1. Download the installer from your ShieldGuard account page.\n"
        "2. Remove any other antivirus first (see *Products incompatible with ShieldGuard "
        "Endpoint*, or call us and we will do it with you).\n"
        "3. Run the installer as administrator and restart when asked.\n\n"
        "If setup says *another security product found*, call support: we will find and "
        "remove what is left of the old product with you.",
        tags=("install",),
        products=("ShieldGuard Endpoint",),
    ),
    DemoArticle(
        "los",
        "FiberLink FX-200: red LOS light (loss of signal)",
        "Line fault",
        ArticleVisibility.INTERNAL,
        "tomas",
        "A red **LOS** light means the modem receives no light from the fibre.\n\n"
        "1. Check the fibre patch cable is clicked in at both ends and not bent sharply.\n"
        "2. Reboot the modem (power off for 30 seconds).\n"
        "3. Run the line test from the provisioning console. A failure between the street "
        "cabinet and the house needs a technician: book a repair visit.\n\n"
        "When several customers in one area report LOS within an hour, it is an outage (cut "
        "line or storm damage): link their cases to one case instead of booking visits.",
        tags=("outage", "repair visit"),
        products=("FiberLink FX-200 modem",),
    ),
    DemoArticle(
        "booking",
        "Booking a repair visit the customer can make",
        "Field service",
        ArticleVisibility.INTERNAL,
        "fatima",
        "Offer the next free windows in the **customer's** time zone, not ours. If none suits, "
        "ask who else can open the door (a neighbour, a family member) and record their name "
        "and phone on the case. Record every slot offered and refused in the call note, so the "
        "next agent does not start over.",
        tags=("repair visit", "scheduling"),
        products=("FiberLink FX-200 modem",),
        review_in_days=-20,
    ),
    DemoArticle(
        "advance",
        "EdgeSwitch 48: advance replacement before troubleshooting is finished",
        "Hardware replacement",
        ArticleVisibility.INTERNAL,
        "tomas",
        "Policy: we replace hardware after remote troubleshooting. An **advance replacement** "
        "before that is an exception an agent may make when:\n\n"
        "- the customer cannot reach the device or has no remote access, and\n"
        "- the site is down or badly degraded.\n\n"
        "Record it as a decision with the reason; when no lead can be reached, record that "
        "too. The return of the old unit is a promise with a due date (14 days).",
        tags=("replacement", "policy exception", "rma"),
        products=("EdgeSwitch 48",),
    ),
    DemoArticle(
        "error-reports",
        "Sending an error report from the app",
        "Error reports",
        ArticleVisibility.PUBLIC,
        "tomas",
        "Choose **Help → Send error report** in the app. The report opens a case at once; "
        "you get its number and the name and direct line of the person who owns it. Free and "
        "paying customers get the same service-level targets.",
        tags=("error report",),
    ),
    DemoArticle(
        "completion-codes",
        "Closing installation work orders: completion codes",
        "Field service",
        ArticleVisibility.INTERNAL,
        "fatima",
        "Close every work order with a completion code. Remarks about the visit go in the "
        "remarks field and never decide whether work was completed.",
        tags=("work order",),
        tables=(
            DemoTable(
                "Completion codes",
                (
                    ("Code", ColumnType.TEXT),
                    ("Meaning", ColumnType.TEXT),
                    ("Billable", ColumnType.YES_NO),
                ),
                (
                    ("C1", "Installed and working, customer signed", True),
                    ("C2", "Installed, customer not present; left instructions", True),
                    ("N1", "Not completed: no access to the premises", False),
                    ("N2", "Not completed: fault on our network, rebooked", False),
                ),
            ),
        ),
    ),
    DemoArticle(
        "number-hold",
        "Cancelling an account: hold the phone number",
        "Accounts",
        ArticleVisibility.INTERNAL,
        "diego",
        "A cancellation that disconnects a phone line must **hold** the number for 90 days. "
        "Never release a number on the day of cancellation: a cancellation made by mistake "
        "can then be undone with the customer's number intact.",
        tags=("cancellation", "phone number"),
        review_in_days=-45,
    ),
    DemoArticle(
        "warranty-draft",
        "Warranty transfers between owners",
        "Accounts",
        ArticleVisibility.INTERNAL,
        "lena",
        "Draft: what we need from the old and the new owner before a warranty moves.",
        publish=False,
    ),
]

# Searches agents ran that found nothing: what the knowledge report asks someone to write.
EMPTY_SEARCHES: list[tuple[str, str]] = [
    ("samir", "warranty transfer new owner"),
    ("priya", "warranty transfer"),
    ("adam", "printer driver shieldguard"),
]
