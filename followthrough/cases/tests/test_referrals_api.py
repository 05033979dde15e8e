"""Referrals in the REST API: refer (201, ETag, If-Match), list, record an outcome, the report;
404 for other organisations and portal customers; the refusal codes and their statuses."""

from __future__ import annotations

import pytest

from followthrough.accounts.capabilities import Role
from followthrough.accounts.tests.factories import UserFactory
from followthrough.api import STATUS_BY_CODE
from followthrough.cases.errors import CaseError
from followthrough.cases.models import Referral
from followthrough.cases.services import case_set_status
from followthrough.cases.states import CaseStatus, CommitmentStatus, ReferralOutcome
from followthrough.cases.tests.factories import case_state, in_hours
from followthrough.cases.tests.test_api_cases import Api, api_for, iso, problem
from followthrough.cases.tests.test_referrals import (
    REASON,
    antivirus_case,
    make_vendor,
    record_outcome,
    refer,
    us_numbers,
    vendor,
)
from followthrough.core.errors import CommonError
from followthrough.customers.tests.factories import ContactFactory
from followthrough.knowledge.services.vendors import vendor_set_active

__all__ = ["us_numbers", "vendor"]  # the fixtures, imported so pytest finds them here


def body(vendor, **overrides):
    return {
        "vendor_id": vendor.pk,
        "reason": REASON,
        "follow_up_due": iso(in_hours(3)),
    } | overrides


def test_refer_answers_201_with_the_follow_up_and_the_new_etag(agent, vendor):
    case = antivirus_case(agent)
    response = api_for(agent).post(
        f"/cases/{case.pk}/referrals", body(vendor), **{"If-Match": f'"{case.version}"'}
    )
    assert response.status_code == 201, response.content
    case.refresh_from_db()
    assert response["ETag"] == f'"{case.version}"'
    data = response.json()
    referral = Referral.objects.get()
    assert data["id"] == referral.pk
    assert data["vendor"]["name"] == "Brand X Corp"
    assert data["vendor"]["support_phone"] == "+12125550147"
    assert data["outcome"] == "pending"
    assert data["follow_up"]["kind"] == "referral_follow_up"
    assert data["follow_up"]["status"] == "open"
    assert data["follow_up"]["owner"]["id"] == agent.pk
    assert data["interaction_id"] == referral.interaction_id
    assert case.status == CaseStatus.PENDING_THIRD_PARTY


def test_refer_with_set_pending_false_keeps_the_status(agent, vendor):
    case = antivirus_case(agent)
    response = api_for(agent).post(
        f"/cases/{case.pk}/referrals", body(vendor, set_pending=False, channel="email")
    )
    assert response.status_code == 201, response.content
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"reason": ""}, 422, CaseError.REASON_REQUIRED),
        ({"follow_up_due": "past"}, 422, CaseError.DUE_IN_PAST),
        ({"follow_up_due": "2099-01-01T09:00:00"}, 422, CommonError.INVALID),
        ({"colour": "red"}, 422, CommonError.INVALID),
        ({"reason": ["a", "b"]}, 422, CommonError.INVALID),
        ({"reason": "x" * 100_001}, 422, CommonError.INVALID),
        ({"vendor_id": 999_999}, 404, CommonError.NOT_FOUND),
        ({"vendor_id": 2**64}, 422, CommonError.INVALID),
        ({"channel": "pigeon"}, 422, CommonError.INVALID),
    ],
)
def test_refer_refusals_change_nothing(agent, vendor, overrides, status, code):
    case = antivirus_case(agent)
    if overrides.get("follow_up_due") == "past":
        overrides = {"follow_up_due": iso(in_hours(-1))}
    before = case_state(case)
    response = api_for(agent).post(f"/cases/{case.pk}/referrals", body(vendor, **overrides))
    assert problem(response, status)["code"] == code
    assert case_state(case) == before
    assert Referral.objects.count() == 0


def test_refer_on_a_closed_case_is_409(agent, tier1_lead, vendor):
    case = antivirus_case(agent)
    case_set_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    case_set_status(actor=tier1_lead, case=case, status=CaseStatus.CLOSED)
    before = case_state(case)
    response = api_for(agent).post(f"/cases/{case.pk}/referrals", body(vendor))
    assert problem(response, 409)["code"] == CaseError.CASE_CLOSED
    assert case_state(case) == before


def test_refer_with_a_stale_if_match_is_412(agent, vendor):
    case = antivirus_case(agent)
    before = case_state(case)
    response = api_for(agent).post(
        f"/cases/{case.pk}/referrals", body(vendor), **{"If-Match": '"1"'}
    )
    assert problem(response, 412)["code"] == CommonError.STALE_VERSION
    assert case_state(case) == before


def test_refer_to_an_inactive_vendor_is_refused_with_its_code(agent, tier1_lead, vendor):
    case = antivirus_case(agent)
    vendor_set_active(actor=tier1_lead, vendor=vendor, active=False)
    before = case_state(case)
    response = api_for(agent).post(f"/cases/{case.pk}/referrals", body(vendor))
    status = STATUS_BY_CODE.get(CaseError.VENDOR_INACTIVE, 422)
    assert problem(response, status)["code"] == CaseError.VENDOR_INACTIVE
    assert case_state(case) == before


def test_portal_customers_and_other_organisations_get_404(
    agent, vendor, customer_user, contact, other_organization
):
    own = antivirus_case(agent, contact)
    referral = refer(agent, own, vendor)
    portal = Api(client=None)
    portal.client.force_login(customer_user)
    before = case_state(own)
    assert problem(portal.get(f"/cases/{own.pk}/referrals"), 404)["code"] == "not_found"
    assert problem(portal.post(f"/cases/{own.pk}/referrals", body(vendor)), 404)
    outcome = {"outcome": "no_answer"}
    assert problem(portal.post(f"/referrals/{referral.pk}/outcome", outcome), 404)
    assert case_state(own) == before
    # A customer of another organisation: the same answer as for a case that does not exist.
    stranger = UserFactory.create(role=Role.CUSTOMER)
    ContactFactory.create(organization=other_organization, user=stranger)
    other = Api(client=None)
    other.client.force_login(stranger)
    missing = problem(other.get("/cases/987654/referrals"), 404)
    assert problem(other.get(f"/cases/{own.pk}/referrals"), 404) == missing


def test_list_referrals_newest_first(agent, tier1_lead, vendor):
    case = antivirus_case(agent)
    first = refer(agent, case, vendor)
    second = refer(agent, case, make_vendor(tier1_lead, "Other Co"), set_pending=False)
    response = api_for(agent).get(f"/cases/{case.pk}/referrals")
    assert response.status_code == 200
    assert [r["id"] for r in response.json()] == [second.pk, first.pk]


def test_record_outcome_keeps_the_promise_and_answers_the_referral(agent, vendor):
    case = antivirus_case(agent)
    referral = refer(agent, case, vendor)
    api = api_for(agent)
    before = case_state(case)
    response = api.post(f"/referrals/{referral.pk}/outcome", {"outcome": "no_answer"})
    assert problem(response, 422)["code"] == CaseError.NEXT_STEP_REQUIRED
    assert case_state(case) == before
    due = in_hours(2)
    response = api.post(
        f"/referrals/{referral.pk}/outcome",
        {
            "outcome": "no_answer",
            "note": "Rang twice",
            "next_step": "Run the removal tool with the customer",
            "next_step_due": iso(due),
        },
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["outcome"] == "no_answer"
    assert data["outcome_note"] == "Rang twice"
    assert data["follow_up"]["status"] == CommitmentStatus.KEPT
    case.refresh_from_db()
    assert response["ETag"] == f'"{case.version}"'
    assert (case.next_step, case.next_step_due, case.status) == (
        "Run the removal tool with the customer",
        due,
        CaseStatus.OPEN,
    )


def test_record_outcome_refusals(agent, vendor):
    case = antivirus_case(agent)
    referral = refer(agent, case, vendor)
    api = api_for(agent)
    before = case_state(case)
    for bad in ({"outcome": "pending"}, {"outcome": "no_answer", "extra": 1}, {}):
        assert problem(api.post(f"/referrals/{referral.pk}/outcome", bad), 422)
    assert case_state(case) == before
    assert problem(api.post("/referrals/999999/outcome", {"outcome": "no_answer"}), 404)
    record_outcome(actor=agent, referral=referral, outcome=ReferralOutcome.WE_SOLVED)
    before = case_state(case)
    response = api.post(f"/referrals/{referral.pk}/outcome", {"outcome": "no_answer"})
    status = STATUS_BY_CODE.get(CaseError.REFERRAL_OUTCOME_RECORDED, 422)
    assert problem(response, status)["code"] == CaseError.REFERRAL_OUTCOME_RECORDED
    assert case_state(case) == before


def test_report_needs_report_view_and_refuses_bad_dates(agent, tier1_lead, vendor):
    case = antivirus_case(agent)
    refer(agent, case, vendor)
    assert problem(api_for(agent).get("/reports/referrals"), 403)["code"] == "forbidden"
    lead = api_for(tier1_lead)
    response = lead.get("/reports/referrals")
    assert response.status_code == 200, response.content
    data = response.json()
    assert [v["vendor_name"] for v in data["vendors"]] == ["Brand X Corp"]
    assert data["total"]["referrals"] == 1
    assert data["total"]["still_open"] == 1
    assert problem(lead.get("/reports/referrals?from=yesterday"), 422)["code"] == "invalid"
    response = lead.get("/reports/referrals?from=2026-02-01&to=2026-01-01")
    assert "starts after it ends" in problem(response, 422)["detail"]
    response = lead.get("/reports/referrals?from=2026-01-01&to=2026-01-31")
    assert response.json()["start"] == "2026-01-01"
    assert response.json()["vendors"] == []
