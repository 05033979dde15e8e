"""An error report opens a case in its product's team queue, or joins the open case its
installation opened for the same error; the receipt names whom the customer can reach."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from followthrough.cases.models import Case, CaseEvent, Interaction
from followthrough.cases.services import case_claim, case_merge, case_set_status
from followthrough.cases.states import (
    CaseStatus,
    Channel,
    Direction,
    Disposition,
    EventType,
    Priority,
)
from followthrough.cases.tests.factories import open_case
from followthrough.intake.models import ErrorReport
from followthrough.intake.services import TRIAGE_STEP
from followthrough.intake.tests.factories import (
    PNG,
    PRODUCT,
    post_form,
    post_json,
    report_fields,
)


def _events(case: Case) -> list[tuple[str, int | None]]:
    return list(CaseEvent.objects.filter(case=case).order_by("id").values_list("type", "actor_id"))


def _near(value: dt.datetime | None, expected: dt.datetime) -> bool:
    return value is not None and abs(value - expected) < dt.timedelta(minutes=1)


def test_new_report_opens_an_unowned_case_in_the_product_teams_queue(
    client, route, reporter, tier2
):
    response = post_json(client, report_fields(), reporter.headers)

    assert response.status_code == 201, response.content
    body = response.json()
    report = ErrorReport.objects.get()
    case = Case.objects.get()
    assert body == {
        "report_id": report.pk,
        "case_number": case.number,
        "case_url": f"http://testserver/cases/{case.pk}/",
        "status": "new",
        "owner": {"kind": "team", "name": "Tier 2", "direct_line": tier2.direct_line},
        "appended": False,
    }
    assert case.team == tier2
    assert case.owner is None
    assert case.status == CaseStatus.NEW
    assert case.priority == Priority.P2  # the route's priority
    assert case.channel == Channel.ERROR_REPORT
    assert case.opened_by is None
    assert case.subject == (
        "Error report: Acme VPN 4.2.1 - E-TUNNEL-42: Tunnel dropped after resume from sleep"
    )
    assert "stack: tunnel.c:88" in case.description
    assert "- os: Windows 11 23H2" in case.description
    assert '- adapters: ["wg0"]' in case.description
    assert case.next_step == TRIAGE_STEP
    assert _near(case.next_step_due, timezone.now() + dt.timedelta(minutes=240))
    assert (case.interaction_count, case.agent_count, case.open_commitment_count) == (1, 0, 0)
    assert case.version == 2

    interaction = Interaction.objects.get()
    assert interaction.case == case
    assert interaction.channel == Channel.ERROR_REPORT
    assert interaction.direction == Direction.INBOUND
    assert interaction.disposition == Disposition.NEXT_STEP_SET
    assert interaction.agent is None
    assert f"error report {report.pk}" in interaction.note
    assert interaction.started_at == report.received_at

    assert _events(case) == [
        (EventType.OPENED, None),
        (EventType.INTERACTION_LOGGED, None),
        (EventType.NEXT_STEP_CONFIRMED, None),
    ]
    opened = CaseEvent.objects.get(case=case, type=EventType.OPENED)
    assert opened.after["team"] == {"id": tier2.pk, "name": "Tier 2"}
    assert opened.after["owner"] is None
    assert opened.after["channel"] == Channel.ERROR_REPORT
    logged = CaseEvent.objects.get(case=case, type=EventType.INTERACTION_LOGGED)
    assert logged.interaction == interaction
    assert logged.case_version == 2

    assert report.token == reporter.token
    assert (report.product, report.version, report.installation_id, report.error_code) == (
        PRODUCT,
        "4.2.1",
        "inst-7f3a",
        "E-TUNNEL-42",
    )
    assert report.diagnostics == {"os": "Windows 11 23H2", "uptime_s": 5123, "adapters": ["wg0"]}
    assert (report.case, report.interaction, report.appended) == (case, interaction, False)
    assert report.quarantine_code == ""


def test_repeat_report_while_the_case_is_open_adds_a_contact_not_a_case(client, route, reporter):
    first = post_json(client, report_fields(), reporter.headers).json()
    case = Case.objects.get()
    due_before = case.next_step_due

    response = post_json(
        client, report_fields(message="Dropped again", version="4.2.2"), reporter.headers
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["appended"] is True
    assert body["case_number"] == first["case_number"]
    assert body["report_id"] != first["report_id"]
    assert Case.objects.count() == 1
    case.refresh_from_db()
    assert (case.interaction_count, case.agent_count, case.open_commitment_count) == (2, 0, 0)
    assert case.version == 3
    assert case.next_step_due == due_before  # confirmed, not moved
    assert _events(case)[3:] == [
        (EventType.INTERACTION_LOGGED, None),
        (EventType.NEXT_STEP_CONFIRMED, None),
    ]
    second = ErrorReport.objects.get(pk=body["report_id"])
    assert (second.case, second.appended) == (case, True)
    assert second.interaction is not None
    assert second.interaction.note.startswith("Reported again")
    assert "Dropped again" in second.interaction.note


def test_another_installation_or_another_error_opens_its_own_case(client, route, reporter):
    post_json(client, report_fields(), reporter.headers)
    other_install = post_json(client, report_fields(installation_id="inst-0001"), reporter.headers)
    other_error = post_json(client, report_fields(error_code="E-DNS-7"), reporter.headers)

    assert other_install.json()["appended"] is False
    assert other_error.json()["appended"] is False
    assert Case.objects.count() == 3


def test_report_after_the_case_is_resolved_opens_a_new_case(client, route, reporter, tier2_agent):
    first = post_json(client, report_fields(), reporter.headers).json()
    old = Case.objects.get()
    case_claim(actor=tier2_agent, case=old)
    case_set_status(actor=tier2_agent, case=old, status=CaseStatus.RESOLVED)

    response = post_json(client, report_fields(), reporter.headers)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["appended"] is False
    assert body["case_number"] != first["case_number"]
    new = Case.objects.exclude(pk=old.pk).get()
    assert body["case_number"] == new.number
    assert f"reported the same error before, on {old.number}" in new.description
    old.refresh_from_db()
    assert old.status == CaseStatus.RESOLVED
    assert old.interaction_count == 1


def test_receipt_names_the_teams_line_then_the_owners_once_someone_claims_it(
    client, route, reporter, tier2, tier2_agent
):
    before = post_json(client, report_fields(), reporter.headers).json()
    assert before["owner"] == {
        "kind": "team",
        "name": "Tier 2",
        "direct_line": tier2.direct_line,
    }
    case_claim(actor=tier2_agent, case=Case.objects.get())

    after = post_json(client, report_fields(), reporter.headers).json()

    assert after["owner"] == {
        "kind": "owner",
        "name": "Cora Tiertwo",
        "direct_line": tier2_agent.direct_line,
    }
    assert after["status"] == "open"
    assert after["appended"] is True


def test_idempotency_key_retry_returns_the_same_case_number_and_opens_one_case(
    client, route, reporter
):
    headers = {**reporter.headers, "Idempotency-Key": "crash-2024-05-01-0001"}
    files = [("tunnel.log", b"12:00:01 tunnel up\n12:00:09 tunnel down\n")]

    first = post_form(client, report_fields(), files, headers)
    retry = post_form(client, report_fields(), files, headers)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1
    assert ErrorReport.objects.count() == 1
    assert Interaction.objects.count() == 1


def test_report_of_a_case_merged_away_joins_the_case_it_was_merged_into(
    client, route, reporter, tier2, tier2_lead
):
    post_json(client, report_fields(), reporter.headers)
    source = Case.objects.get()
    target = open_case(actor=tier2_lead, subject="VPN drops for several customers")
    case_merge(actor=tier2_lead, source=source, target=target, reason="Same tunnel bug")
    target.refresh_from_db()
    contacts_before = target.interaction_count

    body = post_json(client, report_fields(), reporter.headers).json()

    assert body["appended"] is True
    assert body["case_number"] == target.number
    target.refresh_from_db()
    assert target.interaction_count == contacts_before + 1
    assert Interaction.objects.filter(case=target).count() == 1
    assert Case.objects.count() == 2


def test_repeat_report_on_an_overdue_next_step_keeps_the_step_with_a_new_time(
    client, route, reporter
):
    post_json(client, report_fields(), reporter.headers)
    case = Case.objects.get()
    overdue = timezone.now() - dt.timedelta(hours=1)
    # The deadline passed while nobody triaged the case.
    Case.objects.filter(pk=case.pk).update(next_step_due=overdue)

    response = post_json(client, report_fields(), reporter.headers)

    assert response.status_code == 201, response.content
    assert response.json()["appended"] is True
    case.refresh_from_db()
    assert case.next_step == TRIAGE_STEP
    assert _near(case.next_step_due, timezone.now() + dt.timedelta(minutes=240))
    assert case.interaction_count == 2
    step = CaseEvent.objects.filter(case=case, type=EventType.NEXT_STEP_SET).get()
    assert step.actor is None
    assert step.before == {"next_step": TRIAGE_STEP, "next_step_due": overdue.isoformat()}


def test_multipart_report_with_files_lists_them_on_the_case(client, route, reporter):
    files = [("tunnel.log", b"12:00:09 tunnel down\n"), ("screen.png", PNG)]

    response = post_form(client, report_fields(), files, reporter.headers)

    assert response.status_code == 201, response.content
    report = ErrorReport.objects.get()
    assert report.diagnostics == report_fields()["diagnostics"]
    names = [(a.original_name, a.content_type) for a in report.attachments.all()]
    assert names == [("tunnel.log", "text/x-log"), ("screen.png", "image/png")]
    case = Case.objects.get()
    assert "- tunnel.log (text/x-log, 21 bytes)" in case.description
    assert "- screen.png (image/png" in case.description
