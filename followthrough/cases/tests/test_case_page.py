"""The case page: the brief an agent reads in ten seconds, the timeline, and who sees what."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from followthrough.accounts.models import Team, User
from followthrough.cases.models import Case, CaseEvent
from followthrough.cases.services import (
    case_add_note,
    case_link,
    case_merge,
    commitment_keep,
    decision_record,
    handoff_accept,
)
from followthrough.cases.states import HandoffKind, NoteVisibility
from followthrough.cases.tests.factories import (
    case_state,
    hand_off,
    in_hours,
    log_call,
    open_case,
    promise,
)
from followthrough.customers.models import Contact
from followthrough.customers.tests.factories import AssetFactory

HTMX = {"HX-Request": "true"}

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"


def page(client: Client, case: Case) -> str:
    response = client.get(reverse("case_detail", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def busy_case(
    *,
    owner: User,
    helper: User,
    tier2_agent: User,
    tier2: Team,
    lead: User,
    contact: Contact,
    calls: int = 6,
    notes: int = 6,
    promises: int = 4,
    decisions: int = 3,
) -> Case:
    """A case many people worked: calls, notes, promises (one kept), decisions, an accepted
    tier escalation back and forth, and a handoff still waiting for acceptance."""
    asset = AssetFactory.create(organization=contact.organization, product="EdgeSwitch 48")
    case = open_case(
        actor=owner, contact=contact, asset=asset, subject="EdgeSwitch drops every port"
    )
    for i in range(calls):
        log_call(helper if i % 2 else owner, case, note=f"Call number {i}: ports dropped again")
    for i in range(notes):
        case_add_note(actor=helper, case=case, body=f"Internal note {i}")
    made = [
        promise(owner, case, description=f"Promise number {i}", due_at=in_hours(24 + i))
        for i in range(promises)
    ]
    commitment_keep(actor=owner, commitment=made[0])
    for i in range(decisions):
        decision_record(
            actor=owner,
            case=case,
            policy=f"Policy number {i}",
            decision="Advance replacement before troubleshooting",
            rationale="Customer is 2.5 hours from the switch",
            approved_by=lead if i % 2 else None,
            no_approver_reason="" if i % 2 else "Lead on leave; deputy in training",
        )
    escalation = hand_off(
        owner,
        case,
        kind=HandoffKind.TIER_ESCALATION,
        to_team=tier2,
        to_user=tier2_agent,
        tried="Power and uplink checks by phone",
    )
    handoff_accept(actor=tier2_agent, handoff=escalation)
    hand_off(tier2_agent, case, to_user=owner, tried="Read the log bundle")
    case.refresh_from_db()
    return case


@pytest.fixture
def busy(agent, agent2, tier2_agent, tier2, tier1_lead, contact) -> Case:
    return busy_case(
        owner=agent,
        helper=agent2,
        tier2_agent=tier2_agent,
        tier2=tier2,
        lead=tier1_lead,
        contact=contact,
    )


def test_page_shows_the_brief_of_a_busy_case(client, busy, agent, agent2, tier2_agent, contact):
    client.force_login(agent)
    html = page(client, busy)
    # Header: number, subject, badges, customer and asset with links.
    assert busy.number in html
    assert "EdgeSwitch drops every port" in html
    assert "badge-open" in html and "badge-P3" in html
    assert reverse("organization_detail", args=[contact.organization_id]) in html
    assert reverse("contact_detail", args=[contact.pk]) in html
    assert "EdgeSwitch 48" in html
    # The brief: owner and how to reach them, next step with its due time in words.
    assert tier2_agent.display_name in html
    assert tier2_agent.direct_line in html
    assert busy.next_step in html
    assert "Due in" in html
    # "6th contact, previously A and B" and the agents who touched it.
    assert f"6th contact, previously {agent.display_name} and {agent2.display_name}" in html
    assert "3 agents worked on it" in html
    # Three promises still open, each with keep / break / cancel; the kept one is not listed.
    for i in (1, 2, 3):
        assert f"Promise number {i}" in html
    for commitment in busy.commitments.filter(status="open"):
        for outcome in ("keep", "break", "cancel"):
            assert reverse("promise_settle", args=[commitment.pk, outcome]) in html
    assert "3 open promises" in html
    # Decisions: policy, decision, why, approved by or why nobody could.
    assert "Exception to Policy number 2" in html
    assert "Customer is 2.5 hours from the switch" in html
    assert "Lead on leave; deputy in training" in html
    assert "Approved by" in html
    assert "Record the outcome" in html
    # What was tried, from the handoffs.
    assert "Power and uplink checks by phone" in html
    assert "Read the log bundle" in html


def test_pending_handoff_offers_accept_and_decline_to_its_receiver(client, busy, agent):
    pending = busy.handoffs.get(status="pending")
    client.force_login(agent)
    html = page(client, busy)
    assert "Waiting for acceptance" in html
    assert reverse("handoff_answer", args=[pending.pk, "accept"]) in html
    assert reverse("handoff_answer", args=[pending.pk, "decline"]) in html
    assert reverse("handoff_answer", args=[pending.pk, "cancel"]) not in html


def test_pending_handoff_offers_cancel_to_its_sender_only(client, busy, tier2_agent, agent2):
    pending = busy.handoffs.get(status="pending")
    client.force_login(tier2_agent)
    html = page(client, busy)
    assert reverse("handoff_answer", args=[pending.pk, "cancel"]) in html
    assert reverse("handoff_answer", args=[pending.pk, "accept"]) not in html
    client.force_login(agent2)
    html = page(client, busy)
    assert reverse("handoff_answer", args=[pending.pk, "accept"]) not in html
    assert reverse("handoff_answer", args=[pending.pk, "cancel"]) not in html
    assert f"Only {pending.to_user.display_name} can accept or decline it." in html


def test_overdue_next_step_is_said_in_words(client, agent):
    case = open_case(actor=agent)
    # Time passes: the next step falls due two hours ago.
    Case.objects.filter(pk=case.pk).update(
        next_step_due=timezone.now() - dt.timedelta(hours=2, minutes=5)
    )
    client.force_login(agent)
    html = page(client, case)
    assert "Overdue by 2 h 05 min" in html
    assert "is-overdue" in html


def test_timeline_reads_newest_first_with_what_was_written(client, agent, agent2):
    case = open_case(actor=agent)
    log_call(agent, case, note="First call: printer offline")
    case_add_note(actor=agent2, case=case, body="Public reply", visibility=NoteVisibility.PUBLIC)
    hand_off(agent, case, to_user=agent2, summary="Printer offline since firmware 2.1")
    client.force_login(agent)
    html = page(client, case)
    timeline = html[html.index('id="timeline"') :]
    order = [
        timeline.index("Printer offline since firmware 2.1"),
        timeline.index("Public reply"),
        timeline.index("First call: printer offline"),
        timeline.index("Case opened"),
    ]
    assert order == sorted(order)
    assert "Phone · inbound · Information given" in timeline
    assert "badge-public" in timeline
    assert f"Transfer requested to {agent2.display_name}" in timeline


def test_timeline_shows_status_changes_and_links_to_the_other_case(client, agent, contact):
    case = open_case(actor=agent, contact=contact)
    other = open_case(actor=agent, contact=contact)
    case_link(actor=agent, case=case, other=other, kind="duplicate")
    client.force_login(agent)
    html = page(client, case)
    assert f"This case is duplicate of {other.number}" in html
    assert reverse("case_detail", args=[other.pk]) in html
    html = page(client, other)
    assert f"{case.number} is duplicate of this case" in html


def test_timeline_filter_over_htmx_returns_only_that_kind(client, agent):
    case = open_case(actor=agent)
    log_call(agent, case, note="A call about the printer")
    case_add_note(actor=agent, case=case, body="A note about the printer")
    client.force_login(agent)
    url = reverse("case_timeline", args=[case.pk])
    response = client.get(url, {"only": "notes"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="timeline"')
    assert "A note about the printer" in html
    assert "A call about the printer" not in html
    assert "<html" not in html


def test_timeline_filter_without_htmx_renders_the_whole_page(client, agent):
    case = open_case(actor=agent)
    log_call(agent, case, note="A call about the printer")
    case_add_note(actor=agent, case=case, body="A note about the printer")
    client.force_login(agent)
    url = reverse("case_timeline", args=[case.pk])
    html = client.get(url, {"only": "contacts"}).content.decode()
    assert "<html" in html and 'id="case-body"' in html
    timeline = html[html.index('id="timeline"') :]
    assert "A call about the printer" in timeline
    assert "A note about the printer" not in timeline


def test_timeline_older_link_pages_through_every_entry(client, agent):
    case = open_case(actor=agent)
    for i in range(55):
        case_add_note(actor=agent, case=case, body=f"Note {i:02d}")
    client.force_login(agent)
    url = reverse("case_timeline", args=[case.pk])
    first = client.get(url, headers=HTMX).content.decode()
    cursor = re.search(r'hx-get="[^"]*\?cursor=([^"&]+)', first)
    assert cursor is not None and "Older" in first
    second = client.get(url, {"cursor": cursor.group(1)}, headers=HTMX).content.decode()
    seen = re.findall(r"Note (\d\d)", first) + re.findall(r"Note (\d\d)", second)
    assert sorted(seen) == [f"{i:02d}" for i in range(55)]
    assert "Case opened" in second and "Older" not in second and "Newest" in second


def test_timeline_refuses_an_unknown_filter_or_cursor_in_words(client, agent):
    case = open_case(actor=agent)
    client.force_login(agent)
    url = reverse("case_timeline", args=[case.pk])
    html = client.get(url, {"only": "gossip"}, headers=HTMX).content.decode()
    assert "is not a timeline filter" in html
    html = client.get(url, {"cursor": "nonsense!"}, headers=HTMX).content.decode()
    assert "The page cursor is not one this desk gave out." in html


def test_subject_and_note_with_markup_are_shown_as_text(client, agent):
    case = open_case(actor=agent, subject=f"Printer {XSS_SCRIPT}")
    case_add_note(actor=agent, case=case, body=f"Tried {XSS_IMG} and {XSS_SCRIPT}")
    log_call(agent, case, note=f"Caller pasted {XSS_IMG}")
    client.force_login(agent)
    for html in (
        page(client, case),
        client.get(reverse("case_timeline", args=[case.pk]), headers=HTMX).content.decode(),
    ):
        assert XSS_SCRIPT not in html
        assert XSS_IMG not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Printer &lt;script&gt;alert(1)&lt;/script&gt;" in page(client, case)


def test_portal_customer_is_forbidden_the_case_page(client, agent, contact, customer_user):
    case = open_case(actor=agent, contact=contact)
    client.force_login(customer_user)
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 403
    assert client.get(reverse("case_timeline", args=[case.pk])).status_code == 403


def test_missing_case_is_not_found(client, agent):
    client.force_login(agent)
    assert client.get(reverse("case_detail", args=[987654])).status_code == 404
    assert client.get(reverse("case_timeline", args=[987654])).status_code == 404


def test_assign_and_merge_are_offered_only_to_those_who_may(client, agent, tier1_lead):
    case = open_case(actor=agent)
    client.force_login(agent)
    html = page(client, case)
    assert reverse("case_assign", args=[case.pk]) not in html
    assert reverse("case_merge", args=[case.pk]) not in html
    assert reverse("case_hand_off", args=[case.pk]) in html
    client.force_login(tier1_lead)
    html = page(client, case)
    assert reverse("case_assign", args=[case.pk]) in html
    assert reverse("case_merge", args=[case.pk]) in html


def test_claim_is_offered_only_on_an_unowned_case(client, agent, tier1):
    queued = open_case(actor=agent, owner=None, team=tier1)
    owned = open_case(actor=agent)
    client.force_login(agent)
    assert "Claim this case" in page(client, queued)
    assert f"{tier1.name} queue" in page(client, queued)
    assert "Claim this case" not in page(client, owned)


def test_merged_case_points_to_the_case_that_carries_on(client, agent, tier1_lead, contact):
    source = open_case(actor=agent, contact=contact)
    target = open_case(actor=agent, contact=contact, subject="The one that carries on")
    case_merge(actor=tier1_lead, source=source, target=target, reason="Same switch")
    client.force_login(agent)
    html = page(client, source)
    assert "This case was merged into" in html
    assert reverse("case_detail", args=[target.pk]) in html
    assert reverse("case_log_call", args=[source.pk]) not in html
    html = page(client, target)
    assert f"{source.number} was merged into this case" in html


def test_get_never_changes_the_case(client, busy, agent):
    before = case_state(busy)
    client.force_login(agent)
    page(client, busy)
    client.get(reverse("case_timeline", args=[busy.pk]), {"only": "promises"}, headers=HTMX)
    assert case_state(busy) == before


# Session, user, team (top bar), case (access), brief (7), member teams, timeline (5: merged
# cases, events, their handoffs, promises and decisions), people, teams, vendors (the referral
# picker), SLA clocks and their calendars' hours (the deadlines section).
PAGE_QUERIES = 22


def test_case_page_query_count_does_not_grow_with_the_case(
    client, agent, busy, contact, django_assert_num_queries
):
    bare = open_case(actor=agent, contact=contact)
    client.force_login(agent)
    assert CaseEvent.objects.filter(case=busy).count() >= 30
    for case in (bare, busy):
        with django_assert_num_queries(PAGE_QUERIES):
            page(client, case)


def test_timeline_partial_query_count_does_not_grow(
    client, agent, busy, contact, django_assert_num_queries
):
    bare = open_case(actor=agent, contact=contact)
    client.force_login(agent)
    for case in (bare, busy):
        with django_assert_num_queries(9):
            client.get(reverse("case_timeline", args=[case.pk]), headers=HTMX)
