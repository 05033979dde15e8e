"""The vendor directory's services and reads: what is stored, what is refused, what is indexed."""

from __future__ import annotations

from typing import Any

import pytest

from followthrough.core.errors import CommonError, ServiceError
from followthrough.core.models import SearchDocument
from followthrough.core.search import Scope, search
from followthrough.core.search.registry import reindexer
from followthrough.knowledge.models import Product, Vendor
from followthrough.knowledge.selectors.vendors import (
    active_vendors,
    vendor_detail,
    vendor_directory,
)
from followthrough.knowledge.services.vendors import (
    VENDOR_KIND,
    vendor_add_product,
    vendor_create,
    vendor_remove_product,
    vendor_set_active,
    vendor_update,
    vendors_reindex,
)

BRAND_X = {
    "name": "Brand X Corp",
    "support_phone": "(212) 555-0147",
    "support_url": "https://support.brandx.example/removal",
    "support_email": "Help@BrandX.example",
    "hours": "Mon-Fri 08:00-18:00",
    "time_zone": "America/New_York",
    "notes": "Ask for the ShieldGuard removal tool.",
    "products": ["Vireo AV", "Vireo Firewall"],
}


@pytest.fixture(autouse=True)
def us_numbers(settings):
    settings.DEFAULT_PHONE_REGION = "US"


def brand_x(actor, **overrides: Any) -> Vendor:
    return vendor_create(actor=actor, **(BRAND_X | overrides))


def vendor_rows() -> list[Any]:
    return list(Vendor.objects.order_by("pk").values())


def refused(call: Any, **kwargs: Any) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call(**kwargs)
    return caught.value


def test_create_stores_e164_lower_case_email_and_products(tier1_lead):
    vendor = brand_x(tier1_lead)
    vendor.refresh_from_db()
    assert vendor.support_phone == "+12125550147"
    assert vendor.support_email == "help@brandx.example"
    assert vendor.is_active
    assert sorted(p.name for p in vendor.products.all()) == ["Vireo AV", "Vireo Firewall"]


def test_create_writes_the_vendor_search_document(tier1_lead):
    vendor = brand_x(tier1_lead)
    document = SearchDocument.objects.get(kind=VENDOR_KIND, object_id=vendor.pk)
    assert document.title == "Brand X Corp"
    for text in ("Vireo AV", "Mon-Fri 08:00-18:00", "+12125550147", "+1 212-555-0147"):
        assert text in document.body
    assert document.status == "active"
    hits = search("vireo removal", scopes=[Scope(kind=VENDOR_KIND)]).hits
    assert [h.object_id for h in hits] == [vendor.pk]


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("support_phone", "call us", "not a phone number"),
        ("support_phone", "12", "not a possible phone number"),
        ("support_url", "javascript:alert(1)", "must start with http:// or https://"),
        ("support_url", "JaVaScRiPt:alert(1)", "must start with http:// or https://"),
        ("support_url", "data:text/html;base64,PHNjcmlwdD4=", "must start with http://"),
        ("support_url", "ftp://brandx.example", "must start with http://"),
        ("support_url", "https://", "is not a web address"),
        ("support_email", "not-an-address", "is not an email address"),
        ("time_zone", "Mars/Olympus", "is not a time zone"),
        ("time_zone", "", "is not a time zone"),
        ("hours", "x" * 201, "longer than 200"),
        ("notes", "x" * 10_001, "longer than 10,000"),
        ("name", "   ", "needs a name"),
        ("name", "x" * 201, "longer than 200"),
    ],
)
def test_create_refuses_bad_input_in_words_and_stores_nothing(tier1_lead, field, value, words):
    error = refused(vendor_create, actor=tier1_lead, **(BRAND_X | {field: value}))
    assert error.code == CommonError.INVALID
    assert error.details["field"] == field
    assert words in error.message
    assert Vendor.objects.count() == 0
    assert Product.objects.count() == 0
    assert SearchDocument.objects.filter(kind=VENDOR_KIND).count() == 0


def test_a_name_is_taken_whatever_its_case(tier1_lead):
    brand_x(tier1_lead)
    before = vendor_rows()
    error = refused(vendor_create, actor=tier1_lead, name="  brand x   CORP ")
    assert error.details["field"] == "name"
    assert "in the directory already" in error.message
    assert vendor_rows() == before


def test_agents_may_not_add_or_change_vendors(tier1_lead, agent):
    vendor = brand_x(tier1_lead)
    before = vendor_rows()
    assert refused(vendor_create, actor=agent, name="Other").code == CommonError.FORBIDDEN
    error = refused(vendor_update, actor=agent, vendor=vendor, name="Renamed")
    assert error.code == CommonError.FORBIDDEN
    error = refused(vendor_set_active, actor=agent, vendor=vendor, active=False)
    assert error.code == CommonError.FORBIDDEN
    error = refused(vendor_add_product, actor=agent, vendor=vendor, name="Vireo VPN")
    assert error.code == CommonError.FORBIDDEN
    assert vendor_rows() == before
    assert Product.objects.count() == 2


def test_update_changes_only_what_is_given_and_reindexes(tier1_lead):
    vendor = brand_x(tier1_lead)
    vendor_update(actor=tier1_lead, vendor=vendor, support_phone="+44 20 7946 0000", hours="24/7")
    vendor.refresh_from_db()
    assert vendor.support_phone == "+442079460000"
    assert vendor.hours == "24/7"
    assert vendor.support_url == BRAND_X["support_url"]
    document = SearchDocument.objects.get(kind=VENDOR_KIND, object_id=vendor.pk)
    assert "+442079460000" in document.body
    assert "+12125550147" not in document.body


def test_update_refusal_changes_nothing(tier1_lead):
    vendor = brand_x(tier1_lead)
    before = vendor_rows()
    body = SearchDocument.objects.get(kind=VENDOR_KIND).body
    error = refused(
        vendor_update,
        actor=tier1_lead,
        vendor=vendor,
        hours="Mon-Sun 00:00-23:00",
        support_url="javascript:alert(document.cookie)",
    )
    assert error.details["field"] == "support_url"
    assert vendor_rows() == before
    assert SearchDocument.objects.get(kind=VENDOR_KIND).body == body
    error = refused(vendor_update, actor=tier1_lead, vendor=vendor, colour="red")
    assert error.code == CommonError.INVALID
    assert vendor_rows() == before


def test_products_replaced_through_update_stay_for_articles(tier1_lead):
    vendor = brand_x(tier1_lead)
    vendor_update(actor=tier1_lead, vendor=vendor, products=["Vireo AV", "Vireo VPN"])
    assert sorted(p.name for p in vendor.products.all()) == ["Vireo AV", "Vireo VPN"]
    # The dropped product still exists (articles may name it), with no vendor.
    assert Product.objects.get(name="Vireo Firewall").vendor is None


def test_add_and_remove_a_product(tier1_lead):
    vendor = brand_x(tier1_lead, products=[])
    orphan = Product.objects.create(name="PacketPilot")
    added = vendor_add_product(actor=tier1_lead, vendor=vendor, name="packetpilot")
    assert added.pk == orphan.pk
    assert "PacketPilot" in SearchDocument.objects.get(kind=VENDOR_KIND).body
    vendor_remove_product(actor=tier1_lead, vendor=vendor, product=added)
    assert Product.objects.get(pk=orphan.pk).vendor is None
    assert "PacketPilot" not in SearchDocument.objects.get(kind=VENDOR_KIND).body


def test_another_vendors_product_is_refused(tier1_lead):
    brand_x(tier1_lead)
    other = vendor_create(actor=tier1_lead, name="Other Co")
    error = refused(vendor_add_product, actor=tier1_lead, vendor=other, name="Vireo AV")
    assert "another vendor's product" in error.message
    assert Product.objects.get(name="Vireo AV").vendor == Vendor.objects.get(name="Brand X Corp")
    error = refused(
        vendor_remove_product,
        actor=tier1_lead,
        vendor=other,
        product=Product.objects.get(name="Vireo AV"),
    )
    assert error.code == CommonError.INVALID
    assert Product.objects.get(name="Vireo AV").vendor == Vendor.objects.get(name="Brand X Corp")


def test_set_inactive_leaves_the_picker_and_marks_the_document(tier1_lead):
    vendor = brand_x(tier1_lead)
    vendor_set_active(actor=tier1_lead, vendor=vendor, active=False)
    assert active_vendors() == []
    assert SearchDocument.objects.get(kind=VENDOR_KIND).status == "inactive"
    vendor_set_active(actor=tier1_lead, vendor=vendor, active=True)
    assert active_vendors() == [vendor]


def test_reindex_rewrites_every_vendor_document(tier1_lead):
    vendor = brand_x(tier1_lead)
    vendor_create(actor=tier1_lead, name="Other Co")
    SearchDocument.objects.filter(kind=VENDOR_KIND).delete()
    assert vendors_reindex() == 2
    assert SearchDocument.objects.filter(kind=VENDOR_KIND).count() == 2
    assert reindexer(VENDOR_KIND) is vendors_reindex
    assert SearchDocument.objects.get(kind=VENDOR_KIND, object_id=vendor.pk).title == vendor.name


def test_directory_filters_by_vendor_or_product_name_and_pages_by_name(
    tier1_lead, django_assert_num_queries
):
    brand_x(tier1_lead)
    for name in ("Zeta Labs", "Acme Security", "Midway Tools"):
        vendor_create(actor=tier1_lead, name=name, products=[f"{name} Agent"])
    assert [v.name for v in vendor_directory(text="vireo").items] == ["Brand X Corp"]
    assert [v.name for v in vendor_directory(text="LABS").items] == ["Zeta Labs"]
    with django_assert_num_queries(2):  # the vendors, their products
        first = vendor_directory(limit=2)
        products = [[p.name for p in v.products.all()] for v in first.items]
    assert products == [["Acme Security Agent"], ["Vireo AV", "Vireo Firewall"]]
    assert [v.name for v in first.items] == ["Acme Security", "Brand X Corp"]
    rest = vendor_directory(limit=2, cursor=first.next_cursor)
    assert [v.name for v in rest.items] == ["Midway Tools", "Zeta Labs"]
    assert rest.next_cursor is None


def test_directory_refuses_a_forged_cursor():
    with pytest.raises(ServiceError) as caught:
        vendor_directory(cursor="not-ours")
    assert caught.value.details["field"] == "cursor"


def test_detail_has_products_opening_and_no_referrals_yet(tier1_lead, django_assert_num_queries):
    vendor = brand_x(tier1_lead)
    with django_assert_num_queries(2):
        detail = vendor_detail(vendor)
    assert [p.name for p in detail.products] == ["Vireo AV", "Vireo Firewall"]
    assert detail.phone_display == "+1 212-555-0147"
    assert detail.opening.understood
    assert detail.opening.time_zone == "America/New_York"
    assert detail.referrals == 0
    assert {o.outcome: o.count for o in detail.outcomes} == {
        "pending": 0,
        "vendor_helped": 0,
        "no_answer": 0,
        "we_solved": 0,
    }
