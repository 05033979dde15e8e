"""Reads for the vendor directory: the list with a text filter, one vendor with its products,
whether their support answers right now (in their time zone) and how referrals to them went.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from followthrough.core.errors import Invalid
from followthrough.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from followthrough.core.phones import format_phone
from followthrough.knowledge.models import Product, Vendor
from followthrough.knowledge.vendor_hours import Opening, opening

MAX_FILTER = 100


def _products() -> Prefetch[Any]:
    return Prefetch("products", queryset=Product.objects.order_by("name"))


def _encode(name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{pk}|{name}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[str, int]:
    try:
        text = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
        pk, name = text.split("|", 1)
        return name, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Invalid("The page cursor is not one this desk gave out.", field="cursor") from None


def vendor_directory(
    *,
    text: str = "",
    active_only: bool = False,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[Vendor]:
    """Vendors by name, a page at a time (a keyset on name and id), with their products.

    `text` matches part of the vendor's name or of one of their products' names.
    """
    vendors: QuerySet[Vendor] = Vendor.objects.all()
    words = " ".join((text or "").split())[:MAX_FILTER]
    if words:
        owning = Product.objects.filter(name__icontains=words, vendor__isnull=False)
        vendors = vendors.filter(Q(name__icontains=words) | Q(pk__in=owning.values("vendor_id")))
    if active_only:
        vendors = vendors.filter(is_active=True)
    if cursor:
        name, pk = _decode(cursor)
        vendors = vendors.filter(Q(name__gt=name) | Q(name=name, pk__gt=pk))
    size = max(1, min(int(limit), MAX_LIMIT))
    rows = list(vendors.order_by("name", "pk").prefetch_related(_products())[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(items=rows, next_cursor=_encode(rows[-1].name, rows[-1].pk) if more else None)


def vendor_product(vendor: Vendor, product_id: int) -> Product | None:
    """One of the vendor's products by id; None when it is not theirs."""
    return Product.objects.filter(pk=product_id, vendor=vendor).first()


def active_vendors() -> list[Vendor]:
    """The vendors a referral may name, for pickers (one query)."""
    return list(Vendor.objects.filter(is_active=True).order_by("name", "pk"))


def _outcome_labels() -> dict[str, str]:
    """The referral outcomes' labels, read from the referral model the cases app declares
    against Vendor (knowledge sits below cases and imports nothing from it)."""
    relation = Vendor._meta.get_field("referrals")
    model = relation.related_model
    if model is None or isinstance(model, str):  # pragma: no cover - the cases app is installed
        return {}
    outcome = model._meta.get_field("outcome")
    choices = getattr(outcome, "choices", None) or []
    return {str(value): str(label) for value, label in choices}


@dataclass(frozen=True)
class OutcomeCount:
    outcome: str
    label: str
    count: int


@dataclass
class VendorDetail:
    vendor: Vendor
    products: list[Product]
    opening: Opening
    phone_display: str
    referrals: int = 0
    outcomes: list[OutcomeCount] = field(default_factory=list)


def referral_outcomes(vendor: Vendor) -> tuple[int, list[OutcomeCount]]:
    """How many referrals named this vendor, and how each turned out (one grouped query)."""
    rows = (
        Vendor.objects.filter(pk=vendor.pk, referrals__isnull=False)
        .values("referrals__outcome")
        .annotate(n=Count("referrals"))
        .order_by()
    )
    counts = {str(row["referrals__outcome"]): int(row["n"]) for row in rows}
    labels = _outcome_labels()
    outcomes = [OutcomeCount(key, label, counts.get(key, 0)) for key, label in labels.items()]
    return sum(counts.values()), outcomes


def vendor_detail(vendor: Vendor, *, at: dt.datetime | None = None) -> VendorDetail:
    """One vendor as the agent about to refer a customer needs it (two queries)."""
    products = list(Product.objects.filter(vendor=vendor).order_by("name"))
    total, outcomes = referral_outcomes(vendor)
    return VendorDetail(
        vendor=vendor,
        products=products,
        opening=opening(vendor.hours, vendor.time_zone, at or timezone.now()),
        phone_display=format_phone(vendor.support_phone) if vendor.support_phone else "",
        referrals=total,
        outcomes=outcomes,
    )
