"""Writes for the vendor directory: the third parties a referral sends a customer to.

Every write checks vendor.manage, cleans what was typed (a phone number to E.164, a support
link that is http or https only, a real time zone) and rewrites the vendor's search document
in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction

from followthrough.accounts.access import require_capability
from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import User
from followthrough.core.errors import Invalid
from followthrough.core.phones import PhoneNumberError, format_phone, normalise_phone
from followthrough.core.search import index_document
from followthrough.core.timezones import is_time_zone
from followthrough.knowledge.models import Product, Vendor

# The search document kind of a vendor (see search-interface.md).
VENDOR_KIND = "vendor"

MAX_NAME = 200
MAX_URL = 500
MAX_EMAIL = 254
MAX_HOURS = 200
MAX_NOTES = 10_000
MAX_PRODUCTS = 200
EDITABLE = ("name", "support_phone", "support_url", "support_email", "hours", "time_zone", "notes")

_url = URLValidator(schemes=["http", "https"])


def _name(value: str, *, field: str, what: str, exclude: int | None = None) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise Invalid(f"{what} needs a name.", field=field)
    if len(text) > MAX_NAME:
        raise Invalid(f"{what}'s name is longer than {MAX_NAME} characters.", field=field)
    return text


def clean_vendor_name(value: str, *, vendor: Vendor | None = None) -> str:
    text = _name(value, field="name", what="A vendor")
    taken = Vendor.objects.filter(name__iexact=text)
    if vendor is not None:
        taken = taken.exclude(pk=vendor.pk)
    existing = taken.only("name").first()
    if existing is not None:
        raise Invalid(f"{existing.name} is in the directory already.", field="name")
    return text


def clean_support_phone(value: str) -> str:
    """The support number as E.164, or empty; refused with the reason when it is no number."""
    text = (value or "").strip()
    if not text:
        return ""
    try:
        return normalise_phone(text, settings.DEFAULT_PHONE_REGION)
    except PhoneNumberError as exc:
        raise Invalid(str(exc), field="support_phone") from None


def clean_support_url(value: str) -> str:
    """An http or https link, or empty. Anything else (javascript:, data:, ftp:) is refused:
    the link is shown to agents as something to click."""
    text = (value or "").strip()
    if not text:
        return ""
    if len(text) > MAX_URL:
        raise Invalid(f"The support link is longer than {MAX_URL} characters.", "support_url")
    scheme = urlsplit(text).scheme.lower() if ":" in text else ""
    if scheme not in ("http", "https"):
        shown = f"{scheme}:" if scheme else text[:40]
        raise Invalid(
            f"The support link must start with http:// or https:// (not {shown!r}).",
            field="support_url",
        )
    try:
        _url(text)
    except ValidationError:
        raise Invalid(f"{text[:80]!r} is not a web address.", field="support_url") from None
    return text


def clean_support_email(value: str) -> str:
    text = (value or "").strip().lower()
    if not text:
        return ""
    if len(text) > MAX_EMAIL:
        raise Invalid("The support email is too long.", field="support_email")
    try:
        validate_email(text)
    except ValidationError:
        raise Invalid(f"{value[:80]!r} is not an email address.", field="support_email") from None
    return text


def clean_hours(value: str) -> str:
    text = " ".join((value or "").split())
    if len(text) > MAX_HOURS:
        raise Invalid(f"The hours are longer than {MAX_HOURS} characters.", field="hours")
    return text


def clean_time_zone(value: str) -> str:
    text = (value or "").strip()
    if not is_time_zone(text):
        raise Invalid(
            f"{text[:64]!r} is not a time zone (write it like America/New_York).",
            field="time_zone",
        )
    return text


def clean_notes(value: str) -> str:
    text = (value or "").strip()
    if len(text) > MAX_NOTES:
        raise Invalid(f"The notes are longer than {MAX_NOTES:,} characters.", field="notes")
    return text


_CLEANERS = {
    "support_phone": clean_support_phone,
    "support_url": clean_support_url,
    "support_email": clean_support_email,
    "hours": clean_hours,
    "time_zone": clean_time_zone,
    "notes": clean_notes,
}


def _product_names(names: Iterable[str]) -> list[str]:
    cleaned = [_name(n, field="products", what="A product") for n in names]
    unique = list(dict.fromkeys(cleaned))
    if len(unique) > MAX_PRODUCTS:
        raise Invalid(f"A vendor lists at most {MAX_PRODUCTS} products.", field="products")
    return unique


def vendor_search_body(vendor: Vendor, products: Iterable[str]) -> str:
    """What a search for the vendor may match: products, hours, notes, how to reach them."""
    phone = (
        [vendor.support_phone, format_phone(vendor.support_phone)] if vendor.support_phone else []
    )
    parts = [
        ", ".join(products),
        vendor.hours,
        *phone,
        vendor.support_url,
        vendor.support_email,
        vendor.notes,
    ]
    return "\n".join(p for p in parts if p)


def vendor_index(vendor: Vendor) -> None:
    """Write (or rewrite) the vendor's search document; call inside the writing transaction."""
    products = Product.objects.filter(vendor=vendor).order_by("name").values_list("name", flat=True)
    index_document(
        kind=VENDOR_KIND,
        object_id=vendor.pk,
        title=vendor.name,
        body=vendor_search_body(vendor, products),
        created_at=vendor.created_at,
        status="active" if vendor.is_active else "inactive",
    )


def vendors_reindex() -> int:
    """Rewrite every vendor's search document (`followthrough search-reindex --kind vendor`)."""
    count = 0
    for vendor in Vendor.objects.order_by("pk").iterator(chunk_size=500):
        with transaction.atomic():
            vendor_index(vendor)
        count += 1
    return count


def _attach(vendor: Vendor, name: str) -> Product:
    """The product called `name`, now this vendor's; refused when another vendor has it."""
    product = Product.objects.select_for_update().filter(name__iexact=name).first()
    if product is None:
        return Product.objects.create(name=name, vendor=vendor)
    if product.vendor_id not in (None, vendor.pk):
        raise Invalid(
            f"{product.name} is another vendor's product: remove it there first.",
            field="products",
        )
    if product.vendor_id is None:
        product.vendor = vendor
        product.save(update_fields=["vendor"])
    return product


def _set_products(vendor: Vendor, names: list[str]) -> None:
    keep = {n.lower() for n in names}
    for product in Product.objects.select_for_update().filter(vendor=vendor):
        if product.name.lower() not in keep:
            product.vendor = None
            product.save(update_fields=["vendor"])
    for name in names:
        _attach(vendor, name)


def vendor_create(
    *,
    actor: User,
    name: str,
    support_phone: str = "",
    support_url: str = "",
    support_email: str = "",
    hours: str = "",
    time_zone: str = "UTC",
    notes: str = "",
    products: Iterable[str] = (),
) -> Vendor:
    """Add a vendor to the directory, with the products that are theirs."""
    require_capability(actor, Capability.VENDOR_MANAGE)
    fields = {
        "support_phone": clean_support_phone(support_phone),
        "support_url": clean_support_url(support_url),
        "support_email": clean_support_email(support_email),
        "hours": clean_hours(hours),
        "time_zone": clean_time_zone(time_zone),
        "notes": clean_notes(notes),
    }
    names = _product_names(products)
    clean_name = clean_vendor_name(name)
    try:
        with transaction.atomic():
            vendor = Vendor.objects.create(name=clean_name, **fields)
            for product in names:
                _attach(vendor, product)
            vendor_index(vendor)
    except IntegrityError:
        # Someone added the same name a moment ago (the unique constraint saw it first).
        raise Invalid(f"{clean_name} is in the directory already.", field="name") from None
    return vendor


def vendor_update(*, actor: User, vendor: Vendor, **changes: Any) -> Vendor:
    """Change the fields given (any of EDITABLE; `products`, the full list of the vendor's
    products; `is_active`); the others stay as they are."""
    require_capability(actor, Capability.VENDOR_MANAGE)
    unknown = sorted(set(changes) - {*EDITABLE, "products", "is_active"})
    if unknown:
        raise Invalid(f"A vendor has no field called {unknown[0]!r}.", field=unknown[0])
    active = changes.get("is_active")
    if active is not None and not isinstance(active, bool):
        raise Invalid("is_active is true or false.", field="is_active")
    with transaction.atomic():
        vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
        fields = []
        if active is not None and vendor.is_active != active:
            vendor.is_active = active
            fields.append("is_active")
        for field, value in changes.items():
            if field in ("products", "is_active"):
                continue
            if field == "name":
                clean = clean_vendor_name(value, vendor=vendor)
            else:
                clean = _CLEANERS[field](value if value is not None else "")
            if getattr(vendor, field) != clean:
                setattr(vendor, field, clean)
                fields.append(field)
        if fields:
            vendor.save(update_fields=[*fields, "updated_at"])
        if changes.get("products") is not None:
            _set_products(vendor, _product_names(changes["products"]))
        vendor_index(vendor)
    return vendor


def vendor_set_active(*, actor: User, vendor: Vendor, active: bool) -> Vendor:
    """Take a vendor out of the referral picker (or back in); past referrals keep it."""
    require_capability(actor, Capability.VENDOR_MANAGE)
    with transaction.atomic():
        vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
        if vendor.is_active != active:
            vendor.is_active = active
            vendor.save(update_fields=["is_active", "updated_at"])
            vendor_index(vendor)
    return vendor


def vendor_add_product(*, actor: User, vendor: Vendor, name: str) -> Product:
    """Name a product as this vendor's: an existing product nobody owns, or a new one."""
    require_capability(actor, Capability.VENDOR_MANAGE)
    clean = _name(name, field="name", what="A product")
    with transaction.atomic():
        vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
        product = _attach(vendor, clean)
        vendor_index(vendor)
    return product


def vendor_remove_product(*, actor: User, vendor: Vendor, product: Product) -> Product:
    """The product is no longer this vendor's. It stays, since articles may name it."""
    require_capability(actor, Capability.VENDOR_MANAGE)
    with transaction.atomic():
        vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
        product = Product.objects.select_for_update().get(pk=product.pk)
        if product.vendor_id != vendor.pk:
            raise Invalid(f"{product.name} is not {vendor.name}'s product.", field="product")
        product.vendor = None
        product.save(update_fields=["vendor"])
        vendor_index(vendor)
    return product
