"""Customers in the search index, written by the customer services in the same transaction:

- "contact": the person's name; their organisation's name, email addresses and phone numbers
  (E.164, national format and the bare national digits, so however a number is typed, some
  form of it matches);
- "organization": the name; the notes, each site's name and city, each asset's product and
  serial number.

Both carry the organisation's id. Neither is public: portal customers do not search them.
"""

from __future__ import annotations

from collections.abc import Iterable

import phonenumbers
from django.db import transaction
from django.db.models import Prefetch

from followthrough.core.search import Document, in_batches, index_append, index_documents
from followthrough.customers.models import (
    Asset,
    Contact,
    ContactEmail,
    ContactPhone,
    Organization,
    Site,
)

CONTACT = "contact"
ORGANIZATION = "organization"


def phone_forms(e164: str) -> str:
    """+14155550134 → "+14155550134 (415) 555-0134 4155550134": every form people type."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    digits = phonenumbers.national_significant_number(parsed)
    return " ".join(dict.fromkeys([e164, national, digits]))


def site_text(site: Site) -> str:
    return " ".join(part for part in (site.name, site.city) if part)


def asset_text(asset: Asset) -> str:
    return f"{asset.product} {asset.serial_number}"


def _contact_document(
    contact: Contact, organization_name: str, emails: Iterable[str], phones: Iterable[str]
) -> Document:
    return Document(
        kind=CONTACT,
        object_id=contact.pk,
        title=contact.name,
        body="\n".join([organization_name, *emails, *(phone_forms(p) for p in phones)]),
        created_at=contact.created_at,
        organization_id=contact.organization_id,
    )


def _organization_document(
    organization: Organization, sites: Iterable[Site], assets: Iterable[Asset]
) -> Document:
    return Document(
        kind=ORGANIZATION,
        object_id=organization.pk,
        title=organization.name,
        body="\n".join(
            [
                organization.notes,
                *(site_text(s) for s in sites),
                *(asset_text(a) for a in assets),
            ]
        ),
        created_at=organization.created_at,
        organization_id=organization.pk,
    )


def contact_index(
    contact: Contact, *, organization: Organization, emails: Iterable[str], phones: Iterable[str]
) -> None:
    """A new contact, with the addresses and numbers it was created with (no reads)."""
    index_documents([_contact_document(contact, organization.name, emails, phones)])


def contact_index_append(contact: Contact, text: str) -> None:
    """A phone number or email address added to a contact."""
    index_append(kind=CONTACT, object_id=contact.pk, text=text)


def organization_index(organization: Organization) -> None:
    """A new organisation (no sites or assets yet)."""
    index_documents([_organization_document(organization, [], [])])


def organization_index_append(organization_id: int, text: str) -> None:
    """A site or an asset added to an organisation."""
    index_append(kind=ORGANIZATION, object_id=organization_id, text=text)


def reindex_contacts() -> int:
    contacts = Contact.objects.select_related("organization").prefetch_related(
        Prefetch("emails", queryset=ContactEmail.objects.order_by("-is_primary", "address")),
        Prefetch("phones", queryset=ContactPhone.objects.order_by("kind", "number")),
    )
    written = 0
    for batch in in_batches(contacts):
        documents = [
            _contact_document(
                c,
                c.organization.name,
                [e.address for e in c.emails.all()],
                [p.number for p in c.phones.all()],
            )
            for c in batch
        ]
        with transaction.atomic():
            written += index_documents(documents)
    return written


def reindex_organizations() -> int:
    organizations = Organization.objects.prefetch_related(
        Prefetch("sites", queryset=Site.objects.order_by("id")),
        Prefetch("assets", queryset=Asset.objects.order_by("id")),
    )
    written = 0
    for batch in in_batches(organizations):
        documents = [_organization_document(o, o.sites.all(), o.assets.all()) for o in batch]
        with transaction.atomic():
            written += index_documents(documents)
    return written
