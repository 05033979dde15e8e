"""Text drawn from a support vocabulary: subjects, descriptions and notes that read like a
technical-support floor's, with word frequencies skewed the way real case text is."""

from __future__ import annotations

import random

PRODUCTS = [
    "router",
    "switch",
    "firewall",
    "printer",
    "laptop",
    "docking station",
    "VPN client",
    "antivirus",
    "mail client",
    "access point",
    "modem",
    "NAS",
    "UPS",
    "IP phone",
    "headset",
    "backup agent",
    "license server",
    "thin client",
    "scanner",
    "monitor",
    "set-top box",
    "fibre terminal",
    "mesh node",
    "payment terminal",
    "label printer",
]
BRANDS = [
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Tailspin",
    "Litware",
    "Adatum",
    "Proseware",
    "Wingtip",
    "Lucerne",
    "Fourth Coffee",
    "Woodgrove",
    "Alpine",
    "Coho",
    "Humongous",
]
SYMPTOMS = [
    "will not install",
    "keeps rebooting",
    "drops the connection",
    "shows error {code}",
    "is slow after the update",
    "cannot reach the server",
    "fails to authenticate",
    "lost its configuration",
    "overheats",
    "does not power on",
    "prints blank pages",
    "blocks the uninstall",
    "reports a licence mismatch",
    "loses sync every hour",
    "has no dial tone",
    "freezes at boot",
    "rejects the certificate",
    "cannot find the printer",
    "shows a red light",
    "disconnects during calls",
    "fails the firmware upgrade",
]
ACTIONS = [
    "Asked the customer to power cycle the {product}",
    "Checked the firmware version of the {product}",
    "Walked the customer through a factory reset",
    "Collected the logs from the {product}",
    "Confirmed the cabling and the port lights",
    "Removed the remnants of the previous {product} with the vendor's removal tool",
    "Reinstalled the {product} software from the portal",
    "Verified the licence key against the account",
    "Ran the line test from the exchange",
    "Escalated the trace to Tier 2 for analysis",
    "Booked a technician visit for the site",
    "Shipped an advance replacement against a return promise",
    "Updated the drivers and rebooted",
    "Reset the customer's password and unlocked the account",
    "Checked the outage map for the area",
    "Restored the backup configuration",
    "Swapped the power supply",
    "Moved the device to another switch port",
]
OUTCOMES = [
    "The customer confirmed it works now.",
    "No change; the error still appears.",
    "It worked for a few minutes, then failed again.",
    "The customer will test overnight and call back.",
    "Waiting for the vendor's answer.",
    "The customer could not reach the device remotely.",
    "The symptom is gone after the reboot.",
    "Left a voicemail with the next steps.",
    "The customer asked for a callback tomorrow morning.",
    "Replacement part is on its way.",
]
DETAILS = [
    "The {product} is in the server room on the second floor.",
    "The customer has {count} users affected.",
    "Started after the update on {day}.",
    "The {brand} support line did not answer.",
    "The customer is 2 hours from the site with no remote access.",
    "Serial number confirmed with the customer.",
    "Warranty is still valid until next year.",
    "Same problem reported by a neighbour in the area.",
    "The customer already tried a different cable.",
    "The error code changes between {code} and {code2}.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
FIRST_NAMES = [
    "Ada",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Iris",
    "Jonas",
    "Kira",
    "Liam",
    "Maya",
    "Noah",
    "Olga",
    "Pablo",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Umar",
    "Vera",
    "Wes",
    "Xenia",
    "Yusuf",
    "Zoe",
    "Anton",
    "Bea",
    "Carlos",
    "Dana",
    "Emil",
    "Fatima",
]
LAST_NAMES = [
    "Adler",
    "Brandt",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nowak",
    "Okafor",
    "Petrov",
    "Quist",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Ueda",
    "Varga",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zimmer",
    "Novak",
    "Silva",
]
COMPANY_WORDS = [
    "Alder",
    "Birch",
    "Cedar",
    "Delta",
    "Ember",
    "Fjord",
    "Granite",
    "Harbor",
    "Iron",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Maple",
    "Nordic",
    "Orbit",
    "Pioneer",
    "Quartz",
    "Ridge",
    "Summit",
    "Tundra",
    "Union",
    "Vertex",
    "Willow",
    "Zenith",
]
COMPANY_KINDS = [
    "Logistics",
    "Clinic",
    "Bakery",
    "Architects",
    "Dental",
    "School",
    "Hotel",
    "Legal",
    "Foods",
    "Motors",
    "Studio",
    "Pharmacy",
    "Farms",
    "Labs",
]
AREA_CODES = [
    "201",
    "202",
    "203",
    "205",
    "206",
    "207",
    "208",
    "212",
    "213",
    "214",
    "215",
    "216",
    "217",
    "301",
    "302",
    "303",
    "304",
    "305",
    "307",
    "308",
    "309",
    "310",
    "312",
    "313",
    "314",
    "315",
    "401",
    "402",
    "404",
    "405",
    "406",
    "407",
    "408",
    "409",
    "410",
    "412",
    "413",
    "414",
    "415",
    "501",
    "502",
    "503",
    "504",
    "505",
    "507",
    "508",
    "509",
    "510",
    "512",
    "513",
    "515",
    "516",
    "601",
    "602",
    "603",
    "605",
    "606",
    "607",
    "608",
    "609",
    "610",
    "612",
    "614",
    "615",
    "616",
    "701",
    "702",
    "703",
    "704",
    "706",
    "707",
    "708",
    "712",
    "713",
    "714",
    "715",
    "716",
    "717",
]


def _code(rng: random.Random) -> str:
    return f"{rng.choice('EFWX')}{rng.randint(100, 999)}"


def _fill(rng: random.Random, pattern: str) -> str:
    return pattern.format(
        product=rng.choice(PRODUCTS),
        brand=rng.choice(BRANDS),
        code=_code(rng),
        code2=_code(rng),
        count=rng.randint(2, 60),
        day=rng.choice(DAYS),
    )


class TextPool:
    """Pre-made subjects and sentences, so a million cases get varied text cheaply."""

    def __init__(
        self, seed: int, *, subjects: int = 4000, sentences: int = 6000, paragraphs: int = 20000
    ) -> None:
        rng = random.Random(seed)  # noqa: S311 - sample text, not secrets
        self.rng = rng
        self.subjects = [
            f"{rng.choice(BRANDS)} {_fill(rng, '{product}')} {_fill(rng, rng.choice(SYMPTOMS))}"
            for _ in range(subjects)
        ]
        self.sentences = [
            _fill(rng, rng.choice(ACTIONS + DETAILS)).rstrip(".")
            + ("." if rng.random() < 0.6 else ". " + rng.choice(OUTCOMES))
            for _ in range(sentences)
        ]

        self.paragraphs = [
            " ".join(rng.choice(self.sentences) for _ in range(rng.randint(1, 3)))
            for _ in range(paragraphs)
        ]

    def subject(self) -> str:
        return self.subjects[int(self.rng.random() * len(self.subjects))]

    def paragraph(self) -> str:
        return self.paragraphs[int(self.rng.random() * len(self.paragraphs))]


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def company_name(rng: random.Random, n: int) -> str:
    return f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)} {n}"


def phone_number(n: int) -> str:
    """The n-th synthetic North American number: distinct for n below 70 million."""
    area = AREA_CODES[n % len(AREA_CODES)]
    rest = n // len(AREA_CODES)
    exchange = 200 + rest // 10000 % 800
    if exchange in (555, 911, 411, 611):
        exchange += 1
    return f"+1{area}{exchange:03d}{rest % 10000:04d}"
