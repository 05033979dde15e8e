"""The vendor directory in the REST API: list, read, add and change; who may do what; refusals."""

from __future__ import annotations

import pytest

from followthrough.cases.tests.test_api_cases import Api, api_for, problem
from followthrough.core.errors import CommonError
from followthrough.knowledge.models import Vendor
from followthrough.knowledge.tests.test_vendors import BRAND_X, brand_x, us_numbers, vendor_rows

__all__ = ["us_numbers"]  # the fixture, imported so pytest finds it here


def test_lead_adds_a_vendor_201(tier1_lead):
    response = api_for(tier1_lead).post("/vendors", BRAND_X)
    assert response.status_code == 201, response.content
    data = response.json()
    vendor = Vendor.objects.get()
    assert data["id"] == vendor.pk
    assert data["support_phone"] == "+12125550147"
    assert data["support_email"] == "help@brandx.example"
    assert data["products"] == ["Vireo AV", "Vireo Firewall"]
    assert data["hours_understood"] is True
    assert data["open_now"] in (True, False)
    assert data["referrals"] == 0
    assert {o["outcome"] for o in data["outcomes"]} >= {"no_answer", "we_solved"}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"support_url": "javascript:alert(1)"}, "support_url", "http:// or https://"),
        ({"support_phone": "phone me"}, "support_phone", "not a phone number"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "not a time zone"),
    ],
)
def test_add_refusals_say_what_and_where(tier1_lead, change, field, words):
    response = api_for(tier1_lead).post("/vendors", BRAND_X | change)
    body = problem(response, 422)
    assert body["code"] == CommonError.INVALID
    assert body["field"] == field
    assert words in body["detail"]
    assert Vendor.objects.count() == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"colour": "red"},
        {"name": ["a", "b"]},
        {"notes": "x" * 1_000_000},
        {"products": ["p"] * 201},
        {"name": None},
    ],
)
def test_malformed_bodies_are_422_and_store_nothing(tier1_lead, bad):
    assert problem(api_for(tier1_lead).post("/vendors", BRAND_X | bad), 422)["code"] == "invalid"
    assert Vendor.objects.count() == 0


def test_agents_read_but_may_not_write(agent, tier1_lead):
    vendor = brand_x(tier1_lead)
    api = api_for(agent)
    assert api.get("/vendors").json()["items"][0]["name"] == "Brand X Corp"
    assert api.get(f"/vendors/{vendor.pk}").status_code == 200
    before = vendor_rows()
    assert problem(api.post("/vendors", BRAND_X | {"name": "New"}), 403)["code"] == "forbidden"
    response = api.send("PATCH", f"/vendors/{vendor.pk}", {"name": "Renamed"})
    assert problem(response, 403)["code"] == "forbidden"
    assert vendor_rows() == before


def test_portal_customers_get_404_for_a_vendor_and_403_for_the_list(customer_user, tier1_lead):
    vendor = brand_x(tier1_lead)
    portal = Api(client=None)
    portal.client.force_login(customer_user)
    assert problem(portal.get(f"/vendors/{vendor.pk}"), 404) == problem(
        portal.get("/vendors/987654"), 404
    )
    assert problem(portal.get("/vendors"), 403)["code"] == "forbidden"


def test_list_filters_and_pages(agent, tier1_lead):
    brand_x(tier1_lead)
    for name in ("Acme", "Zeta"):
        api_for(tier1_lead).post("/vendors", {"name": name})
    api = api_for(agent)
    assert [v["name"] for v in api.get("/vendors?q=vireo").json()["items"]] == ["Brand X Corp"]
    first = api.get("/vendors?limit=2").json()
    assert [v["name"] for v in first["items"]] == ["Acme", "Brand X Corp"]
    rest = api.get(f"/vendors?limit=2&cursor={first['next_cursor']}").json()
    assert [v["name"] for v in rest["items"]] == ["Zeta"]
    assert problem(api.get("/vendors?cursor=forged"), 422)["field"] == "cursor"
    # A repeated parameter is read as one value (the last), never as a list.
    items = api.get("/vendors?q=zzz&q=vireo").json()["items"]
    assert [v["name"] for v in items] == ["Brand X Corp"]


def test_patch_changes_only_what_is_sent(tier1_lead):
    vendor = brand_x(tier1_lead)
    api = api_for(tier1_lead)
    response = api.send(
        "PATCH",
        f"/vendors/{vendor.pk}",
        {"hours": "Ask for Bob", "is_active": False, "products": ["Vireo AV"]},
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["hours"] == "Ask for Bob"
    assert data["hours_understood"] is False and data["open_now"] is None
    assert data["is_active"] is False
    assert data["products"] == ["Vireo AV"]
    assert data["support_phone"] == "+12125550147"


def test_patch_refusal_changes_nothing(tier1_lead):
    vendor = brand_x(tier1_lead)
    before = vendor_rows()
    response = api_for(tier1_lead).send(
        "PATCH",
        f"/vendors/{vendor.pk}",
        {"hours": "24/7", "support_url": "data:text/html;base64,PHNjcmlwdD4="},
    )
    assert problem(response, 422)["field"] == "support_url"
    response = api_for(tier1_lead).send("PATCH", f"/vendors/{vendor.pk}", {"name": None})
    assert problem(response, 422)["field"] == "name"
    assert vendor_rows() == before
    assert problem(api_for(tier1_lead).send("PATCH", "/vendors/987654", {}), 404)
