"""Working a case from its page: log a call, notes, next step, details, status, claim, assign.

Each action is tried over htmx (the re-rendered body) and without JavaScript (redirect on
success, the page again on refusal); every refusal is shown in words and changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from followthrough.cases.models import Case, CaseEvent, Interaction, Note
from followthrough.cases.services import case_add_note
from followthrough.cases.states import CaseStatus, Disposition, EventType
from followthrough.cases.tests.factories import (
    case_state,
    in_hours,
    open_case,
    promise,
)

HTMX = {"HX-Request": "true"}


def local(value: dt.datetime) -> str:
    """A time as a <input type="datetime-local"> sends it (test users work in UTC)."""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def post(client, name, case, data=None, *, htmx=False):
    headers = HTMX if htmx else {}
    return client.post(reverse(name, args=[case.pk]), data or {}, headers=headers)


def last_event(case: Case) -> CaseEvent:
    return CaseEvent.objects.filter(case=case).latest("id")


def panel(html: str, name: str) -> str:
    """The HTML of one action panel, from its <details> to the next panel."""
    start = html.index(f'id="action-{name}"')
    end = html.find('<details class="action"', start + 1)
    return html[start : end if end > 0 else len(html)]


def call_data(case: Case, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "channel": "phone",
        "direction": "inbound",
        "disposition": Disposition.INFORMATION_GIVEN,
        "note": "Customer confirmed the printer is back online",
        "outcome": "confirm",
        "expected_version": case.version,
    }
    data.update(overrides)
    return data


# --- Log a call ---


def test_log_call_over_htmx_returns_the_body_with_the_contact(client, agent):
    case = open_case(actor=agent)
    client.force_login(agent)
    response = post(client, "case_log_call", case, call_data(case, minutes="12"), htmx=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="case-body"')
    assert "Call logged; the next step is confirmed." in html
    interaction = Interaction.objects.get(case=case)
    assert interaction.note == "Customer confirmed the printer is back online"
    assert interaction.agent == agent
    assert interaction.ended_at - interaction.started_at >= dt.timedelta(minutes=12)
    types = list(CaseEvent.objects.filter(case=case).order_by("id").values_list("type", "actor"))
    assert types[-2:] == [
        (EventType.INTERACTION_LOGGED, agent.pk),
        (EventType.NEXT_STEP_CONFIRMED, agent.pk),
    ]
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.interaction_count == 1
    assert fresh.version == case.version + 1
    assert "Customer confirmed the printer is back online" in html


def test_log_call_with_a_new_next_step_redirects_without_htmx(client, agent):
    case = open_case(actor=agent)
    due = in_hours(30)
    client.force_login(agent)
    data = call_data(
        case, outcome="next_step", next_step="Send the firmware rollback", next_step_due=local(due)
    )
    response = post(client, "case_log_call", case, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("case_detail", args=[case.pk])
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.next_step == "Send the firmware rollback"
    assert fresh.next_step_due == due.replace(second=0, microsecond=0)
    event = last_event(case)
    assert event.type == EventType.NEXT_STEP_SET
    assert event.before["next_step"] == "Call back with the driver fix"
    assert event.after["next_step"] == "Send the firmware rollback"
    html = client.get(response["Location"]).content.decode()
    assert "Call logged; the new next step is set." in html


def test_log_call_that_resolves_the_case(client, agent):
    case = open_case(actor=agent)
    client.force_login(agent)
    data = call_data(case, outcome="resolve", disposition=Disposition.RESOLVED)
    html = post(client, "case_log_call", case, data, htmx=True).content.decode()
    assert f"Call logged; {case.number} is resolved." in html
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.status == CaseStatus.RESOLVED
    assert last_event(case).type == EventType.STATUS_CHANGED
    assert last_event(case).after == {"status": CaseStatus.RESOLVED}


def test_log_call_without_a_note_is_refused_in_its_panel(client, agent):
    case = open_case(actor=agent)
    before = case_state(case)
    client.force_login(agent)
    data = call_data(case, note="  ", outcome="next_step", next_step="Typed and kept")
    html = post(client, "case_log_call", case, data, htmx=True).content.decode()
    call_panel = panel(html, "call")
    assert 'id="action-call" open' in html
    assert "Note is required." in call_panel
    assert 'value="Typed and kept"' in call_panel
    assert case_state(case) == before


def test_resolving_by_call_with_an_open_promise_is_refused(client, agent):
    case = open_case(actor=agent)
    promise(agent, case)
    before = case_state(case)
    client.force_login(agent)
    data = call_data(case, outcome="resolve", expected_version=case.version + 1)
    html = post(client, "case_log_call", case, data, htmx=True).content.decode()
    assert "1 promise is still open: keep, break or cancel each one before resolving." in (
        panel(html, "call")
    )
    assert case_state(case) == before


# --- Notes ---


def test_add_public_note(client, agent):
    case = open_case(actor=agent)
    client.force_login(agent)
    data = {"body": "We are on it", "visibility": "public", "expected_version": case.version}
    html = post(client, "case_add_note", case, data, htmx=True).content.decode()
    assert "Public note added: the customer can see it." in html
    note = Note.objects.get(case=case)
    assert (note.body, note.visibility, note.author) == ("We are on it", "public", agent)
    event = last_event(case)
    assert (event.type, event.actor, event.note) == (EventType.NOTE_ADDED, agent, note)
    assert Case.objects.get(pk=case.pk).version == case.version + 1


def test_empty_note_is_refused(client, agent):
    case = open_case(actor=agent)
    before = case_state(case)
    client.force_login(agent)
    data = {"body": "", "visibility": "internal", "expected_version": case.version}
    html = post(client, "case_add_note", case, data, htmx=True).content.decode()
    assert "Note is required." in panel(html, "note")
    assert case_state(case) == before


def test_stale_page_gets_the_conflict_message_and_keeps_the_typing(client, agent, agent2):
    case = open_case(actor=agent)
    rendered_version = case.version
    case_add_note(actor=agent2, case=case, body="Someone else got there first")
    before = case_state(case)
    client.force_login(agent)
    data = {"body": "My note", "visibility": "internal", "expected_version": rendered_version}
    html = post(client, "case_add_note", case, data, htmx=True).content.decode()
    note_panel = panel(html, "note")
    assert f"{case.number} was changed by someone else" in note_panel
    assert "Reload it and try again." in note_panel
    assert "My note" in note_panel
    # The body now shows the other change, and the form carries the current version.
    assert "Someone else got there first" in html
    assert f'name="expected_version" value="{rendered_version + 1}"' in note_panel
    assert case_state(case) == before


# --- Next step and details ---


def test_set_next_step(client, agent):
    case = open_case(actor=agent)
    due = in_hours(48)
    client.force_login(agent)
    data = {"next_step": "Visit on site", "next_step_due": local(due), "expected_version": 1}
    html = post(client, "case_set_next_step", case, data, htmx=True).content.decode()
    assert "Next step set." in html
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.next_step, fresh.version) == ("Visit on site", case.version + 1)
    event = last_event(case)
    assert (event.type, event.actor) == (EventType.NEXT_STEP_SET, agent)
    assert event.after["next_step"] == "Visit on site"


def test_next_step_in_the_past_is_refused(client, agent):
    case = open_case(actor=agent)
    before = case_state(case)
    client.force_login(agent)
    past = timezone.now() - dt.timedelta(hours=1)
    data = {"next_step": "Too late", "next_step_due": local(past), "expected_version": 1}
    html = post(client, "case_set_next_step", case, data, htmx=True).content.decode()
    assert "Next step must be in the future." in panel(html, "step")
    assert case_state(case) == before


def test_update_details(client, agent):
    case = open_case(actor=agent)
    client.force_login(agent)
    data = {
        "subject": "Switch drops ports",
        "priority": "P1",
        "category": "Network",
        "expected_version": case.version,
    }
    response = post(client, "case_update", case, data)
    assert response.status_code == 302
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.subject, fresh.priority, fresh.category) == (
        "Switch drops ports",
        "P1",
        "Network",
    )
    event = last_event(case)
    assert event.type == EventType.UPDATED
    assert event.before["priority"] == "P3" and event.after["priority"] == "P1"
    assert fresh.version == case.version + 1


def test_empty_subject_is_refused(client, agent):
    case = open_case(actor=agent)
    before = case_state(case)
    client.force_login(agent)
    data = {"subject": "", "priority": "P3", "category": "", "expected_version": case.version}
    html = post(client, "case_update", case, data, htmx=True).content.decode()
    assert "Subject is required." in panel(html, "details")
    assert case_state(case) == before


# --- Status ---


def test_set_status_without_htmx_redirects_with_a_message(client, agent):
    case = open_case(actor=agent)
    client.force_login(agent)
    data = {"status": "pending_customer", "reason": "Waiting for logs", "expected_version": 1}
    response = post(client, "case_set_status", case, data)
    assert response.status_code == 302
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.status == CaseStatus.PENDING_CUSTOMER
    event = last_event(case)
    assert event.type == EventType.STATUS_CHANGED
    assert (event.before["status"], event.after["status"]) == ("open", "pending_customer")
    assert event.reason == "Waiting for logs"
    html = client.get(response["Location"]).content.decode()
    assert f"{case.number} is now pending customer." in html


def test_resolve_refused_while_a_promise_is_open_without_htmx(client, agent):
    case = open_case(actor=agent)
    promise(agent, case)
    before = case_state(case)
    client.force_login(agent)
    data = {"status": "resolved", "expected_version": case.version + 1}
    response = post(client, "case_set_status", case, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    assert "1 promise is still open" in panel(html, "status")
    assert 'id="action-status" open' in html
    assert case_state(case) == before


def test_resolve_refused_while_two_promises_are_open_over_htmx(client, agent):
    case = open_case(actor=agent)
    promise(agent, case)
    promise(agent, case, description="Ship the part")
    before = case_state(case)
    client.force_login(agent)
    data = {"status": "resolved", "expected_version": case.version + 2}
    html = post(client, "case_set_status", case, data, htmx=True).content.decode()
    assert "<html" not in html
    assert "2 promises are still open: keep, break or cancel each one before resolving." in (
        panel(html, "status")
    )
    assert case_state(case) == before


# --- Claim and assign ---


def test_claim_an_unowned_case(client, agent, tier1):
    case = open_case(actor=agent, owner=None, team=tier1)
    client.force_login(agent)
    html = post(client, "case_claim", case, htmx=True).content.decode()
    assert f"You now own {case.number}." in html
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.owner, fresh.status) == (agent, CaseStatus.OPEN)
    event = last_event(case)
    assert (event.type, event.actor, event.after["owner"]["id"]) == (
        EventType.CLAIMED,
        agent,
        agent.pk,
    )
    assert fresh.version == case.version + 1


def test_claim_of_an_owned_case_is_refused(client, agent, agent2):
    case = open_case(actor=agent)
    before = case_state(case)
    client.force_login(agent2)
    html = post(client, "case_claim", case, htmx=True).content.decode()
    assert f"{case.number} is already owned by {agent.display_name}." in html
    assert case_state(case) == before


def test_lead_assigns_a_case(client, agent, agent2, tier1_lead, tier1):
    case = open_case(actor=agent, team=tier1)
    client.force_login(tier1_lead)
    data = {"owner": agent2.pk, "team": tier1.pk, "reason": "Agent 1 is off sick"}
    html = post(client, "case_assign", case, data, htmx=True).content.decode()
    assert f"{case.number} is now with {agent2.display_name}." in html
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.owner == agent2
    event = last_event(case)
    assert (event.type, event.actor, event.reason) == (
        EventType.ASSIGNED,
        tier1_lead,
        "Agent 1 is off sick",
    )
    assert fresh.version == case.version + 1


def test_assigning_to_nobody_is_refused(client, agent, tier1_lead):
    case = open_case(actor=agent)
    before = case_state(case)
    client.force_login(tier1_lead)
    html = post(client, "case_assign", case, {"owner": "", "team": ""}, htmx=True)
    assert "it can never be nobody" in panel(html.content.decode(), "assign")
    assert case_state(case) == before


def test_agent_without_the_right_cannot_assign(client, agent, agent2):
    case = open_case(actor=agent)
    before = case_state(case)
    client.force_login(agent)
    response = post(client, "case_assign", case, {"owner": agent2.pk})
    assert response.status_code == 403
    assert case_state(case) == before
