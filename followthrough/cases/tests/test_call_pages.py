"""The new-call page: find the caller, see the customer 360, open a case from the call."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from followthrough.accounts.capabilities import Role
from followthrough.accounts.tests.factories import UserFactory
from followthrough.cases.models import Case, CaseEvent, Interaction
from followthrough.cases.states import CaseStatus, Disposition, EventType, Priority
from followthrough.cases.tests.factories import in_hours, open_case
from followthrough.customers.tests.factories import (
    AssetFactory,
    ContactEmailFactory,
    ContactFactory,
    ContactPhoneFactory,
)

LOOKUP = "/calls/new/"
OPEN = "/calls/new/open-case/"


@pytest.fixture(autouse=True)
def us_phone_region(settings):
    settings.DEFAULT_PHONE_REGION = "US"


@pytest.fixture
def caller(contact):
    ContactPhoneFactory.create(contact=contact, number="+14155550134", raw="(415) 555-0134")
    ContactEmailFactory.create(contact=contact, address="maria.lopez@acme.example")
    return contact


@pytest.fixture
def signed_in(client, agent):
    client.force_login(agent)
    return client


def _desk_state() -> dict[str, int]:
    return {
        "cases": Case.objects.count(),
        "interactions": Interaction.objects.count(),
        "events": CaseEvent.objects.count(),
    }


def _form(caller, **kw):
    data = {
        "organization": caller.organization_id,
        "contact": caller.pk,
        "started_at": (timezone.now() - dt.timedelta(minutes=4)).strftime("%Y-%m-%d %H:%M:%S"),
        "subject": "VPN drops every hour",
        "note": "Maria says the VPN drops on the hour; started after Monday's update.",
        "disposition": Disposition.NEXT_STEP_SET,
        "priority": Priority.P2,
        "category": "Network",
        "asset": "",
        "outcome": "next_step",
        "next_step": "Send the VPN client fix",
        "next_step_due": timezone.localtime(in_hours(3)).strftime("%Y-%m-%dT%H:%M"),
        "owner": "me",
    }
    data.update(kw)
    return data


@pytest.mark.parametrize("typed", ["(415) 555-0134", "+14155550134", "415.555.0134"])
def test_lookup_by_phone_in_any_format_shows_the_customer(signed_in, caller, typed):
    response = signed_in.get(LOOKUP, {"q": typed})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Maria Lopez" in page
    assert "Acme Networks" in page
    assert "+1 415-555-0134" in page  # formatted for people, whatever was typed
    assert "Found by phone number" in page
    assert "Open a new case from this call" in page


def test_lookup_by_email_in_another_case(signed_in, caller):
    response = signed_in.get(LOOKUP, {"q": "  Maria.LOPEZ@Acme.Example "})
    page = response.content.decode()
    assert "Found by email address" in page
    assert "maria.lopez@acme.example" in page
    assert f'name="contact" value="{caller.pk}"' in page


def test_lookup_by_name_prefix(signed_in, caller):
    page = signed_in.get(LOOKUP, {"q": "mar"}).content.decode()
    assert "Found by name" in page
    assert f'name="contact" value="{caller.pk}"' in page


def test_lookup_by_serial_shows_the_organisation_with_the_product_chosen(
    signed_in, caller, organization
):
    asset = AssetFactory.create(organization=organization, serial_number="ES48-2219-0457")
    page = signed_in.get(LOOKUP, {"q": "ES48-2219-0457"}).content.decode()
    assert "Found by serial number" in page
    assert "Acme Networks" in page
    assert f'<option value="{asset.pk}" selected>' in page
    assert 'name="contact"' in page and f'name="contact" value="{caller.pk}"' not in page


def test_found_by_serial_offers_the_open_cases_about_that_product_first(
    signed_in, agent, caller, organization
):
    asset = AssetFactory.create(organization=organization, serial_number="ES48-2219-0457")
    other = open_case(actor=agent, contact=caller, subject="Password reset")
    older = open_case(actor=agent, contact=caller, asset=asset, subject="Fan noise")
    newer = open_case(actor=agent, contact=caller, asset=asset, subject="Port 12 flaps")
    page = signed_in.get(LOOKUP, {"q": "ES48-2219-0457"}).content.decode()
    assert "Open case about this product" in page
    mark = "Same product: possibly the same problem"
    # One case about the product is the card on top; the other is marked in the list.
    assert page.count(mark) == 1
    listed = page.index("Other open cases")
    first = min(page.index(f"Log this call on {c.number}") for c in (older, newer))
    assert first < listed < page.index(mark) < page.index(f"Log this call on {other.number}")
    # Found by the caller's phone, no product is in question: nothing is marked.
    assert mark not in signed_in.get(LOOKUP, {"q": "(415) 555-0134"}).content.decode()


def test_returning_callers_open_case_is_offered_first(signed_in, agent, caller):
    colleague = ContactFactory.create(organization=caller.organization, name="Colleague")
    sooner = open_case(actor=agent, contact=colleague, subject="Colleague's printer")
    theirs = open_case(
        actor=agent, contact=caller, subject="Maria's VPN", next_step_due=in_hours(30)
    )
    done = open_case(actor=agent, contact=caller, subject="Old question")
    Case.objects.filter(pk=done.pk).update(status=CaseStatus.CLOSED)

    page = signed_in.get(LOOKUP, {"q": "(415) 555-0134"}).content.decode()

    assert "Maria Lopez has an open case" in page
    first_log_link = page.index("?action=log-call")
    assert page.rfind(f"/cases/{theirs.pk}/", 0, first_log_link) > -1
    assert page.index(f"Log this call on {theirs.number}") < page.index(
        f"Log this call on {sooner.number}"
    )
    assert page.index("Colleague&#x27;s printer") < page.index("Recent history")
    assert page.index("Recent history") < page.index("Old question")


def test_several_matches_are_listed_to_pick_from(signed_in, caller, organization):
    other = ContactFactory.create(organization=organization, name="Marek Novak")
    page = signed_in.get(LOOKUP, {"q": "Ma"}).content.decode()
    assert "2 customers match" in page
    assert f"{LOOKUP}?contact={caller.pk}" in page
    assert f"{LOOKUP}?contact={other.pk}" in page
    assert "Open a new case from this call" not in page

    picked = signed_in.get(LOOKUP, {"contact": other.pk}).content.decode()
    assert "Marek Novak" in picked
    assert f'name="contact" value="{other.pk}"' in picked


def test_picking_an_asset_shows_its_organisation(signed_in, organization):
    asset = AssetFactory.create(organization=organization, product="EdgeSwitch 48")
    page = signed_in.get(LOOKUP, {"asset": asset.pk}).content.decode()
    assert "Acme Networks" in page
    assert f'<option value="{asset.pk}" selected>' in page


@pytest.mark.parametrize("params", [{"contact": "999999"}, {"contact": "abc"}, {"asset": "0"}])
def test_picking_a_missing_customer_is_not_found(signed_in, db, params):
    assert signed_in.get(LOOKUP, params).status_code == 404


def test_no_match_says_so_with_tips(signed_in, caller):
    page = signed_in.get(LOOKUP, {"q": "(212) 555-0199"}).content.decode()
    assert "No customer found for “(212) 555-0199”" in page
    assert "check the digits" in page


def test_lookup_echoes_script_as_text(signed_in, db):
    page = signed_in.get(LOOKUP, {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_lookup_drops_control_characters(signed_in, caller):
    page = signed_in.get(LOOKUP, {"q": "(415)\x00 555-0134"}).content.decode()
    assert "Found by phone number" in page


def _lookup_queries(client, django_assert_num_queries, agent, caller, cases, expected):
    for n in range(cases):
        open_case(actor=agent, contact=caller, subject=f"Case {n}", next_step_due=in_hours(n + 1))
    for n in range(cases):
        done = open_case(actor=agent, contact=caller, subject=f"Done {n}")
        Case.objects.filter(pk=done.pk).update(status=CaseStatus.RESOLVED)
    AssetFactory.create(organization=caller.organization)
    with django_assert_num_queries(expected):
        response = client.get(LOOKUP, {"q": "(415) 555-0134"})
    assert response.status_code == 200


# session, user; serial, phone (+ its phones, emails); the 360: open cases, history, contacts,
# sites, products; the agent's team; the form's product choices
LOOKUP_QUERIES = 13


@pytest.mark.parametrize("cases", [1, 30])
def test_lookup_query_count_does_not_grow_with_cases(
    signed_in, django_assert_num_queries, agent, caller, cases
):
    _lookup_queries(signed_in, django_assert_num_queries, agent, caller, cases, LOOKUP_QUERIES)


@pytest.mark.parametrize("cases", [1, 30])
def test_picked_contact_query_count_does_not_grow_with_cases(
    signed_in, django_assert_num_queries, agent, caller, cases
):
    for n in range(cases):
        open_case(actor=agent, contact=caller, subject=f"Case {n}")
    # The contact by id (1) instead of the lookup (4), then its phones and emails (2).
    with django_assert_num_queries(LOOKUP_QUERIES - 1):
        assert signed_in.get(LOOKUP, {"contact": caller.pk}).status_code == 200


def test_open_case_from_the_call(signed_in, agent, tier1, caller):
    response = signed_in.post(OPEN, _form(caller))

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"{case.number} opened: VPN drops every hour"
    ]
    assert (case.owner, case.team, case.contact) == (agent, tier1, caller)
    assert (case.priority, case.category, case.status) == (Priority.P2, "Network", CaseStatus.OPEN)
    assert case.next_step == "Send the VPN client fix"
    assert case.interaction_count == 1
    call = Interaction.objects.get(case=case)
    assert call.note.startswith("Maria says the VPN drops")
    assert (call.agent, call.contact, call.disposition) == (
        agent,
        caller,
        Disposition.NEXT_STEP_SET,
    )
    assert list(CaseEvent.objects.filter(case=case).values_list("type", flat=True)) == [
        EventType.OPENED,
        EventType.INTERACTION_LOGGED,
        EventType.NEXT_STEP_CONFIRMED,
    ]


def test_open_case_from_the_call_into_the_team_queue(signed_in, tier1, caller):
    response = signed_in.post(OPEN, _form(caller, owner="team"))
    case = Case.objects.get()
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"{case.number} opened in the Tier 1 queue: VPN drops every hour"
    ]
    assert (case.owner, case.team) == (None, tier1)


def test_open_case_resolved_on_the_call_ignores_the_next_step_fields(signed_in, caller):
    response = signed_in.post(
        OPEN, _form(caller, outcome="resolved", disposition=Disposition.RESOLVED)
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert case.status == CaseStatus.RESOLVED
    assert case.next_step == ""


def test_open_case_about_a_product(signed_in, caller, organization):
    asset = AssetFactory.create(organization=organization)
    signed_in.post(OPEN, _form(caller, asset=asset.pk))
    assert Case.objects.get().asset == asset


def test_open_case_refused_without_a_note_keeps_what_was_typed(signed_in, caller):
    before = _desk_state()
    response = signed_in.post(OPEN, _form(caller, note="  ", subject="Typed <b>subject</b>"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Note is required." in page
    assert 'value="Typed &lt;b&gt;subject&lt;/b&gt;"' in page
    assert "Send the VPN client fix" in page
    assert "Maria Lopez" in page  # the 360 is still there
    assert _desk_state() == before


def test_open_case_refused_with_the_next_step_in_the_past(signed_in, caller):
    before = _desk_state()
    past = timezone.localtime(in_hours(-2)).strftime("%Y-%m-%dT%H:%M")
    response = signed_in.post(OPEN, _form(caller, next_step_due=past))
    assert response.status_code == 200
    assert "Next step must be in the future." in response.content.decode()
    assert _desk_state() == before


def test_open_case_refused_when_the_call_starts_in_the_future(signed_in, caller):
    before = _desk_state()
    future = (timezone.localtime() + dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    response = signed_in.post(OPEN, _form(caller, started_at=future))
    assert response.status_code == 200
    assert "The contact cannot end before it started." in response.content.decode()
    assert _desk_state() == before


def test_open_case_refused_with_an_unreadable_form_says_which_field(signed_in, caller):
    before = _desk_state()
    response = signed_in.post(OPEN, _form(caller, priority="P9"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "check the fields marked below" in page
    assert "Select a valid choice" in page
    assert _desk_state() == before


def test_open_case_for_a_contact_of_another_organisation_is_not_found(
    signed_in, caller, other_organization
):
    stranger = ContactFactory.create(organization=other_organization)
    before = _desk_state()
    response = signed_in.post(OPEN, _form(caller, contact=stranger.pk))
    assert response.status_code == 404
    assert _desk_state() == before


def test_open_case_refused_on_get(signed_in, caller):
    before = _desk_state()
    assert signed_in.get(OPEN, _form(caller)).status_code == 405
    assert _desk_state() == before


def test_open_case_needs_the_csrf_token(agent, caller):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    before = _desk_state()
    assert client.post(OPEN, _form(caller)).status_code == 403
    assert _desk_state() == before


def test_technician_sees_the_customer_but_no_form_to_open_a_case(client, caller):
    client.force_login(UserFactory.create(role=Role.TECHNICIAN))
    page = client.get(LOOKUP, {"q": "(415) 555-0134"}).content.decode()
    assert "Maria Lopez" in page
    assert "Open a new case from this call" not in page
    before = _desk_state()
    assert client.post(OPEN, _form(caller)).status_code == 403
    assert _desk_state() == before


def test_portal_customer_gets_403(client, customer_user, caller):
    client.force_login(customer_user)
    before = _desk_state()
    assert client.get(LOOKUP, {"q": "(415) 555-0134"}).status_code == 403
    assert client.post(OPEN, _form(caller)).status_code == 403
    assert _desk_state() == before


@pytest.mark.parametrize("cases", [1, 30])
def test_refused_open_case_query_count_does_not_grow_with_cases(
    signed_in, django_assert_num_queries, agent, caller, cases
):
    for n in range(cases):
        open_case(actor=agent, contact=caller, subject=f"Case {n}")
    before = _desk_state()
    # session, user, team, organisation, contact; the 360 (5); phones, emails; form products
    with django_assert_num_queries(13):
        response = signed_in.post(OPEN, _form(caller, note=""))
    assert "Note is required." in response.content.decode()
    assert _desk_state() == before
