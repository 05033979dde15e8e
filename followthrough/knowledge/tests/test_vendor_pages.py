"""The vendor directory's pages: the list, one vendor, the forms; refusals in words."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from followthrough.knowledge.models import Product, Vendor
from followthrough.knowledge.services.vendors import vendor_create
from followthrough.knowledge.tests.test_vendors import BRAND_X, brand_x, us_numbers, vendor_rows

__all__ = ["us_numbers"]  # the fixture, imported so pytest finds it here

FORM = {k: v for k, v in BRAND_X.items() if k != "products"} | {"products": "Vireo AV\nVireo VPN"}


def get(client, name, *args, **params):
    response = client.get(reverse(name, args=args), params)
    assert response.status_code == 200
    return response.content.decode()


def test_list_shows_vendors_with_products_phone_and_hours(client, agent, tier1_lead):
    brand_x(tier1_lead)
    client.force_login(agent)
    html = get(client, "vendor_list")
    assert "Brand X Corp" in html
    assert "Vireo AV, Vireo Firewall" in html
    assert 'href="tel:+12125550147"' in html and "+1 212-555-0147" in html
    assert "Mon-Fri 08:00-18:00" in html
    assert "Add a vendor" not in html  # agents read the directory; leads keep it


def test_list_filters_and_pages(client, agent, tier1_lead, settings):
    for i in range(3):
        vendor_create(actor=tier1_lead, name=f"Vendor {i}", products=[f"Tool {i}"])
    client.force_login(agent)
    html = get(client, "vendor_list", q="tool 1")
    assert "Vendor 1" in html and "Vendor 0" not in html
    html = get(client, "vendor_list", q="nothing like it")
    assert "No vendor or product matches" in html
    assert client.get(reverse("vendor_list"), {"cursor": "forged"}).status_code == 400


LIST_QUERIES = 5  # session, user, team (top bar), vendors, their products


def test_list_query_count_does_not_grow(client, agent, tier1_lead, django_assert_num_queries):
    client.force_login(agent)
    vendor_create(actor=tier1_lead, name="Only One", products=["A"])
    with django_assert_num_queries(LIST_QUERIES):
        get(client, "vendor_list")
    for i in range(30):
        vendor_create(actor=tier1_lead, name=f"Vendor {i}", products=[f"P{i}", f"Q{i}"])
    with django_assert_num_queries(LIST_QUERIES):
        html = get(client, "vendor_list")
    assert html.count('class="subject-link"') == 31


def test_detail_shows_how_to_reach_them_and_their_time(client, agent, tier1_lead):
    vendor = brand_x(tier1_lead)
    client.force_login(agent)
    html = get(client, "vendor_detail", vendor.pk)
    assert '<a class="vendor-phone" href="tel:+12125550147">+1 212-555-0147</a>' in html
    assert (
        '<a href="https://support.brandx.example/removal" rel="noopener noreferrer" '
        'target="_blank">' in html
    )
    assert "Mon-Fri 08:00-18:00" in html and "(America/New_York)" in html
    assert re.search(r"Open</span>|Closed</span>", html)
    assert "Ask for the ShieldGuard removal tool." in html
    assert "No case has been referred to them yet." in html
    assert "Edit" not in html


DETAIL_QUERIES = 6  # session, user, team (top bar), vendor (access), products, referral outcomes


def test_detail_query_count(client, agent, tier1_lead, django_assert_num_queries):
    vendor = brand_x(tier1_lead)
    client.force_login(agent)
    with django_assert_num_queries(DETAIL_QUERIES):
        get(client, "vendor_detail", vendor.pk)


def test_unreadable_hours_are_shown_as_typed(client, agent, tier1_lead):
    vendor = brand_x(tier1_lead, hours="Ask for Bob, mornings")
    client.force_login(agent)
    html = get(client, "vendor_detail", vendor.pk)
    assert "Ask for Bob, mornings" in html
    assert "not in a form we can read" in html


def test_portal_customers_get_no_directory(client, tier1_lead, customer_user):
    vendor = brand_x(tier1_lead)
    client.force_login(customer_user)
    assert client.get(reverse("vendor_list")).status_code == 403
    assert client.get(reverse("vendor_detail", args=[vendor.pk])).status_code == 403


def test_missing_vendor_is_404(client, agent):
    client.force_login(agent)
    assert client.get(reverse("vendor_detail", args=[987654])).status_code == 404


def test_lead_adds_a_vendor(client, tier1_lead):
    client.force_login(tier1_lead)
    assert "Add the vendor" in get(client, "vendor_create")
    response = client.post(reverse("vendor_create"), FORM)
    vendor = Vendor.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("vendor_detail", args=[vendor.pk])
    assert vendor.support_phone == "+12125550147"
    assert sorted(p.name for p in vendor.products.all()) == ["Vireo AV", "Vireo VPN"]


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("support_phone", "call them", "is not a phone number"),
        ("support_url", "javascript:alert(1)", "must start with http:// or https://"),
        ("time_zone", "Mars/Olympus", "is not a time zone"),
        ("name", "", "This field is required."),
    ],
)
def test_add_refusals_are_in_words_keep_what_was_typed_and_store_nothing(
    client, tier1_lead, field, value, words
):
    client.force_login(tier1_lead)
    response = client.post(reverse("vendor_create"), FORM | {field: value})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert words in html
    assert 'value="Mon-Fri 08:00-18:00"' in html  # what was typed stays
    assert Vendor.objects.count() == 0
    assert Product.objects.count() == 0
    # The refusal sits by the field it is about.
    field_html = html[html.index(f'id="id_{field}"') :]
    assert words in field_html[: field_html.index("</div>")] or field == "name"


def test_a_javascript_link_never_reaches_the_page(client, tier1_lead, agent):
    vendor = brand_x(tier1_lead)
    client.force_login(tier1_lead)
    data = FORM | {"support_url": "javascript:alert(document.cookie)"}
    client.post(reverse("vendor_edit", args=[vendor.pk]), data)
    client.force_login(agent)
    assert "javascript:" not in get(client, "vendor_detail", vendor.pk)


def test_lead_edits_a_vendor(client, tier1_lead):
    vendor = brand_x(tier1_lead)
    client.force_login(tier1_lead)
    html = get(client, "vendor_edit", vendor.pk)
    assert 'value="+12125550147"' in html
    assert 'list="time-zones"' in html and '<option value="Europe/Berlin">' in html
    data = FORM | {"hours": "24/7", "time_zone": "Europe/Berlin"}
    response = client.post(reverse("vendor_edit", args=[vendor.pk]), data)
    assert response.status_code == 302
    vendor.refresh_from_db()
    assert (vendor.hours, vendor.time_zone) == ("24/7", "Europe/Berlin")


def test_edit_refusal_changes_nothing(client, tier1_lead):
    vendor = brand_x(tier1_lead)
    vendor_create(actor=tier1_lead, name="Taken Name")
    before = vendor_rows()
    client.force_login(tier1_lead)
    response = client.post(reverse("vendor_edit", args=[vendor.pk]), FORM | {"name": "taken name"})
    assert response.status_code == 200
    assert "Taken Name is in the directory already." in response.content.decode()
    assert vendor_rows() == before


def test_agents_cannot_add_edit_or_deactivate(client, agent, tier1_lead):
    vendor = brand_x(tier1_lead)
    before = vendor_rows()
    client.force_login(agent)
    assert client.get(reverse("vendor_create")).status_code == 403
    assert client.post(reverse("vendor_create"), FORM | {"name": "New"}).status_code == 403
    assert client.post(reverse("vendor_edit", args=[vendor.pk]), FORM).status_code == 403
    url = reverse("vendor_set_active", args=[vendor.pk])
    assert client.post(url, {"active": "0"}).status_code == 403
    url = reverse("vendor_add_product", args=[vendor.pk])
    assert client.post(url, {"name": "Extra"}).status_code == 403
    assert vendor_rows() == before
    assert Product.objects.count() == 2


def test_lead_deactivates_and_manages_products(client, tier1_lead):
    vendor = brand_x(tier1_lead)
    client.force_login(tier1_lead)
    html = get(client, "vendor_detail", vendor.pk)
    assert "Stop offering for referrals" in html
    client.post(reverse("vendor_set_active", args=[vendor.pk]), {"active": "0"})
    vendor.refresh_from_db()
    assert not vendor.is_active
    assert "Offer for referrals again" in get(client, "vendor_detail", vendor.pk)
    response = client.post(reverse("vendor_add_product", args=[vendor.pk]), {"name": "Vireo VPN"})
    assert response.status_code == 302
    product = Product.objects.get(name="Vireo VPN")
    assert product.vendor == vendor
    remove = reverse("vendor_remove_product", args=[vendor.pk, product.pk])
    assert client.post(remove).status_code == 302
    product.refresh_from_db()
    assert product.vendor is None
    assert client.post(remove).status_code == 404


def test_adding_another_vendors_product_is_refused_in_words(client, tier1_lead):
    brand_x(tier1_lead)
    other = vendor_create(actor=tier1_lead, name="Other Co")
    client.force_login(tier1_lead)
    response = client.post(reverse("vendor_add_product", args=[other.pk]), {"name": "Vireo AV"})
    assert response.status_code == 200
    assert "Vireo AV is another vendor&#x27;s product" in response.content.decode()
    assert Product.objects.get(name="Vireo AV").vendor == Vendor.objects.get(name="Brand X Corp")


def test_pages_escape_what_people_typed(client, tier1_lead, agent):
    vendor = vendor_create(
        actor=tier1_lead,
        name="<script>alert(1)</script>",
        hours="<img src=x onerror=alert(1)>",
        notes="<b>bold</b>",
        products=["<i>x</i>"],
    )
    client.force_login(agent)
    for html in (get(client, "vendor_list"), get(client, "vendor_detail", vendor.pk)):
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_admin_shows_vendors_view_only(client, tier1_lead, admin_user):
    vendor = brand_x(tier1_lead)
    client.force_login(admin_user)
    change = reverse("admin:knowledge_vendor_change", args=[vendor.pk])
    response = client.get(change)
    assert response.status_code == 200
    assert "Vireo AV" in response.content.decode()
    before = vendor_rows()
    assert client.post(change, {"name": "Rewritten"}).status_code == 403
    assert client.get(reverse("admin:knowledge_vendor_add")).status_code == 403
    assert vendor_rows() == before
