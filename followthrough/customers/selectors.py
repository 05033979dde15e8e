"""Reads for customer records: finding the caller by phone number, email, name or serial."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Lower

from followthrough.core.phones import try_normalise_phone
from followthrough.customers.models import (
    Asset,
    Contact,
    ContactEmail,
    ContactPhone,
    Organization,
)

LOOKUP_LIMIT = 20
MAX_QUERY = 200


class MatchedBy(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    NAME = "name"
    SERIAL = "serial"


@dataclass
class CustomerMatch:
    contact: Contact | None
    matched_by: MatchedBy
    assets: list[Asset] = field(default_factory=list)

    @property
    def organization_id(self) -> int:
        if self.contact is not None:
            return self.contact.organization_id
        return self.assets[0].organization_id


def _contacts() -> QuerySet[Contact]:
    return Contact.objects.select_related("organization").prefetch_related(
        Prefetch("phones", queryset=ContactPhone.objects.order_by("kind", "number")),
        Prefetch("emails", queryset=ContactEmail.objects.order_by("-is_primary", "address")),
    )


def customer_lookup(query: str, *, limit: int = LOOKUP_LIMIT) -> list[CustomerMatch]:
    """Find customers for a screen-pop or a search box.

    Tries, in order of how exact the match is: a serial number, a phone number (normalised
    to E.164), an email address, then the start of a contact's or organisation's name. Each
    branch is one indexed query.
    """
    text = (query or "").strip()[:MAX_QUERY]
    if not text:
        return []
    matches: list[CustomerMatch] = []
    seen: set[int] = set()

    def add(contacts: list[Contact], how: MatchedBy) -> None:
        for contact in contacts:
            if contact.pk not in seen and len(matches) < limit:
                seen.add(contact.pk)
                matches.append(CustomerMatch(contact=contact, matched_by=how))

    assets = list(
        Asset.objects.filter(serial_number=text).select_related("organization", "site")[:limit]
    )
    for asset in assets:
        matches.append(CustomerMatch(contact=None, matched_by=MatchedBy.SERIAL, assets=[asset]))

    number = None
    if _looks_like_phone(text):
        number = try_normalise_phone(text, settings.DEFAULT_PHONE_REGION)
    if number:
        add(
            list(_contacts().filter(phones__number=number, is_active=True)[:limit]), MatchedBy.PHONE
        )
    if "@" in text:
        add(
            list(_contacts().filter(emails__address=text.lower(), is_active=True)[:limit]),
            MatchedBy.EMAIL,
        )
    elif not number and len(text) >= 2:
        add(_by_name_start(text, limit), MatchedBy.NAME)
    return matches


def _by_name_start(text: str, limit: int) -> list[Contact]:
    """Active contacts whose name, or whose organisation's name, starts with `text` (any
    case), by name. The two are found apart, each by its own index on the lowercased name:
    one condition over both tables could use neither, and scanned every contact."""
    prefix = text.lower()
    people = (
        Contact.objects.alias(name_lower=Lower("name"))
        .filter(name_lower__startswith=prefix, is_active=True)
        .order_by("name", "pk")
        .values_list("name", "pk")[:limit]
    )
    organizations = (
        Organization.objects.alias(name_lower=Lower("name"))
        .filter(name_lower__startswith=prefix)
        .values("pk")
    )
    staff = (
        Contact.objects.filter(organization__in=organizations, is_active=True)
        .order_by("name", "pk")
        .values_list("name", "pk")[:limit]
    )
    ids = [pk for _, pk in sorted({*people, *staff})[:limit]]
    if not ids:
        return []
    found = {c.pk: c for c in _contacts().filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def _looks_like_phone(text: str) -> bool:
    digits = sum(ch.isdigit() for ch in text)
    return digits >= 5 and all(ch.isdigit() or ch in "+-() ./x" for ch in text.lower())
