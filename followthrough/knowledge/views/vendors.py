"""The vendor directory's pages: the list, one vendor, and the add and edit forms.

Each view parses the form, fetches through access_vendor, calls one service or selector and
renders. A refusal is shown in words on the form, which keeps what was typed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.decorators import requires, signed_in_user
from followthrough.core.errors import ServiceError
from followthrough.core.phones import format_phone
from followthrough.core.timezones import available_time_zones
from followthrough.knowledge.access import access_vendor
from followthrough.knowledge.models import Vendor
from followthrough.knowledge.selectors.vendors import vendor_detail as vendor_detail_read
from followthrough.knowledge.selectors.vendors import vendor_directory, vendor_product
from followthrough.knowledge.services.vendors import (
    MAX_HOURS,
    MAX_NAME,
    MAX_NOTES,
    MAX_URL,
    vendor_add_product,
    vendor_create,
    vendor_remove_product,
    vendor_set_active,
    vendor_update,
)

PAGE_SIZE = 50
# Raw text a little longer than what is stored still reaches the service, whose refusal
# says in words what the limit is; anything longer is refused by the form.
SLACK = 50


def _text(max_length: int, *, label: str, required: bool = False, **attrs: Any) -> forms.Field:
    return forms.CharField(
        required=required,
        max_length=max_length + SLACK,
        label=label,
        widget=forms.TextInput(attrs=attrs),
    )


class VendorForm(forms.Form):
    name = _text(MAX_NAME, label="Name", required=True, autocomplete="organization")
    support_phone = _text(64, label="Support phone", inputmode="tel", autocomplete="off")
    support_url = _text(MAX_URL, label="Support site", inputmode="url", placeholder="https://")
    support_email = _text(254, label="Support email", inputmode="email")
    hours = _text(MAX_HOURS, label="Support hours", placeholder="Mon-Fri 08:00-18:00")
    time_zone = _text(64, label="Their time zone", required=True, list="time-zones")
    notes = forms.CharField(
        required=False,
        max_length=MAX_NOTES + SLACK,
        label="Notes for agents",
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class NewVendorForm(VendorForm):
    products = forms.CharField(
        required=False,
        max_length=20_000,
        label="Their products",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_products(self) -> list[str]:
        lines = self.cleaned_data["products"].splitlines()
        return [line.strip() for line in lines if line.strip()]


class ProductForm(forms.Form):
    name = _text(MAX_NAME, label="Add a product", required=True)


def _refused(form: forms.Form, error: ServiceError) -> None:
    """Put the service's refusal on the field it names (or on the form as a whole)."""
    name = str(error.details.get("field") or "")
    form.add_error(name if name in form.fields else None, error.message)


def _form_context(form: forms.Form, **extra: Any) -> dict[str, Any]:
    return {"form": form, "time_zones": sorted(available_time_zones()), "nav": "kb", **extra}


@require_GET
@requires(Capability.KB_VIEW)
def vendor_list(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")[:100]
    active_only = request.GET.get("active") == "1"
    page = vendor_directory(
        text=text, active_only=active_only, cursor=request.GET.get("cursor"), limit=PAGE_SIZE
    )
    user = signed_in_user(request)
    return render(
        request,
        "knowledge/vendor_list.html",
        {
            "page": page,
            "rows": [
                (v, format_phone(v.support_phone) if v.support_phone else "") for v in page.items
            ],
            "q": text,
            "active_only": active_only,
            "after_first": bool(request.GET.get("cursor")),
            "can_manage": user.has_capability(Capability.VENDOR_MANAGE),
            "nav": "kb",
        },
    )


@require_GET
@requires(Capability.KB_VIEW)
def vendor_detail(request: HttpRequest, vendor_id: int) -> HttpResponse:
    user = signed_in_user(request)
    vendor = access_vendor(user, vendor_id)
    return _detail_page(request, vendor)


def _detail_page(
    request: HttpRequest, vendor: Vendor, product_form: ProductForm | None = None
) -> HttpResponse:
    """The vendor page; a refused product form is shown in it, in words, keeping what was
    typed (answered 200 like every re-rendered form of the workspace)."""
    user = signed_in_user(request)
    context = {
        "detail": vendor_detail_read(vendor),
        "can_manage": user.has_capability(Capability.VENDOR_MANAGE),
        "can_report": user.has_capability(Capability.REPORT_VIEW),
        "product_form": product_form or ProductForm(auto_id="product-%s"),
        "nav": "kb",
    }
    return render(request, "knowledge/vendor_detail.html", context)


@require_http_methods(["GET", "POST"])
@requires(Capability.VENDOR_MANAGE)
def vendor_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if request.method == "GET":
        form = NewVendorForm(initial={"time_zone": user.time_zone or "UTC"})
        return render(request, "knowledge/vendor_form.html", _form_context(form))
    form = NewVendorForm(request.POST)
    if form.is_valid():
        try:
            vendor = vendor_create(actor=user, **form.cleaned_data)
        except ServiceError as error:
            _refused(form, error)
        else:
            messages.success(request, f"{vendor.name} is in the directory.")
            return redirect("vendor_detail", vendor_id=vendor.pk)
    return render(request, "knowledge/vendor_form.html", _form_context(form))


@require_http_methods(["GET", "POST"])
@requires(Capability.VENDOR_MANAGE)
def vendor_edit(request: HttpRequest, vendor_id: int) -> HttpResponse:
    user = signed_in_user(request)
    vendor = access_vendor(user, vendor_id)
    if request.method == "GET":
        form = VendorForm(initial={name: getattr(vendor, name) for name in VendorForm.base_fields})
        return render(request, "knowledge/vendor_form.html", _form_context(form, vendor=vendor))
    form = VendorForm(request.POST)
    if form.is_valid():
        try:
            vendor_update(actor=user, vendor=vendor, **form.cleaned_data)
        except ServiceError as error:
            _refused(form, error)
        else:
            messages.success(request, f"{form.cleaned_data['name'].strip()} is saved.")
            return redirect("vendor_detail", vendor_id=vendor.pk)
    return render(request, "knowledge/vendor_form.html", _form_context(form, vendor=vendor))


@require_POST
@requires(Capability.VENDOR_MANAGE)
def vendor_active(request: HttpRequest, vendor_id: int) -> HttpResponse:
    user = signed_in_user(request)
    vendor = access_vendor(user, vendor_id)
    active = request.POST.get("active") == "1"
    vendor = vendor_set_active(actor=user, vendor=vendor, active=active)
    if active:
        messages.success(request, f"{vendor.name} is offered for referrals again.")
    else:
        messages.success(
            request, f"{vendor.name} is no longer offered for referrals; past ones keep it."
        )
    return redirect("vendor_detail", vendor_id=vendor.pk)


@require_POST
@requires(Capability.VENDOR_MANAGE)
def vendor_product_add(request: HttpRequest, vendor_id: int) -> HttpResponse:
    user = signed_in_user(request)
    vendor = access_vendor(user, vendor_id)
    form = ProductForm(request.POST, auto_id="product-%s")
    if form.is_valid():
        try:
            product = vendor_add_product(actor=user, vendor=vendor, name=form.cleaned_data["name"])
        except ServiceError as error:
            _refused(form, error)
        else:
            messages.success(request, f"{product.name} is listed as {vendor.name}'s product.")
            return redirect("vendor_detail", vendor_id=vendor.pk)
    return _detail_page(request, vendor, product_form=form)


@require_POST
@requires(Capability.VENDOR_MANAGE)
def vendor_product_remove(request: HttpRequest, vendor_id: int, product_id: int) -> HttpResponse:
    user = signed_in_user(request)
    vendor = access_vendor(user, vendor_id)
    product = vendor_product(vendor, product_id)
    if product is None:
        raise Http404("No such product of this vendor.")
    vendor_remove_product(actor=user, vendor=vendor, product=product)
    messages.success(request, f"{product.name} is no longer listed as {vendor.name}'s product.")
    return redirect("vendor_detail", vendor_id=vendor.pk)
