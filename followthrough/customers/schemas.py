"""API schemas for customer records: what the API takes in and what it gives out."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import ConfigDict, StringConstraints

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.schemas import PersonRef
from followthrough.customers.models import (
    Asset,
    Contact,
    ContactEmail,
    ContactPhone,
    Organization,
    PhoneKind,
    PlanTier,
)
from followthrough.customers.selectors import CustomerMatch

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
TimeZone = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class Input(Schema):
    # An unknown field is a mistake the caller wants to hear about, not something to drop.
    model_config = ConfigDict(extra="forbid")


# --- In -------------------------------------------------------------------------------------


class OrganizationIn(Input):
    name: Name
    plan_tier: PlanTier = PlanTier.FREE
    account_manager_id: int | None = None
    notes: Annotated[str, StringConstraints(max_length=10_000)] = ""


class PhoneIn(Input):
    number: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    kind: PhoneKind = PhoneKind.WORK


class ContactIn(Input):
    organization_id: int
    name: Name
    emails: list[Annotated[str, StringConstraints(min_length=1, max_length=254)]] = Field(
        default_factory=list, max_length=10
    )
    phones: list[PhoneIn] = Field(default_factory=list, max_length=10)
    time_zone: TimeZone = "UTC"


class SiteIn(Input):
    organization_id: int
    name: Name
    address: Annotated[str, StringConstraints(max_length=2_000)] = ""
    city: Annotated[str, StringConstraints(max_length=100)] = ""
    postcode: Annotated[str, StringConstraints(max_length=20)] = ""
    country: Annotated[str, StringConstraints(max_length=2)] = ""
    region: Annotated[str, StringConstraints(max_length=100)] = ""
    time_zone: TimeZone = "UTC"


class AssetIn(Input):
    organization_id: int
    site_id: int | None = None
    product: Name
    serial_number: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    warranty_end: dt.date | None = None


# --- Out ------------------------------------------------------------------------------------


class OrganizationRef(Schema):
    id: int
    name: str


class OrganizationOut(Schema):
    id: int
    name: str
    plan_tier: PlanTier
    account_manager: PersonRef | None
    # Agents' notes about the account; a portal customer gets null.
    notes: str | None
    created_at: dt.datetime

    @staticmethod
    def resolve_notes(obj: Organization, context: dict[str, Any]) -> str | None:
        user = context["request"].user
        return obj.notes if user.has_capability(Capability.CUSTOMER_VIEW) else None


class PhoneOut(Schema):
    number: str
    raw: str
    kind: PhoneKind


class EmailOut(Schema):
    address: str
    is_primary: bool


class ContactOut(Schema):
    id: int
    organization: OrganizationRef
    name: str
    time_zone: str
    is_active: bool
    emails: list[EmailOut]
    phones: list[PhoneOut]
    created_at: dt.datetime

    @staticmethod
    def resolve_emails(obj: Contact) -> list[ContactEmail]:
        return list(obj.emails.all())

    @staticmethod
    def resolve_phones(obj: Contact) -> list[ContactPhone]:
        return list(obj.phones.all())


class SiteOut(Schema):
    id: int
    organization: OrganizationRef
    name: str
    address: str
    city: str
    postcode: str
    country: str
    region: str
    time_zone: str
    created_at: dt.datetime


class SiteRef(Schema):
    id: int
    name: str


class AssetOut(Schema):
    id: int
    organization: OrganizationRef
    site: SiteRef | None
    product: str
    serial_number: str
    warranty_end: dt.date | None
    created_at: dt.datetime

    @staticmethod
    def resolve_site(obj: Asset) -> Any:
        return obj.site if obj.site_id is not None else None


class OrganizationPage(Schema):
    items: list[OrganizationOut]
    next_cursor: str | None


class ContactPage(Schema):
    items: list[ContactOut]
    next_cursor: str | None


class SitePage(Schema):
    items: list[SiteOut]
    next_cursor: str | None


class AssetPage(Schema):
    items: list[AssetOut]
    next_cursor: str | None


class MatchOut(Schema):
    """One customer the lookup found: a contact (by phone, email or name) or an asset's owner
    (by serial number)."""

    matched_by: str
    organization: OrganizationRef
    contact: ContactOut | None
    assets: list[AssetOut]

    @staticmethod
    def resolve_organization(obj: CustomerMatch) -> Organization:
        if obj.contact is not None:
            return obj.contact.organization
        return obj.assets[0].organization


class LookupOut(Schema):
    query: str
    items: list[MatchOut]
