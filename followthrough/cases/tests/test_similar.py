"""Possible duplicates: open cases of the same contact, organisation or asset, or with close
text; each once with its reasons, the most likely first; never the case itself, closed or
merged ones. Linking and merging them from the panel, through the same services as the case
page's own link and merge."""

from __future__ import annotations

import pytest
from django.urls import reverse

from followthrough.accounts.capabilities import Role
from followthrough.accounts.tests.api_client import API, api_get, assert_problem, token_for
from followthrough.accounts.tests.factories import UserFactory
from followthrough.cases.models import Case, CaseLink
from followthrough.cases.selectors.suggestions import (
    SimilarReason,
    similar_cases,
)
from followthrough.cases.services import case_link, case_merge, case_set_status
from followthrough.cases.states import CaseStatus, LinkKind
from followthrough.cases.tests.factories import case_state, open_case, promise
from followthrough.customers.tests.factories import (
    AssetFactory,
    ContactFactory,
    OrganizationFactory,
)

HTMX = {"HX-Request": "true"}
# The panel: session and user, the case, the three customer look-ups (asset, contact,
# organisation), its contact notes, the search, the cases only the text found, the workspace team.
PANEL_QUERIES = 10

SWITCH = "EdgeSwitch drops every port at night"


@pytest.fixture
def asset(organization):
    return AssetFactory.create(organization=organization, product="EdgeSwitch 48")


@pytest.fixture
def case(agent, contact, asset):
    return open_case(
        actor=agent,
        subject=SWITCH,
        description="All 48 ports go dark around 2 am; the uplink LED stays amber.",
        organization=contact.organization,
        contact=contact,
        asset=asset,
    )


def reasons(found):
    return {s.case.pk: s.reasons for s in found}


def test_same_contact_same_asset_and_close_text_are_found(agent, agent2, case, contact, asset):
    colleague = ContactFactory.create(organization=contact.organization, name="Sam Colleague")
    same_contact = open_case(actor=agent2, subject="Invoice question", contact=contact)
    same_asset = open_case(actor=agent2, subject="Fan noise", contact=colleague, asset=asset)
    same_org = open_case(actor=agent2, subject="New user account", contact=colleague)
    stranger = ContactFactory.create(organization=OrganizationFactory.create())
    close_text = open_case(
        actor=agent2,
        subject="EdgeSwitch ports go dark every night",
        description="The uplink LED is amber in the morning.",
        contact=stranger,
    )

    found = similar_cases(case)

    assert reasons(found) == {
        same_contact.pk: [SimilarReason.SAME_CUSTOMER],
        same_asset.pk: [SimilarReason.SAME_ASSET, SimilarReason.SAME_CUSTOMER],
        same_org.pk: [SimilarReason.SAME_CUSTOMER],
        close_text.pk: [SimilarReason.SIMILAR_TEXT],
    }
    # The same product of the same customer first; the organisation's unrelated case last.
    assert found[0].case == same_asset
    assert found[-1].case == same_org
    text_hit = next(s for s in found if s.case == close_text)
    assert "<mark>" in text_hit.snippet_html


def test_a_duplicate_with_several_reasons_is_listed_once_and_first(agent, agent2, case, contact):
    duplicate = open_case(
        actor=agent2,
        subject="EdgeSwitch drops all ports at night",
        description="Ports go dark around 2 am.",
        contact=contact,
    )
    open_case(actor=agent2, subject="Printer toner", contact=contact)

    found = similar_cases(case)

    assert [s.case.pk for s in found].count(duplicate.pk) == 1
    assert found[0].case == duplicate
    assert found[0].reasons == [SimilarReason.SAME_CUSTOMER, SimilarReason.SIMILAR_TEXT]


def test_never_the_case_itself_nor_closed_or_merged_cases(agent, tier1_lead, case, contact, asset):
    closed = open_case(actor=agent, subject=SWITCH, contact=contact, asset=asset)
    case_set_status(actor=agent, case=closed, status=CaseStatus.RESOLVED)
    case_set_status(actor=agent, case=closed, status=CaseStatus.CLOSED)
    merged = open_case(actor=agent, subject=SWITCH, contact=contact, asset=asset)
    survivor = open_case(actor=agent, subject="Switch replacement", contact=contact, asset=asset)
    case_merge(actor=tier1_lead, source=merged, target=survivor, reason="Same switch")

    found = similar_cases(case)

    ids = [s.case.pk for s in found]
    assert case.pk not in ids
    assert closed.pk not in ids
    assert merged.pk not in ids
    assert survivor.pk in ids


def test_a_case_alone_has_no_possible_duplicates(agent, case):
    assert similar_cases(case) == []


# --- The panel ---------------------------------------------------------------------------


def panel_url(case) -> str:
    return reverse("case_similar", args=[case.pk])


def test_the_panel_lists_each_case_with_reason_status_owner_and_opened(
    client, agent, agent2, case, contact
):
    duplicate = open_case(actor=agent2, subject="EdgeSwitch ports dark at night", contact=contact)
    client.force_login(agent)

    response = client.get(panel_url(case), headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<h2 id="case-similar-title">Possible duplicates</h2>')
    assert f'id="similar-{duplicate.pk}"' in html
    assert duplicate.number in html
    assert "same customer" in html and "similar text" in html
    assert agent2.display_name in html
    assert "Opened " in html
    assert reverse("case_link_duplicate", args=[case.pk, duplicate.pk]) in html
    # An agent may link but not merge.
    assert reverse("case_merge_duplicate", args=[case.pk, duplicate.pk]) not in html


def test_the_panel_costs_a_fixed_number_of_queries(
    client, agent, agent2, case, contact, asset, django_assert_num_queries
):
    client.force_login(agent)
    client.get(panel_url(case), headers=HTMX)
    stranger = ContactFactory.create(organization=OrganizationFactory.create())
    for n in range(4):
        open_case(actor=agent2, subject=f"{SWITCH} ({n})", contact=contact, asset=asset)
        open_case(actor=agent2, subject=f"EdgeSwitch ports dark, site {n}", contact=stranger)

    with django_assert_num_queries(PANEL_QUERIES):
        response = client.get(panel_url(case), headers=HTMX)

    assert response.content.decode().count('<li id="similar-') == 5


def test_the_case_page_loads_the_panel_after_it(client, agent, case):
    client.force_login(agent)

    html = client.get(reverse("case_detail", args=[case.pk])).content.decode()

    assert f'hx-get="{panel_url(case)}" hx-trigger="load"' in html


def test_link_as_duplicate_from_the_panel(client, agent, agent2, case, contact):
    duplicate = open_case(actor=agent2, subject="EdgeSwitch ports dark at night", contact=contact)
    client.force_login(agent)

    response = client.post(
        reverse("case_link_duplicate", args=[case.pk, duplicate.pk]), headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="case-body"')
    assert f"{duplicate.number} is linked as a duplicate of {case.number}." in html
    link = CaseLink.objects.get()
    assert (link.from_case, link.to_case, link.kind, link.created_by) == (
        duplicate,
        case,
        LinkKind.DUPLICATE,
        agent,
    )


def test_a_second_link_is_refused_in_the_panel_and_changes_nothing(
    client, agent, agent2, case, contact
):
    duplicate = open_case(actor=agent2, subject="EdgeSwitch ports dark at night", contact=contact)
    case_link(actor=agent2, case=case, other=duplicate, kind=LinkKind.RELATED)
    before = (case_state(case), case_state(duplicate))
    client.force_login(agent)

    response = client.post(
        reverse("case_link_duplicate", args=[case.pk, duplicate.pk]), headers=HTMX
    )

    assert response["HX-Retarget"] == "#case-similar"
    assert "are already linked" in response.content.decode()
    assert (case_state(case), case_state(duplicate)) == before


def test_merge_from_the_panel_asks_first_then_merges(client, tier1_lead, agent, case, contact):
    duplicate = open_case(actor=agent, subject="EdgeSwitch ports dark at night", contact=contact)
    promise(agent, duplicate, description="Call back about the switch")
    url = reverse("case_merge_duplicate", args=[case.pk, duplicate.pk])
    client.force_login(tier1_lead)
    panel = client.get(panel_url(case), headers=HTMX).content.decode()
    assert url in panel
    before = (case_state(case), case_state(duplicate))

    asked = client.post(url, headers=HTMX)

    html = asked.content.decode()
    assert asked["HX-Retarget"] == "#case-similar"
    assert "Check before you merge." in html
    assert f"{duplicate.number} will be closed as a duplicate of {case.number}" in html
    assert "its 1 open promise moves" in html
    assert 'name="confirm" value="yes"' in html
    assert (case_state(case), case_state(duplicate)) == before

    merged = client.post(url, {"confirm": "yes", "reason": "Same switch, same night"}, headers=HTMX)

    assert merged.status_code == 200
    assert f"{duplicate.number} was merged into {case.number} and is now closed." in (
        merged.content.decode()
    )
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into_id) == (CaseStatus.CLOSED, case.pk)
    assert Case.objects.get(pk=case.pk).open_commitment_count == 1


def test_merge_without_a_reason_is_refused_at_the_confirm_step(
    client, tier1_lead, agent, case, contact
):
    duplicate = open_case(actor=agent, subject="EdgeSwitch ports dark at night", contact=contact)
    before = (case_state(case), case_state(duplicate))
    client.force_login(tier1_lead)

    response = client.post(
        reverse("case_merge_duplicate", args=[case.pk, duplicate.pk]),
        {"confirm": "yes", "reason": "  "},
        headers=HTMX,
    )

    html = response.content.decode()
    assert response["HX-Retarget"] == "#case-similar"
    assert "Reason is required." in html
    assert "Check before you merge." in html  # still at the confirm step
    assert (case_state(case), case_state(duplicate)) == before


def test_merge_of_another_customers_case_is_refused(client, tier1_lead, agent, case):
    stranger = ContactFactory.create(organization=OrganizationFactory.create())
    other = open_case(actor=agent, subject=SWITCH, contact=stranger)
    before = (case_state(case), case_state(other))
    client.force_login(tier1_lead)

    response = client.post(
        reverse("case_merge_duplicate", args=[case.pk, other.pk]),
        {"confirm": "yes", "reason": "Same"},
        headers=HTMX,
    )

    assert "Only cases of the same customer can be merged." in response.content.decode()
    assert (case_state(case), case_state(other)) == before


def test_people_without_case_merge_cannot_merge_and_nothing_changes(
    client, agent, agent2, case, contact
):
    duplicate = open_case(actor=agent2, subject="EdgeSwitch ports dark at night", contact=contact)
    before = (case_state(case), case_state(duplicate))
    client.force_login(agent)

    response = client.post(
        reverse("case_merge_duplicate", args=[case.pk, duplicate.pk]),
        {"confirm": "yes", "reason": "Same switch"},
        headers=HTMX,
    )

    assert response.status_code == 403
    assert (case_state(case), case_state(duplicate)) == before


def test_merge_without_javascript_redirects_to_the_case(client, tier1_lead, agent, case, contact):
    duplicate = open_case(actor=agent, subject="EdgeSwitch ports dark at night", contact=contact)
    client.force_login(tier1_lead)
    url = reverse("case_merge_duplicate", args=[case.pk, duplicate.pk])

    asked = client.post(url)
    merged = client.post(url, {"confirm": "yes", "reason": "Same switch"})

    assert asked.status_code == 200
    assert "<!doctype html>" in asked.content.decode()
    assert merged.status_code == 302
    assert merged["Location"] == reverse("case_detail", args=[case.pk])
    assert Case.objects.get(pk=duplicate.pk).merged_into_id == case.pk


def test_customers_do_not_get_the_staff_panel(client, case, customer_user):
    client.force_login(customer_user)

    assert client.get(panel_url(case), headers=HTMX).status_code == 403


# --- API ---------------------------------------------------------------------------------


def test_api_similar_cases(client, agent, agent2, case, contact):
    duplicate = open_case(actor=agent2, subject="EdgeSwitch ports dark at night", contact=contact)

    response = api_get(client, f"/cases/{case.pk}/similar", token_for(agent))

    assert response.status_code == 200, response.content
    [found] = response.json()
    assert (found["id"], found["number"], found["status"]) == (
        duplicate.pk,
        duplicate.number,
        duplicate.status,
    )
    assert found["reasons"] == ["same customer", "similar text"]
    assert found["owner"]["id"] == agent2.pk


def test_api_similar_cases_are_not_for_portal_customers(client, agent, case, customer_user):
    open_case(actor=agent, subject="EdgeSwitch ports dark at night", contact=case.contact)
    client.force_login(customer_user)

    assert_problem(client.get(f"{API}/cases/{case.pk}/similar"), 403, "forbidden")


def test_api_similar_cases_of_a_missing_case(client, agent):
    assert_problem(api_get(client, "/cases/999999/similar", token_for(agent)), 404, "not_found")


def test_a_technician_sees_the_panel_without_link_or_merge(client, case, contact, agent):
    technician = UserFactory.create(role=Role.TECHNICIAN)
    duplicate = open_case(actor=agent, subject="EdgeSwitch ports dark at night", contact=contact)
    client.force_login(technician)

    html = client.get(panel_url(case), headers=HTMX).content.decode()

    assert duplicate.number in html
    assert "Link as duplicate" not in html
    assert "Merge into this case" not in html
