"""The vendor directory in the REST API (/api/v1/vendors): list with a text filter, one vendor
with whether their support answers now, and adding and changing vendors (vendor.manage).

Vendors are for staff who read the knowledge base; anyone else gets the same 404 for a vendor
that exists and one that does not, and a 403 for the list.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, P, Query, Router, Schema, Status
from ninja.params import PathEx
from pydantic import ConfigDict, StringConstraints

from followthrough.accounts.access import require_capability
from followthrough.accounts.capabilities import Capability
from followthrough.accounts.decorators import signed_in_user
from followthrough.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from followthrough.core.schemas import Problem
from followthrough.knowledge.access import access_vendor
from followthrough.knowledge.models import Vendor
from followthrough.knowledge.selectors.vendors import VendorDetail, vendor_detail, vendor_directory
from followthrough.knowledge.services.vendors import (
    MAX_EMAIL,
    MAX_HOURS,
    MAX_NAME,
    MAX_NOTES,
    MAX_PRODUCTS,
    MAX_URL,
    vendor_create,
    vendor_update,
)

router = Router(tags=["vendors"])

READ_PROBLEMS: dict[int, Any] = {401: Problem, 403: Problem, 404: Problem, 422: Problem}
WRITE_PROBLEMS: dict[int, Any] = {**READ_PROBLEMS, 409: Problem}

Id = PathEx[int, P(ge=1, le=2**63 - 1)]
Name = Annotated[str, StringConstraints(max_length=MAX_NAME)]
# Raw input is allowed a little longer than what is stored: the services trim and then judge.
Phone = Annotated[str, StringConstraints(max_length=64)]
Url = Annotated[str, StringConstraints(max_length=MAX_URL + 50)]
Email = Annotated[str, StringConstraints(max_length=MAX_EMAIL)]
Hours = Annotated[str, StringConstraints(max_length=MAX_HOURS + 50)]
TimeZone = Annotated[str, StringConstraints(max_length=64)]
Notes = Annotated[str, StringConstraints(max_length=MAX_NOTES)]
Products = Annotated[list[Name], Field(max_length=MAX_PRODUCTS)]


class Input(Schema):
    # An unknown field is a mistake the caller wants to hear about, not something to drop.
    model_config = ConfigDict(extra="forbid")


class VendorIn(Input):
    name: Name
    support_phone: Phone = ""
    support_url: Url = ""
    support_email: Email = ""
    hours: Hours = Field("", description='When their support answers, like "Mon-Fri 08:00-18:00".')
    time_zone: TimeZone = Field("UTC", description="The zone their hours are in (IANA name).")
    notes: Notes = ""
    products: Products = Field(default_factory=list)


class VendorPatchIn(Input):
    """Only the fields sent change; `products` replaces the vendor's list of products."""

    name: Name | None = None
    support_phone: Phone | None = None
    support_url: Url | None = None
    support_email: Email | None = None
    hours: Hours | None = None
    time_zone: TimeZone | None = None
    notes: Notes | None = None
    products: Products | None = None
    is_active: bool | None = None


class VendorListQuery(Input):
    q: Annotated[str, StringConstraints(max_length=100)] = ""
    active: bool = False
    cursor: Annotated[str, StringConstraints(max_length=400)] | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class VendorOut(Schema):
    id: int
    name: str
    support_phone: str = Field(description="E.164, like +15551234567; empty when unknown.")
    support_url: str
    support_email: str
    hours: str
    time_zone: str
    notes: str
    is_active: bool
    products: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_products(obj: Vendor | dict[str, Any]) -> list[str]:
        if isinstance(obj, dict):  # a detail, built with its products already read
            return list(obj["products"])
        return [product.name for product in obj.products.all()]


class VendorPage(Schema):
    items: list[VendorOut]
    next_cursor: str | None


class OutcomeCountOut(Schema):
    outcome: str
    label: str
    count: int


class VendorDetailOut(VendorOut):
    local_time: dt.datetime = Field(description="The time now where the vendor is.")
    hours_understood: bool = Field(description="Whether `hours` is in a form we can read.")
    open_now: bool | None = Field(description="null when the hours could not be read.")
    next_change: dt.datetime | None = Field(
        description="When they next open (while closed) or close (while open)."
    )
    referrals: int
    outcomes: list[OutcomeCountOut]


def _detail(detail: VendorDetail) -> VendorDetailOut:
    vendor = detail.vendor
    return VendorDetailOut.model_validate(
        {name: getattr(vendor, name) for name in VendorOut.model_fields if name != "products"}
        | {
            "products": [p.name for p in detail.products],
            "local_time": detail.opening.local_time,
            "hours_understood": detail.opening.understood,
            "open_now": detail.opening.is_open,
            "next_change": detail.opening.next_change,
            "referrals": detail.referrals,
            "outcomes": [vars(o) for o in detail.outcomes],
        }
    )


@router.get("/vendors", response={200: VendorPage, **READ_PROBLEMS}, url_name="vendor_list")
def list_vendors(request: HttpRequest, filters: Query[VendorListQuery]) -> Page[Vendor]:
    """The directory by name; `q` matches part of a vendor's or one of its products' names,
    `active=true` leaves out vendors no longer offered for referrals."""
    require_capability(signed_in_user(request), Capability.KB_VIEW)
    return vendor_directory(
        text=filters.q, active_only=filters.active, cursor=filters.cursor, limit=filters.limit
    )


@router.post(
    "/vendors", response={201: VendorDetailOut, **WRITE_PROBLEMS}, url_name="vendor_create"
)
def create_vendor(request: HttpRequest, payload: VendorIn) -> Status:
    vendor = vendor_create(actor=signed_in_user(request), **payload.dict())
    return Status(201, _detail(vendor_detail(vendor)))


@router.get(
    "/vendors/{vendor_id}", response={200: VendorDetailOut, **READ_PROBLEMS}, url_name="vendor_get"
)
def get_vendor(request: HttpRequest, vendor_id: Id) -> Status:
    vendor = access_vendor(signed_in_user(request), vendor_id)
    return Status(200, _detail(vendor_detail(vendor)))


@router.patch(
    "/vendors/{vendor_id}",
    response={200: VendorDetailOut, **WRITE_PROBLEMS},
    url_name="vendor_update",
)
def update_vendor(request: HttpRequest, vendor_id: Id, payload: VendorPatchIn) -> Status:
    """Change what is sent. `is_active: false` takes the vendor out of the referral picker."""
    actor = signed_in_user(request)
    vendor = access_vendor(actor, vendor_id)
    vendor = vendor_update(actor=actor, vendor=vendor, **payload.dict(exclude_unset=True))
    return Status(200, _detail(vendor_detail(vendor)))
