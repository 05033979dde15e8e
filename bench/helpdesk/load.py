"""Migrate django-helpdesk's database and load N realistic tickets into it, fast.

Runs inside the helpdesk virtual environment, from this folder (side.py does this):

    HELPDESK_BENCH_DATABASE_URL=... <venv>/bin/python load.py --tickets 100000 --info FILE

Queues and users are made through helpdesk's models, so their permissions and user settings
are what helpdesk makes. Tickets, follow-ups and ticket changes are written straight into the
tables (COPY on PostgreSQL, executemany in large transactions on SQLite), with the values that
helpdesk's own forms, update_ticket() and e-mail intake would have stored. Any tickets already
there are removed first. Deterministic for a seed. Prints a one-line JSON summary.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import hashlib
import itertools
import json
import os
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The settings module must be named, and this folder importable, before Django loads.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from helpdesk.models import FollowUp, Queue, Ticket, TicketChange  # noqa: E402

User = get_user_model()

UTC = dt.UTC
# Fixed, so that a seed always gives the same rows; tickets were created in the 3 years before.
DEFAULT_UNTIL = "2026-12-01"
SPAN = dt.timedelta(days=3 * 365)
CHUNK = 20_000  # tickets a batch

QUEUES = [  # title, slug, share of the tickets, accepts public submissions
    ("Service Desk", "service-desk", 0.40, True),
    ("Network", "network", 0.25, False),
    ("Hardware", "hardware", 0.20, False),
    ("Licensing", "licensing", 0.15, False),
]
STAFF = [
    ("Ana", "Morales"), ("Ben", "Okafor"), ("Chloe", "Dubois"), ("Dmitri", "Volkov"),
    ("Elif", "Yilmaz"), ("Farah", "Haddad"), ("Gus", "Lindqvist"), ("Hana", "Sato"),
    ("Ivan", "Petrov"), ("Jade", "Nguyen"), ("Kofi", "Mensah"), ("Lena", "Fischer"),
    ("Marco", "Rossi"), ("Nia", "Williams"), ("Omar", "Farouk"), ("Priya", "Raman"),
    ("Quinn", "Murphy"), ("Rosa", "Castillo"), ("Sven", "Berg"), ("Tariq", "Aziz"),
]  # fmt: skip
FIRST_NAMES = (  # noqa: SIM905 - a word list reads best as words
    "alex amir anna bea carlos dana eli emma felix gina hugo ines jon kara liam maya noah "
    "olga pablo rhea sam tara umar vera will xena yara zoe"
).split()
LAST_NAMES = (  # noqa: SIM905 - a word list reads best as words
    "adams baker chen diaz evans ford garcia hill ito jones kim lopez meyer novak ortiz "
    "park quinn reed silva tan ueda vogel wong young zhang"
).split()
DOMAINS = ["northwind.example", "contoso.example", "fabrikam.example", "initech.example"]

# Support words: these make the subjects searchable, and the search samples pick from them.
SUPPORT_WORDS = (  # noqa: SIM905 - a word list reads best as words
    "printer router firmware license reinstall antivirus vpn switch port outage laptop "
    "password account mailbox email server backup restore update driver monitor keyboard "
    "mouse wifi network cable dock projector scanner toner paper jam database disk drive "
    "storage quota share folder permission login token certificate browser cache proxy "
    "firewall dns dhcp gateway latency bandwidth packet loss timeout crash freeze error "
    "warning screen display battery charger adapter headset microphone camera webcam phone "
    "voicemail calendar meeting invite outlook excel spreadsheet document pdf upload "
    "download sync install uninstall upgrade patch rollback configuration settings profile "
    "domain workstation desktop tablet mobile app portal ticket invoice payroll erp crm "
    "shortcut toolbar plugin extension macro script service daemon process memory cpu "
    "overheating fan noise reboot restart shutdown bluescreen bootloop bios uefi raid "
    "array ssd hdd sector corruption encryption bitlocker recovery key badge access door "
    "vlan subnet ethernet fiber modem isp bridge repeater hotspot roaming signal bluetooth "
    "pairing headphones speaker audio video codec stream license activation subscription "
    "seat renewal expired trial vendor warranty replacement rma shipping"
).split()
COMMON_WORDS = (  # noqa: SIM905 - a word list reads best as words
    "the a an and or but to of in on for with from at by after before since when while "
    "is was are were be been has have had not no again still also only just now today "
    "yesterday this that it my our your we they i please can could cannot would should "
    "will does did do keeps stopped started working broken slow fails failed shows shown "
    "says said tried trying need needs help urgent asap morning afternoon every time "
    "some all any other new old same first second whole office team user users client "
    "colleague manager floor room building site remote home all day week since monday "
    "friday issue problem request question again unable able seems looks like getting "
    "message popup window page"
).split()
# Support words make up about a third of the running text.
TEXT_WORDS = COMMON_WORDS * 2 + SUPPORT_WORDS

PRIORITIES = [1, 2, 3, 4, 5]
PRIORITY_WEIGHTS = list(itertools.accumulate([5, 15, 60, 12, 8]))

# Ticket status codes, as helpdesk's defaults number them.
OPEN, REOPENED, RESOLVED, CLOSED = 1, 2, 3, 4
STATUS_LABEL = {OPEN: "Open", REOPENED: "Reopened", RESOLVED: "Resolved", CLOSED: "Closed"}

TICKET_COLUMNS = (
    "id", "title", "queue_id", "created", "modified", "submitter_email", "assigned_to_id",
    "status", "on_hold", "description", "resolution", "priority", "due_date",
    "last_escalation", "secret_key", "kbitem_id", "merged_to_id",
)  # fmt: skip
FOLLOWUP_COLUMNS = (
    "id", "ticket_id", "date", "title", "comment", "public", "user_id", "new_status",
    "message_id", "time_spent", "email_recipients",
)  # fmt: skip
CHANGE_COLUMNS = ("id", "followup_id", "field", "old_value", "new_value")
TABLES = (
    (Ticket, TICKET_COLUMNS),
    (FollowUp, FOLLOWUP_COLUMNS),
    (TicketChange, CHANGE_COLUMNS),
)


def check_columns() -> None:
    """Refuse to load if helpdesk's tables have columns this loader does not fill."""
    for model, columns in TABLES:
        actual = {field.column for field in model._meta.concrete_fields}
        if actual != set(columns):
            raise SystemExit(
                f"{model._meta.db_table} has columns {sorted(actual)}, "
                f"the loader writes {sorted(columns)}: update load.py"
            )


class Staff:
    """One agent as the loader needs it: id, username (titles), e-mail (recipients)."""

    def __init__(self, user: Any) -> None:
        self.id: int = user.pk
        self.username: str = user.get_username()
        self.full_name: str = user.get_full_name() or self.username
        self.email: str = user.email


def make_people() -> list[Staff]:
    """The bench superuser and ~20 agents, through the ORM (helpdesk's signal adds settings)."""
    bench = User.objects.filter(username="bench").first()
    if bench is None:
        bench = User.objects.create_superuser(
            "bench",
            "bench@support.example",
            "bench-password",  # the documented bench login
        )
    elif not bench.check_password("bench-password"):
        bench.set_password("bench-password")
        bench.save()
    staff = []
    for first, last in STAFF:
        username = (first[0] + last).lower()
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@support.example",
                is_staff=True,
            )
            user.set_unusable_password()  # agents never sign in during the bench
            user.save()
        staff.append(Staff(user))
    return staff


def make_queues() -> list[Queue]:
    queues = []
    for title, slug, _share, public in QUEUES:
        queue = Queue.objects.filter(slug=slug).first()
        if queue is None:
            queue = Queue.objects.create(
                title=title,
                slug=slug,
                email_address=f"{slug}@support.example",
                allow_public_submission=public,
            )
        queues.append(queue)
    return queues


def submitter_counts(submitters: int, tickets: int, exponent: float) -> list[int]:
    """Tickets per submitter, Zipf-shaped (count of rank k ~ 1/k**s), each at least 1."""
    submitters = max(1, min(submitters, tickets))
    weights = [1 / (rank**exponent) for rank in range(1, submitters + 1)]

    def total(scale: float) -> int:
        return sum(max(1, round(scale * w)) for w in weights)

    low, high = 0.0, float(tickets)
    for _ in range(40):
        middle = (low + high) / 2
        if total(middle) < tickets:
            low = middle
        else:
            high = middle
    counts = [max(1, round(high * w)) for w in weights]
    counts[0] += tickets - sum(counts)  # the rounding remainder goes to the busiest one
    return counts


def submitter_emails(count: int, rng: random.Random) -> list[str]:
    emails = []
    for index in range(count):
        first = FIRST_NAMES[index % len(FIRST_NAMES)]
        last = LAST_NAMES[(index // len(FIRST_NAMES)) % len(LAST_NAMES)]
        emails.append(f"{first}.{last}{index}@{rng.choice(DOMAINS)}")
    return emails


class TextMaker:
    """Subjects, descriptions and comments from the support vocabulary."""

    def __init__(self, rng: random.Random, tickets: int) -> None:
        self.rng = rng
        pool_size = max(2_000, min(100_000, tickets * 2))
        self.sentences = [self._sentence() for _ in range(pool_size)]

    def _sentence(self) -> str:
        words = self.rng.choices(TEXT_WORDS, k=self.rng.randint(6, 18))
        return " ".join(words).capitalize() + "."

    def subject(self) -> str:
        words = self.rng.choices(TEXT_WORDS, k=self.rng.randint(5, 20))
        # A subject names the problem: make sure it carries at least one support word.
        words[self.rng.randrange(len(words))] = self.rng.choice(SUPPORT_WORDS)
        title = " ".join(words).capitalize()
        # Room for update_ticket()'s " and Resolved" within the follow-up title's 200.
        return title if len(title) <= 180 else title[:180].rsplit(" ", 1)[0]

    def paragraphs(self, low: int, high: int) -> str:
        rng, pool = self.rng, self.sentences
        return "\n\n".join(
            " ".join(rng.choices(pool, k=rng.randint(2, 5))) for _ in range(rng.randint(low, high))
        )


class Batch:
    def __init__(self) -> None:
        self.tickets: list[tuple[Any, ...]] = []
        self.followups: list[tuple[Any, ...]] = []
        self.changes: list[tuple[Any, ...]] = []


def generate(
    *,
    tickets: int,
    seed: int,
    until: dt.datetime,
    queues: Sequence[Queue],
    staff: Sequence[Staff],
    exponent: float,
    stamp: Callable[[dt.datetime], Any],
) -> Iterator[Batch]:
    """Yield batches of rows; `stamp` turns a datetime into what the backend stores."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    text = TextMaker(rng, tickets)
    counts = submitter_counts(max(1, tickets // 10), tickets, exponent)
    emails = submitter_emails(len(counts), rng)
    owners = [index for index, count in enumerate(counts) for _ in range(count)]
    rng.shuffle(owners)
    queue_ids = [queue.pk for queue in queues]
    queue_weights = list(itertools.accumulate(share for _t, _s, share, _p in QUEUES))
    start = until - SPAN
    step = SPAN / tickets
    followup_id = change_id = 0
    batch = Batch()

    def recipients(*addresses: str | None) -> str:
        return json.dumps(sorted({a for a in addresses if a}))

    for ticket_id in range(1, tickets + 1):
        created = start + step * (ticket_id - 1 + rng.random())
        submitter = emails[owners[ticket_id - 1]]
        queue_id = queue_ids[bisect.bisect(queue_weights, rng.random() * queue_weights[-1])]
        priority = PRIORITIES[bisect.bisect(PRIORITY_WEIGHTS, rng.random() * 100)]
        title = text.subject()
        description = text.paragraphs(1, 3)
        followups = rng.randint(1, 5)
        is_open = rng.random() < 0.05
        assignee = None
        if rng.random() < (0.5 if is_open else 0.75):
            assignee = staff[min(int(rng.expovariate(1 / 6)), len(staff) - 1)]
        # E-mail, the staff form (assigning at once or not) or the public form.
        channel = rng.choices(("email", "staff", "public"), cum_weights=(45, 80, 100))[0]
        if followups == 1 and assignee is not None:
            channel = "staff"  # nobody else touched it: assigned when it was opened
        creator = assignee if channel == "staff" and assignee else rng.choice(staff)

        # Follow-ups are spread between creation and the end of the period, in order.
        room = (until - created) / (followups + 1)
        mean_gap = max(min(dt.timedelta(hours=36), room), dt.timedelta(seconds=1))
        dates = [created]
        for _ in range(followups - 1):
            gap = min(dt.timedelta(seconds=rng.expovariate(1 / mean_gap.total_seconds())), room)
            dates.append(dates[-1] + gap)

        status = OPEN
        if not is_open:
            status = CLOSED if rng.random() < 0.65 else RESOLVED
        elif followups >= 3 and rng.random() < 0.3:
            status = REOPENED  # closed, then the submitter wrote back
        resolution = None

        # The follow-up that opened the ticket.
        followup_id += 1
        opened_assigned = channel == "staff" and assignee is not None
        if channel == "email":
            batch.followups.append((
                followup_id, ticket_id, stamp(created), f"E-Mail Received from {submitter}",
                description, True, None, None, f"<{uuid.UUID(int=rng.getrandbits(128))}@mail>",
                None, recipients(submitter),
            ))  # fmt: skip
        elif channel == "public":
            batch.followups.append((
                followup_id, ticket_id, stamp(created), "Ticket Opened Via Web", description,
                True, None, None, None, None, recipients(submitter),
            ))  # fmt: skip
        else:
            opened = (
                f"Ticket Opened & Assigned to {assignee.full_name}"
                if opened_assigned and assignee
                else "Ticket Opened"
            )
            batch.followups.append((
                followup_id, ticket_id, stamp(created), opened, description, True, creator.id,
                None, None, None,
                recipients(submitter, assignee.email if opened_assigned and assignee else None),
            ))  # fmt: skip

        # The rest: replies and notes, then the closing one (and a reopening e-mail).
        current = OPEN
        owner_now = assignee if opened_assigned else None
        last = followups - 1
        for index in range(1, followups):
            when = stamp(dates[index])
            followup_id += 1
            reopening = status == REOPENED and index == last
            closing = (status in (RESOLVED, CLOSED) and index == last) or (
                status == REOPENED and index == last - 1
            )
            if reopening:
                batch.followups.append((
                    followup_id, ticket_id, when,
                    f"Ticket Re-Opened by E-Mail Received from {submitter}",
                    text.paragraphs(1, 1), True, None, REOPENED,
                    f"<{uuid.UUID(int=rng.getrandbits(128))}@mail>", None,
                    recipients(submitter, assignee.email if assignee else None),
                ))  # fmt: skip
                current = REOPENED
                continue
            if not closing and rng.random() < 0.3:
                # The submitter answered by e-mail.
                batch.followups.append((
                    followup_id, ticket_id, when, f"E-Mail Received from {submitter}",
                    text.paragraphs(1, 2), True, None, None,
                    f"<{uuid.UUID(int=rng.getrandbits(128))}@mail>", None,
                    recipients(submitter, assignee.email if owner_now else None),
                ))  # fmt: skip
                continue
            # An agent's update through the ticket page (update_ticket()).
            actor = assignee or creator
            public = rng.random() < (0.85 if closing else 0.7)
            comment = text.paragraphs(1, 2)
            followup_title = title
            new_status = None
            if assignee is not None and owner_now is None:
                followup_title = f"Assigned to {assignee.username}"
                change_id += 1
                batch.changes.append((change_id, followup_id, "Owner", None, assignee.username))
                owner_now = assignee
            if closing:
                target = CLOSED if status in (CLOSED, REOPENED) else RESOLVED
                followup_title = f"{followup_title} and {STATUS_LABEL[target]}"
                new_status = target
                change_id += 1
                batch.changes.append((
                    change_id, followup_id, "Status", STATUS_LABEL[current], STATUS_LABEL[target]
                ))  # fmt: skip
                current = target
                resolution = comment
            mailed = [submitter] if public else []
            if owner_now is not None and owner_now.id != actor.id:
                mailed.append(owner_now.email)
            batch.followups.append((
                followup_id, ticket_id, when, followup_title, comment, public, actor.id,
                new_status, None, None, recipients(*mailed),
            ))  # fmt: skip

        due = None
        if rng.random() < 0.1:
            due = stamp(created + dt.timedelta(days=rng.randint(1, 14)))
        batch.tickets.append((
            ticket_id, title, queue_id, stamp(created), stamp(dates[-1]), submitter,
            assignee.id if assignee else None, status, is_open and rng.random() < 0.03,
            description, resolution, priority, due, None,
            str(uuid.UUID(int=rng.getrandbits(128), version=4)), None, None,
        ))  # fmt: skip
        if len(batch.tickets) >= CHUNK:
            yield batch
            batch = Batch()
    if batch.tickets:
        yield batch


def ticket_models() -> list[type[models.Model]]:
    """Ticket and every model whose rows hang off a ticket, children before parents."""
    ordered: list[type[models.Model]] = []

    def visit(model: type[models.Model]) -> None:
        for relation in model._meta.related_objects:
            child = relation.related_model
            if isinstance(child, type) and child is not model and child not in ordered:
                visit(child)
        if model not in ordered:
            ordered.append(model)

    visit(Ticket)
    return ordered


def clear_tickets() -> None:
    tables = [model._meta.db_table for model in ticket_models()]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - our table names
            names = ", ".join("%s" for _ in tables)
            cursor.execute(f"DELETE FROM sqlite_sequence WHERE name IN ({names})", tables)  # noqa: S608 - placeholders only


def sqlite_stamp(value: dt.datetime) -> str:
    """What Django's SQLite backend stores for an aware datetime: naive UTC, str()."""
    return str(value.astimezone(UTC).replace(tzinfo=None))


def write_postgresql(batches: Iterator[Batch]) -> tuple[int, int, int]:
    from psycopg import sql  # only the PostgreSQL path needs it

    raw = connection.connection
    totals = [0, 0, 0]
    with raw.cursor() as cursor:
        # The rows are consistent by construction; with the rights to do so, skip the
        # per-row foreign key triggers (a superuser may, as pg_restore does).
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if row and row[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL synchronous_commit = off")
        for batch in batches:
            for index, ((model, columns), rows) in enumerate(
                zip(TABLES, (batch.tickets, batch.followups, batch.changes), strict=True)
            ):
                statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                    sql.Identifier(model._meta.db_table),
                    sql.SQL(", ").join(map(sql.Identifier, columns)),
                )
                with cursor.copy(statement) as copy:
                    for values in rows:
                        copy.write_row(values)
                totals[index] += len(rows)
    return totals[0], totals[1], totals[2]


def write_sqlite(batches: Iterator[Batch]) -> tuple[int, int, int]:
    raw = connection.connection
    totals = [0, 0, 0]
    for batch in batches:
        for index, ((model, columns), rows) in enumerate(
            zip(TABLES, (batch.tickets, batch.followups, batch.changes), strict=True)
        ):
            names = ", ".join(f'"{column}"' for column in columns)
            marks = ", ".join("?" for _ in columns)
            raw.executemany(
                f'INSERT INTO "{model._meta.db_table}" ({names}) VALUES ({marks})',  # noqa: S608 - our table and column names
                rows,
            )
            totals[index] += len(rows)
    return totals[0], totals[1], totals[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--until", default=DEFAULT_UNTIL, help="end of the 3 years (UTC date)")
    parser.add_argument("--zipf", type=float, default=1.0, help="exponent of tickets/submitter")
    parser.add_argument("--info", type=Path, help="write what the samples need here (JSON)")
    parser.add_argument("--no-analyze", action="store_true", help="skip (VACUUM) ANALYZE")
    args = parser.parse_args()
    if args.tickets < 1:
        raise SystemExit("--tickets must be at least 1")
    until = dt.datetime.fromisoformat(args.until).replace(tzinfo=UTC)

    began = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    check_columns()
    migrated = time.perf_counter()

    staff = make_people()
    queues = make_queues()
    postgresql = connection.vendor == "postgresql"
    batches = generate(
        tickets=args.tickets,
        seed=args.seed,
        until=until,
        queues=queues,
        staff=staff,
        exponent=args.zipf,
        stamp=(lambda value: value) if postgresql else sqlite_stamp,
    )
    with transaction.atomic():
        clear_tickets()
        if postgresql:
            tickets, followups, changes = write_postgresql(batches)
        else:
            tickets, followups, changes = write_sqlite(batches)
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(
                no_style(), [Ticket, FollowUp, TicketChange]
            ):
                cursor.execute(statement)
    loaded = time.perf_counter()

    if not args.no_analyze:
        # What autovacuum would soon do on a live desk: fresh statistics (and, on PostgreSQL,
        # a visibility map), so that the measured plans are the settled ones.
        with connection.cursor() as cursor:
            if postgresql:
                for model, _columns in TABLES:
                    cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
            else:
                cursor.execute("ANALYZE")
    finished = time.perf_counter()

    if args.info:
        url = os.environ["HELPDESK_BENCH_DATABASE_URL"]
        info = {
            "database": hashlib.sha256(url.encode()).hexdigest(),
            "seed": args.seed,
            "tickets": tickets,
            "first_ticket_id": 1,
            "last_ticket_id": tickets,
            "queues": [{"id": q.pk, "slug": q.slug, "title": q.title} for q in queues],
            "staff_user_ids": [person.id for person in staff],
            "search_words": SUPPORT_WORDS,
        }
        args.info.parent.mkdir(parents=True, exist_ok=True)
        args.info.write_text(json.dumps(info, indent=2) + "\n")

    summary = {
        "tickets": tickets,
        "followups": followups,
        "ticket_changes": changes,
        "seconds": round(finished - began, 2),
        "migrate_seconds": round(migrated - began, 2),
        "load_seconds": round(loaded - migrated, 2),
        "analyze_seconds": round(finished - loaded, 2),
        "database": connection.vendor,
        "seed": args.seed,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
