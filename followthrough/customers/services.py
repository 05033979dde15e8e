"""Writes for customer accounts: organisations, contacts, sites and assets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from followthrough.accounts.access import require_capability
from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import User
from followthrough.core.errors import Invalid
from followthrough.core.phones import PhoneNumberError, normalise_phone
from followthrough.core.timezones import is_time_zone
from followthrough.customers.models import (
    Asset,
    Contact,
    ContactEmail,
    ContactPhone,
    Organization,
    PhoneKind,
    PlanTier,
    Site,
)
from followthrough.customers.search_index import (
    asset_text,
    contact_index,
    contact_index_append,
    organization_index,
    organization_index_append,
    phone_forms,
    site_text,
)

MAX_NAME = 200


def _require_editor(actor: User | None) -> None:
    # `None` is the system itself: intake and demo data create customers on nobody's behalf.
    if actor is not None:
        require_capability(actor, Capability.CUSTOMER_EDIT)


def _clean_name(value: str, field: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid(f"{what} needs a name.", field=field)
    if len(text) > MAX_NAME:
        raise Invalid(f"{what}'s name is longer than {MAX_NAME} characters.", field=field)
    return text


def _clean_time_zone(value: str) -> str:
    if not is_time_zone(value):
        raise Invalid(f"{value!r} is not a time zone (for example Europe/Berlin).", "time_zone")
    return value


def clean_email(address: str) -> str:
    text = (address or "").strip().lower()
    try:
        validate_email(text)
    except ValidationError:
        raise Invalid(f"{address!r} is not an email address.", field="emails") from None
    return text


def organization_create(
    *,
    actor: User | None,
    name: str,
    plan_tier: PlanTier | str = PlanTier.FREE,
    account_manager: User | None = None,
    notes: str = "",
) -> Organization:
    _require_editor(actor)
    if plan_tier not in PlanTier.values:
        raise Invalid(f"{plan_tier!r} is not a plan tier.", field="plan_tier")
    with transaction.atomic():
        organization = Organization.objects.create(
            name=_clean_name(name, "name", "An organisation"),
            plan_tier=plan_tier,
            account_manager=account_manager,
            notes=notes,
        )
        organization_index(organization)
    return organization


def contact_create(
    *,
    actor: User | None,
    organization: Organization,
    name: str,
    emails: Iterable[str] = (),
    phones: Iterable[str | tuple[str, PhoneKind]] = (),
    time_zone: str = "UTC",
    user: User | None = None,
) -> Contact:
    """Create a contact with its addresses; phones are normalised to E.164 or refused."""
    _require_editor(actor)
    clean_name = _clean_name(name, "name", "A contact")
    tz = _clean_time_zone(time_zone)
    addresses = list(dict.fromkeys(clean_email(e) for e in emails))
    numbers: dict[str, tuple[str, PhoneKind]] = {}
    for item in phones:
        raw, kind = (item, PhoneKind.WORK) if isinstance(item, str) else item
        numbers.setdefault(_normalise(raw), (raw.strip(), kind))
    with transaction.atomic():
        contact = Contact.objects.create(
            organization=organization, name=clean_name, time_zone=tz, user=user
        )
        ContactEmail.objects.bulk_create(
            ContactEmail(contact=contact, address=a, is_primary=i == 0)
            for i, a in enumerate(addresses)
        )
        ContactPhone.objects.bulk_create(
            ContactPhone(contact=contact, number=n, raw=raw, kind=kind)
            for n, (raw, kind) in numbers.items()
        )
        contact_index(contact, organization=organization, emails=addresses, phones=numbers)
    return contact


def _normalise(raw: str) -> str:
    try:
        return normalise_phone(raw, settings.DEFAULT_PHONE_REGION)
    except PhoneNumberError as exc:
        raise Invalid(str(exc), field="phones") from None


def contact_add_phone(
    *, actor: User | None, contact: Contact, raw: str, kind: PhoneKind = PhoneKind.WORK
) -> ContactPhone:
    _require_editor(actor)
    number = _normalise(raw)
    if contact.phones.filter(number=number).exists():
        raise Invalid(f"{contact.name} already has the number {number}.", field="phones")
    with transaction.atomic():
        phone = ContactPhone.objects.create(
            contact=contact, number=number, raw=raw.strip(), kind=kind
        )
        contact_index_append(contact, phone_forms(number))
    return phone


def contact_add_email(*, actor: User | None, contact: Contact, address: str) -> ContactEmail:
    _require_editor(actor)
    clean = clean_email(address)
    if contact.emails.filter(address=clean).exists():
        raise Invalid(f"{contact.name} already has the address {clean}.", field="emails")
    primary = not contact.emails.exists()
    with transaction.atomic():
        email = ContactEmail.objects.create(contact=contact, address=clean, is_primary=primary)
        contact_index_append(contact, clean)
    return email


def site_create(
    *,
    actor: User | None,
    organization: Organization,
    name: str,
    address: str = "",
    city: str = "",
    postcode: str = "",
    country: str = "",
    region: str = "",
    time_zone: str = "UTC",
) -> Site:
    _require_editor(actor)
    if country and (len(country) != 2 or not country.isalpha()):
        raise Invalid(f"{country!r} is not a two-letter country code.", field="country")
    with transaction.atomic():
        site = Site.objects.create(
            organization=organization,
            name=_clean_name(name, "name", "A site"),
            address=address,
            city=city,
            postcode=postcode,
            country=country.upper(),
            region=region,
            time_zone=_clean_time_zone(time_zone),
        )
        organization_index_append(organization.pk, site_text(site))
    return site


def asset_create(
    *,
    actor: User | None,
    organization: Organization,
    product: str,
    serial_number: str,
    site: Site | None = None,
    warranty_end: dt.date | None = None,
) -> Asset:
    _require_editor(actor)
    serial = (serial_number or "").strip()
    product_name = _clean_name(product, "product", "An asset's product")
    if not serial:
        raise Invalid("An asset needs a serial number.", field="serial_number")
    if len(serial) > 100:
        raise Invalid("The serial number is longer than 100 characters.", field="serial_number")
    if site is not None and site.organization_id != organization.pk:
        raise Invalid("The site belongs to another organisation.", field="site")
    if Asset.objects.filter(product=product_name, serial_number=serial).exists():
        raise Invalid(
            f"{product_name} with serial number {serial} is registered already.",
            field="serial_number",
        )
    with transaction.atomic():
        asset = Asset.objects.create(
            organization=organization,
            site=site,
            product=product_name,
            serial_number=serial,
            warranty_end=warranty_end,
        )
        organization_index_append(organization.pk, asset_text(asset))
    return asset
