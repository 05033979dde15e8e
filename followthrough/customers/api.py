"""The customers part of the REST API (/api/v1/): organisations, contacts, sites, assets and
the caller lookup (by phone in any format, email, name or serial number).

A portal customer sees only their own organisation; missing and forbidden answer the same 404.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, Prefetch, QuerySet, prefetch_related_objects
from django.http import HttpRequest
from ninja import P, Query, QueryEx, Router, Status

from followthrough.accounts.access import require_capability
from followthrough.accounts.capabilities import Capability
from followthrough.accounts.decorators import signed_in_user
from followthrough.accounts.models import User
from followthrough.accounts.schemas import PageParams
from followthrough.accounts.selectors import staff_users
from followthrough.core.errors import Invalid, NotFound
from followthrough.core.pagination import Page, keyset_page
from followthrough.core.schemas import Problem
from followthrough.customers.access import (
    access_contact,
    access_organization,
    actor_organization_id,
)
from followthrough.customers.models import (
    Asset,
    Contact,
    ContactEmail,
    ContactPhone,
    Organization,
    Site,
)
from followthrough.customers.schemas import (
    AssetIn,
    AssetOut,
    AssetPage,
    ContactIn,
    ContactOut,
    ContactPage,
    LookupOut,
    OrganizationIn,
    OrganizationOut,
    OrganizationPage,
    SiteIn,
    SiteOut,
    SitePage,
)
from followthrough.customers.selectors import MAX_QUERY, customer_lookup
from followthrough.customers.services import (
    asset_create,
    contact_create,
    organization_create,
    site_create,
)

router = Router(tags=["customers"])

# Every refusal is application/problem+json with a stable `code`.
PROBLEMS: dict[Any, type[Problem]] = {frozenset({401, 403, 404, 422, 429}): Problem}

M = TypeVar("M", bound=Model)


# --- Organisations --------------------------------------------------------------------------


@router.get("/customers/organizations", response={200: OrganizationPage, **PROBLEMS})
def list_organizations(request: HttpRequest, page: Query[PageParams]) -> Page[Any]:
    actor = signed_in_user(request)
    organizations = _visible(actor, Organization.objects.select_related("account_manager"), "pk")
    return keyset_page(organizations, field="created_at", cursor=page.cursor, limit=page.limit)


@router.get(
    "/customers/organizations/{organization_id}", response={200: OrganizationOut, **PROBLEMS}
)
def get_organization(request: HttpRequest, organization_id: int) -> Any:
    return access_organization(signed_in_user(request), organization_id)


@router.post("/customers/organizations", response={201: OrganizationOut, **PROBLEMS})
def create_organization(request: HttpRequest, payload: OrganizationIn) -> Status[Any]:
    manager = None
    if payload.account_manager_id is not None:
        manager = _staff_member(payload.account_manager_id)
    organization = organization_create(
        actor=signed_in_user(request),
        name=payload.name,
        plan_tier=payload.plan_tier,
        account_manager=manager,
        notes=payload.notes,
    )
    return Status(201, organization)


# --- Contacts -------------------------------------------------------------------------------


@router.get("/customers/contacts", response={200: ContactPage, **PROBLEMS})
def list_contacts(
    request: HttpRequest, page: Query[PageParams], organization: int | None = None
) -> Page[Any]:
    actor = signed_in_user(request)
    contacts = _visible(
        actor,
        Contact.objects.select_related("organization").prefetch_related(*_contact_details()),
        "organization_id",
    )
    if organization is not None:
        contacts = contacts.filter(organization=access_organization(actor, organization))
    return keyset_page(contacts, field="created_at", cursor=page.cursor, limit=page.limit)


@router.get("/customers/contacts/{contact_id}", response={200: ContactOut, **PROBLEMS})
def get_contact(request: HttpRequest, contact_id: int) -> Any:
    contact = access_contact(signed_in_user(request), contact_id)
    prefetch_related_objects([contact], *_contact_details())
    return contact


@router.post("/customers/contacts", response={201: ContactOut, **PROBLEMS})
def create_contact(request: HttpRequest, payload: ContactIn) -> Status[Any]:
    actor = signed_in_user(request)
    contact = contact_create(
        actor=actor,
        organization=access_organization(actor, payload.organization_id),
        name=payload.name,
        emails=payload.emails,
        phones=[(phone.number, phone.kind) for phone in payload.phones],
        time_zone=payload.time_zone,
    )
    prefetch_related_objects([contact], *_contact_details())
    return Status(201, contact)


# --- Sites ----------------------------------------------------------------------------------


@router.get("/customers/sites", response={200: SitePage, **PROBLEMS})
def list_sites(
    request: HttpRequest, page: Query[PageParams], organization: int | None = None
) -> Page[Any]:
    actor = signed_in_user(request)
    sites = _visible(actor, Site.objects.select_related("organization"), "organization_id")
    if organization is not None:
        sites = sites.filter(organization=access_organization(actor, organization))
    return keyset_page(sites, field="created_at", cursor=page.cursor, limit=page.limit)


@router.get("/customers/sites/{site_id}", response={200: SiteOut, **PROBLEMS})
def get_site(request: HttpRequest, site_id: int) -> Any:
    return _site(signed_in_user(request), site_id)


@router.post("/customers/sites", response={201: SiteOut, **PROBLEMS})
def create_site(request: HttpRequest, payload: SiteIn) -> Status[Any]:
    actor = signed_in_user(request)
    fields = payload.dict(exclude={"organization_id"})
    site = site_create(
        actor=actor, organization=access_organization(actor, payload.organization_id), **fields
    )
    return Status(201, site)


# --- Assets ---------------------------------------------------------------------------------


@router.get("/customers/assets", response={200: AssetPage, **PROBLEMS})
def list_assets(
    request: HttpRequest,
    page: Query[PageParams],
    organization: int | None = None,
    site: int | None = None,
) -> Page[Any]:
    actor = signed_in_user(request)
    assets = _visible(
        actor, Asset.objects.select_related("organization", "site"), "organization_id"
    )
    if organization is not None:
        assets = assets.filter(organization=access_organization(actor, organization))
    if site is not None:
        assets = assets.filter(site=_site(actor, site))
    return keyset_page(assets, field="created_at", cursor=page.cursor, limit=page.limit)


@router.get("/customers/assets/{asset_id}", response={200: AssetOut, **PROBLEMS})
def get_asset(request: HttpRequest, asset_id: int) -> Any:
    actor = signed_in_user(request)
    asset = Asset.objects.select_related("organization", "site").filter(pk=asset_id).first()
    if asset is None:
        raise NotFound("Asset")
    _check_visible(actor, asset.organization_id, "Asset")
    return asset


@router.post("/customers/assets", response={201: AssetOut, **PROBLEMS})
def create_asset(request: HttpRequest, payload: AssetIn) -> Status[Any]:
    actor = signed_in_user(request)
    organization = access_organization(actor, payload.organization_id)
    site = _site(actor, payload.site_id) if payload.site_id is not None else None
    asset = asset_create(
        actor=actor,
        organization=organization,
        site=site,
        product=payload.product,
        serial_number=payload.serial_number,
        warranty_end=payload.warranty_end,
    )
    return Status(201, asset)


# --- Lookup ---------------------------------------------------------------------------------


@router.get("/customers/lookup", response={200: LookupOut, **PROBLEMS})
def lookup(request: HttpRequest, q: QueryEx[str, P(max_length=MAX_QUERY)]) -> dict[str, Any]:
    """Who is calling? A phone number in any format, an email address, the start of a name,
    or a serial number. Cases are not part of this answer: ask GET /cases?contact=…"""
    require_capability(signed_in_user(request), Capability.CUSTOMER_VIEW)
    return {"query": q, "items": customer_lookup(q)}


# --- Helpers: scoping a list, and fetching what customers.access has no helper for ---------


def _contact_details() -> list[Prefetch[Any]]:
    return [
        Prefetch("emails", queryset=ContactEmail.objects.order_by("-is_primary", "address")),
        Prefetch("phones", queryset=ContactPhone.objects.order_by("kind", "number")),
    ]


def _visible(actor: User, rows: QuerySet[M], organization_field: str) -> QuerySet[M]:
    """Staff with customer.view see every customer; a portal customer their own organisation."""
    if actor.has_capability(Capability.CUSTOMER_VIEW):
        return rows
    if actor.has_capability(Capability.PORTAL):
        own = actor_organization_id(actor)
        return rows.filter(**{organization_field: own}) if own else rows.none()
    require_capability(actor, Capability.CUSTOMER_VIEW)
    return rows.none()


def _check_visible(actor: User, organization_id: int, what: str) -> None:
    try:
        access_organization(actor, organization_id)
    except NotFound:
        raise NotFound(what) from None


def _site(actor: User, site_id: int) -> Site:
    site = Site.objects.select_related("organization").filter(pk=site_id).first()
    if site is None:
        raise NotFound("Site")
    _check_visible(actor, site.organization_id, "Site")
    return site


def _staff_member(user_id: int) -> User:
    manager = staff_users().filter(pk=user_id).first()
    if manager is None:
        raise Invalid(
            "The account manager must be an active member of staff.", "account_manager_id"
        )
    return manager
