"""Referrals on the case page: the "Refer to a vendor" panel, referrals in the brief with their
outcome form, the timeline lines; every refusal in words, changing nothing."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from followthrough.cases.models import CaseEvent, Commitment, Referral
from followthrough.cases.services import case_set_status
from followthrough.cases.states import CaseStatus, CommitmentStatus, EventType, ReferralOutcome
from followthrough.cases.tests.factories import case_state, in_hours
from followthrough.cases.tests.test_case_actions import HTMX, local, panel
from followthrough.cases.tests.test_referrals import (
    REASON,
    antivirus_case,
    make_vendor,
    record_outcome,
    refer,
    us_numbers,
    vendor,
)
from followthrough.knowledge.services.vendors import vendor_set_active

__all__ = ["us_numbers", "vendor"]  # the fixtures, imported so pytest finds them here


def page(client, case) -> str:
    response = client.get(reverse("case_detail", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def refer_data(case, chosen, **overrides):
    data = {
        "vendor": str(chosen.pk),
        "reason": REASON,
        "follow_up_due": local(in_hours(3)),
        "channel": "phone",
        "set_pending": "on",
        "expected_version": case.version,
    }
    return data | overrides


def test_the_refer_panel_offers_active_vendors_only(client, agent, tier1_lead, vendor):
    gone = make_vendor(tier1_lead, "Gone Ltd")
    vendor_set_active(actor=tier1_lead, vendor=gone, active=False)
    case = antivirus_case(agent)
    client.force_login(agent)
    html = panel(page(client, case), "refer")
    assert "Refer to a vendor" in html
    assert f'<option value="{vendor.pk}">Brand X Corp</option>' in html
    assert "Gone Ltd" not in html
    assert 'name="set_pending"' in html and "checked" in html


def test_refer_from_the_page_over_htmx(client, agent, vendor):
    case = antivirus_case(agent)
    client.force_login(agent)
    url = reverse("case_refer", args=[case.pk])
    response = client.post(url, refer_data(case, vendor), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Referred to Brand X Corp; the promise to check back" in html
    referral = Referral.objects.get()
    assert referral.case == case
    case.refresh_from_db()
    assert case.status == CaseStatus.PENDING_THIRD_PARTY
    # The brief shows it, with how to reach them and the outcome form.
    assert 'aria-labelledby="referrals-title"' in html
    assert "Referred to <a href=" in html
    assert "(promise open)" in html
    assert 'href="tel:+12125550147"' in html
    assert "+1 212-555-0147" in html
    assert "Mon-Fri 08:00-18:00 (America/New_York)" in html
    assert 'rel="noopener noreferrer"' in html
    assert f'id="action-referral-{referral.pk}"' in html
    # The timeline reads well.
    assert "Referred to Brand X Corp</span>" in html


def test_refer_without_javascript_redirects_and_unticked_pending_stays_open(client, agent, vendor):
    case = antivirus_case(agent)
    client.force_login(agent)
    data = refer_data(case, vendor)
    data.pop("set_pending")
    response = client.post(reverse("case_refer", args=[case.pk]), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("case_detail", args=[case.pk])
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert Referral.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"reason": ""}, "Reason is required."),
        ({"follow_up_due": ""}, "The follow-up needs a date and time."),
        ({"vendor": ""}, "Choose the vendor you are sending the customer to."),
        ({"vendor": "999999"}, "Choose a vendor from the list."),
        ({"follow_up_due": "tomorrow-ish"}, "Enter a valid date/time."),
        ({"channel": "pigeon"}, "Select a valid choice."),
    ],
)
def test_refer_refusals_are_in_words_keep_what_was_typed_and_change_nothing(
    client, agent, vendor, change, words
):
    case = antivirus_case(agent)
    before = case_state(case)
    client.force_login(agent)
    data = refer_data(case, vendor, **change)
    data["reason"] = change.get("reason", "Typed words stay <b>here</b>")
    response = client.post(reverse("case_refer", args=[case.pk]), data, headers=HTMX)
    html = response.content.decode()
    assert words in html
    assert case_state(case) == before
    assert Referral.objects.count() == 0
    refer_panel = panel(html, "refer")
    assert "open" in refer_panel[: refer_panel.index(">")]
    if "reason" not in change:
        assert "Typed words stay &lt;b&gt;here&lt;/b&gt;" in refer_panel


def test_refer_with_a_past_follow_up_is_refused_in_words(client, agent, vendor):
    case = antivirus_case(agent)
    before = case_state(case)
    client.force_login(agent)
    data = refer_data(case, vendor, follow_up_due=local(in_hours(-2)))
    html = client.post(reverse("case_refer", args=[case.pk]), data, headers=HTMX).content.decode()
    assert "The follow-up must be in the future." in html
    assert case_state(case) == before


def test_refer_from_a_stale_page_is_refused(client, agent, vendor):
    case = antivirus_case(agent)
    client.force_login(agent)
    data = refer_data(case, vendor, expected_version=case.version - 1)
    before = case_state(case)
    html = client.post(reverse("case_refer", args=[case.pk]), data, headers=HTMX).content.decode()
    assert "was changed by someone else" in html
    assert case_state(case) == before


def test_a_vendor_deactivated_while_the_page_was_open_is_refused(client, agent, tier1_lead, vendor):
    make_vendor(tier1_lead, "Still Here Ltd")
    case = antivirus_case(agent)
    client.force_login(agent)
    data = refer_data(case, vendor)
    vendor_set_active(actor=tier1_lead, vendor=vendor, active=False)
    before = case_state(case)
    html = client.post(reverse("case_refer", args=[case.pk]), data, headers=HTMX).content.decode()
    assert "Choose a vendor from the list." in html
    assert case_state(case) == before


def test_a_portal_customer_cannot_refer(client, agent, vendor, customer_user, contact):
    case = antivirus_case(agent, contact)
    before = case_state(case)
    client.force_login(customer_user)
    response = client.post(reverse("case_refer", args=[case.pk]), refer_data(case, vendor))
    assert response.status_code == 403
    assert case_state(case) == before


def test_refer_is_a_post_only_action(client, agent, vendor):
    case = antivirus_case(agent)
    client.force_login(agent)
    assert client.get(reverse("case_refer", args=[case.pk])).status_code == 405


def test_record_no_answer_from_the_brief_keeps_the_promise(client, agent, vendor):
    case = antivirus_case(agent)
    referral = refer(agent, case, vendor)
    client.force_login(agent)
    url = reverse("referral_outcome", args=[referral.pk])
    form = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "The case's next step is this check-back: say what happens next." in form
    data = {"outcome": ReferralOutcome.NO_ANSWER, "note": "Rang at 10 and 11"}
    before = case_state(case)
    html = client.post(url, data, headers=HTMX).content.decode()
    assert "say what happens next on the case" in html
    assert case_state(case) == before
    due = local(in_hours(2))
    data |= {"next_step": "Run the removal tool with the customer", "next_step_due": due}
    html = client.post(url, data, headers=HTMX).content.decode()
    assert "Outcome recorded for Brand X Corp: the vendor did not answer." in html
    case.refresh_from_db()
    assert (case.next_step, case.status) == (
        "Run the removal tool with the customer",
        CaseStatus.OPEN,
    )
    referral.refresh_from_db()
    assert referral.outcome == ReferralOutcome.NO_ANSWER
    promise = Commitment.objects.get(pk=referral.commitment_id)
    assert promise.status == CommitmentStatus.KEPT
    assert "(promise kept)" in html
    assert "Rang at 10 and 11" in html
    assert f'id="action-referral-{referral.pk}"' not in html
    assert "Referral to Brand X Corp: the vendor did not answer" in html


def test_outcome_refusals_change_nothing(client, agent, vendor, customer_user, contact):
    case = antivirus_case(agent, contact)
    referral = refer(agent, case, vendor)
    url = reverse("referral_outcome", args=[referral.pk])
    client.force_login(agent)
    before = case_state(case)
    html = client.post(url, {"outcome": "pending"}, headers=HTMX).content.decode()
    assert "Select a valid choice." in html
    assert case_state(case) == before
    record_outcome(actor=agent, referral=referral, outcome=ReferralOutcome.WE_SOLVED)
    before = case_state(case)
    response = client.post(url, {"outcome": ReferralOutcome.NO_ANSWER}, headers=HTMX)
    assert "The outcome of this referral is recorded already" in response.content.decode()
    assert case_state(case) == before
    client.force_login(customer_user)
    assert client.post(url, {"outcome": ReferralOutcome.NO_ANSWER}).status_code == 403
    assert case_state(case) == before


def test_outcome_on_someone_elses_or_a_missing_referral_is_not_found(client, agent, vendor):
    client.force_login(agent)
    url = reverse("referral_outcome", args=[424242])
    assert client.post(url, {"outcome": ReferralOutcome.NO_ANSWER}).status_code == 404


def test_vendor_text_is_escaped_on_the_case_page(client, agent, tier1_lead):
    nasty = make_vendor(
        tier1_lead,
        "<script>alert(1)</script> Corp",
        hours="<img src=x onerror=alert(1)>",
        notes="<b>bold</b>",
    )
    case = antivirus_case(agent)
    refer(agent, case, nasty, reason="<script>alert(2)</script>")
    client.force_login(agent)
    html = page(client, case)
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Corp" in html


def test_resolved_and_closed_cases_offer_no_refer_panel(client, agent, tier1_lead, vendor):
    case = antivirus_case(agent)
    client.force_login(agent)
    assert 'id="action-refer"' in page(client, case)
    case_set_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    assert 'id="action-refer"' not in page(client, case)
    case_set_status(actor=tier1_lead, case=case, status=CaseStatus.CLOSED)
    assert 'id="action-refer"' not in page(client, case)


def test_no_vendor_in_the_directory_says_so(client, agent):
    case = antivirus_case(agent)
    client.force_login(agent)
    html = panel(page(client, case), "refer")
    assert "No vendor is offered for referrals." in html
    assert reverse("vendor_list") in html


# The page's query count (see test_case_page.PAGE_QUERIES) with referrals in the brief.
PAGE_QUERIES = 22


def test_case_page_query_count_does_not_grow_with_referrals(
    client, agent, tier1_lead, vendor, django_assert_num_queries
):
    bare = antivirus_case(agent)
    busy = antivirus_case(agent)
    for i in range(5):
        refer(agent, busy, make_vendor(tier1_lead, f"Vendor {i}"), set_pending=False)
    client.force_login(agent)
    for case in (bare, busy):
        with django_assert_num_queries(PAGE_QUERIES):
            html = page(client, case)
    assert len(re.findall(r'id="action-referral-\d+"', html)) == 5
    assert CaseEvent.objects.filter(case=busy, type=EventType.REFERRED).count() == 5
