"""The knowledge base of DESIGN.md §1 story 1, written through the real services: an internal
list of antivirus products that block the ShieldGuard install, each with its vendor and the
link to its removal tool, and the case of a customer it would have helped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from followthrough.accounts.models import User
from followthrough.cases.models import Case
from followthrough.cases.tests.factories import open_case
from followthrough.customers.models import Contact
from followthrough.knowledge.models import (
    Article,
    ArticleTable,
    ArticleVisibility,
    ColumnType,
    TableRow,
    Vendor,
)
from followthrough.knowledge.services.articles import article_create, article_publish
from followthrough.knowledge.services.tables import row_add, table_create
from followthrough.knowledge.services.vendors import vendor_create

VIREO_SUBJECT = "Vireo AV blocks the ShieldGuard install"
REMOVAL_TOOL = "https://vireo.example/removal-tool?product=vireo-av&step=1"


@dataclass
class Incompatible:
    """The published article, its table and its rows."""

    article: Article
    table: ArticleTable
    vireo: TableRow
    kestrel: TableRow
    vendor: Vendor


def publish(actor: User, article: Article) -> Article:
    article.refresh_from_db()
    return article_publish(actor=actor, article=article)


def incompatible_products(
    lead: User, *, visibility: str = ArticleVisibility.INTERNAL
) -> Incompatible:
    vendor = vendor_create(
        actor=lead,
        name="Vireo Software",
        support_url="https://support.vireo.example",
        support_phone="+12025550188",
        hours="Mon-Fri 08:00-18:00",
        time_zone="America/New_York",
    )
    article = article_create(
        actor=lead,
        title="Antivirus products that block the ShieldGuard install",
        body=(
            "ShieldGuard setup stops when another antivirus product is installed or left "
            "remnants behind after uninstalling.\n\n"
            "1. Find the product in the table below.\n"
            "2. Run its vendor's removal tool and restart.\n"
            "3. Install ShieldGuard again."
        ),
        visibility=visibility,
        tags=["antivirus", "install"],
        products=["ShieldGuard"],
    )
    table = table_create(
        actor=lead,
        article=article,
        name="Incompatible products",
        columns=[
            ("Product", ColumnType.TEXT),
            ("Vendor", ColumnType.VENDOR),
            ("Removal tool", ColumnType.URL),
            ("Restart needed", ColumnType.YES_NO),
        ],
    )
    columns = {c.name: str(c.pk) for c in table.columns.all()}

    def row(**cells: Any) -> TableRow:
        return row_add(
            actor=lead,
            table=table,
            cells={columns[name.replace("_", " ").capitalize()]: v for name, v in cells.items()},
        )

    vireo = row(
        product="Vireo AV", vendor=vendor.pk, removal_tool=REMOVAL_TOOL, restart_needed=True
    )
    kestrel = row(
        product="Kestrel Antivirus",
        removal_tool="https://kestrel.example/cleaner",
        restart_needed=False,
    )
    article = publish(lead, article)
    return Incompatible(article=article, table=table, vireo=vireo, kestrel=kestrel, vendor=vendor)


def install_error_article(lead: User) -> Article:
    """A second published, public article whose table rows match the same case."""
    vendor = vendor_create(actor=lead, name="ShieldGuard Labs", support_url="https://sg.example")
    article = article_create(
        actor=lead,
        title="ShieldGuard install stops with error 1603",
        body="Error 1603 during the ShieldGuard install: another antivirus is present.",
        visibility=ArticleVisibility.PUBLIC,
    )
    table = table_create(
        actor=lead,
        article=article,
        name="Known blockers",
        columns=[("Blocker", ColumnType.TEXT), ("Vendor", ColumnType.VENDOR)],
    )
    blocker, who = (str(c.pk) for c in table.columns.all())
    for name in ("Vireo AV remnants", "Vireo AV service left running"):
        row_add(actor=lead, table=table, cells={blocker: name, who: vendor.pk})
    return publish(lead, article)


def vireo_case(agent: User, contact: Contact, **kw: Any) -> Case:
    kw.setdefault("subject", VIREO_SUBJECT)
    kw.setdefault(
        "description",
        "The customer removed Vireo AV last week, but ShieldGuard setup still says another "
        "antivirus product is installed and stops.",
    )
    return open_case(actor=agent, organization=contact.organization, contact=contact, **kw)
