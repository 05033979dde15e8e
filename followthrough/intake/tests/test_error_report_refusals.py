"""Who may send error reports, what input is refused before anything is stored, and the
reports that are stored but quarantined because no case can be opened for them."""

from __future__ import annotations

import json

import pytest

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.services import (
    api_token_create,
    api_token_revoke,
    integration_token_create,
)
from followthrough.api import STATUS_BY_CODE
from followthrough.cases.models import Case
from followthrough.core.errors import CommonError, ServiceError
from followthrough.intake.errors import IntakeError
from followthrough.intake.models import ErrorReport, ProductRoute
from followthrough.intake.services import error_report_receive, error_report_retry
from followthrough.intake.tests.factories import (
    PRODUCT,
    URL,
    intake_state,
    post_form,
    post_json,
    report_fields,
    stored_files,
)


def status_for(code: str) -> int:
    """The status the API gives a refusal code (422 unless the API maps it otherwise)."""
    return STATUS_BY_CODE.get(code, 422)


def _problem(response, code: str) -> dict:
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    return body


# --- Who may send ---------------------------------------------------------------------------


def test_report_without_a_token_is_refused_with_401(client, route):
    before = intake_state()
    response = post_json(client, report_fields())
    assert response.status_code == 401
    _problem(response, "unauthenticated")
    assert intake_state() == before


def test_report_with_a_personal_token_is_refused_with_403(client, route, agent):
    _, text = api_token_create(
        actor=agent, user=agent, name="my laptop", scopes=[Capability.CASE_OPEN]
    )
    before = intake_state()
    response = post_json(client, report_fields(), {"Authorization": f"Bearer {text}"})
    assert response.status_code == 403
    _problem(response, CommonError.FORBIDDEN)
    assert intake_state() == before


def test_report_from_a_signed_in_session_is_refused_with_403(client, route, token_admin):
    client.force_login(token_admin)
    before = intake_state()
    response = post_json(client, report_fields())
    assert response.status_code == 403
    _problem(response, CommonError.FORBIDDEN)
    assert intake_state() == before


def test_integration_token_without_the_error_report_scope_is_refused_with_403(
    client, route, token_admin
):
    _, text = integration_token_create(
        actor=token_admin, name="CRM sync", scopes=[Capability.CASE_VIEW], product=PRODUCT
    )
    before = intake_state()
    response = post_json(client, report_fields(), {"Authorization": f"Bearer {text}"})
    assert response.status_code == 403
    _problem(response, CommonError.FORBIDDEN)
    assert intake_state() == before


# --- Stored, but quarantined ----------------------------------------------------------------


def test_report_for_another_product_is_refused_and_kept_quarantined(client, route, reporter):
    ProductRoute.objects.create(product="Acme Firewall", team=route.team)
    before = intake_state()

    response = post_form(
        client,
        report_fields(product="Acme Firewall"),
        [("fw.log", b"denied 10.0.0.1\n")],
        reporter.headers,
    )

    assert response.status_code == status_for(IntakeError.PRODUCT_MISMATCH)
    body = _problem(response, IntakeError.PRODUCT_MISMATCH)
    report = ErrorReport.objects.get()
    assert body["report_id"] == report.pk
    assert body["stored"] is True
    assert body["quarantined"] is True
    assert report.case is None
    assert report.interaction is None
    assert report.quarantine_code == IntakeError.PRODUCT_MISMATCH
    assert "'Acme Firewall'" in report.quarantine_reason
    assert report.product == "Acme Firewall"
    assert [a.original_name for a in report.attachments.all()] == ["fw.log"]
    after = intake_state()
    assert after["reports"] == before["reports"] + 1
    assert after["attachments"] == before["attachments"] + 1
    # No case, contact or event: only the raw report and its file.
    assert {k: after[k] for k in ("cases", "interactions", "events")} == {
        k: before[k] for k in ("cases", "interactions", "events")
    }


def test_report_for_an_unrouted_product_is_refused_and_kept_quarantined(client, reporter):
    before = intake_state()

    response = post_json(client, report_fields(), reporter.headers)

    assert response.status_code == status_for(IntakeError.PRODUCT_NOT_ROUTED)
    body = _problem(response, IntakeError.PRODUCT_NOT_ROUTED)
    report = ErrorReport.objects.get()
    assert body["report_id"] == report.pk
    assert body["stored"] is True
    assert f"stored as error report {report.pk}" in body["detail"]
    assert "quarantined" in body["detail"]
    assert report.case is None
    assert report.quarantine_code == IntakeError.PRODUCT_NOT_ROUTED
    assert Case.objects.count() == before["cases"]
    assert intake_state()["events"] == before["events"]


def test_quarantined_report_opens_its_case_when_retried_after_routing(
    client, reporter, tier2, tier2_lead
):
    post_json(client, report_fields(), reporter.headers)
    report = ErrorReport.objects.get()
    ProductRoute.objects.create(product=PRODUCT, team=tier2)

    done = error_report_retry(actor=tier2_lead, report=report)

    case = Case.objects.get()
    assert done.case == case
    assert (done.appended, done.quarantine_code, done.quarantine_reason) == (False, "", "")
    assert case.team == tier2
    assert case.owner is None
    assert case.interaction_count == 1
    assert done.interaction is not None and done.interaction.case == case


def test_retry_is_refused_for_a_report_already_on_a_case(client, route, reporter, tier2_lead):
    post_json(client, report_fields(), reporter.headers)
    report = ErrorReport.objects.get()
    before = intake_state()
    with pytest.raises(ServiceError) as exc:
        error_report_retry(actor=tier2_lead, report=report)
    assert exc.value.code == IntakeError.REPORT_ALREADY_PROCESSED
    assert intake_state() == before


def test_retry_needs_the_right_to_open_cases(client, reporter, customer_user, tier2):
    post_json(client, report_fields(), reporter.headers)
    report = ErrorReport.objects.get()
    ProductRoute.objects.create(product=PRODUCT, team=tier2)
    before = intake_state()
    with pytest.raises(ServiceError) as exc:
        error_report_retry(actor=customer_user, report=report)
    assert exc.value.code == CommonError.FORBIDDEN
    assert intake_state() == before


# --- Bad input: refused before anything is stored ----------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {**report_fields(), "is_staff": True},  # unknown field
        report_fields(product=["Acme VPN", "Other"]),  # array where a scalar belongs
        report_fields(installation_id=12345),  # number where text belongs
        report_fields(diagnostics=["not", "an", "object"]),
        report_fields(diagnostics="{}"),
        report_fields(product="x" * 101),
        report_fields(message="m" * 20_001),
        {k: v for k, v in report_fields().items() if k != "error_code"},  # missing
        ["a", "list"],
    ],
    ids=[
        "unknown-field",
        "array-for-scalar",
        "number-for-text",
        "diagnostics-list",
        "diagnostics-string",
        "product-too-long",
        "message-too-long",
        "missing-field",
        "not-an-object",
    ],
)
def test_malformed_json_report_is_refused_with_422(client, route, reporter, body):
    before = intake_state()
    response = post_json(client, body, reporter.headers)
    assert response.status_code == 422, response.content
    _problem(response, CommonError.INVALID)
    assert intake_state() == before


@pytest.mark.parametrize(
    "body",
    [
        report_fields(version="   "),  # blank once trimmed
        report_fields(message="before\x00after"),
        report_fields(diagnostics={"trace": "a\x00b"}),
        report_fields(diagnostics={"blob": "x" * 70_000}),
        report_fields(diagnostics=json.loads('{"a":' * 30 + "1" + "}" * 30)),
    ],
    ids=["blank-version", "nul-in-message", "nul-in-diagnostics", "huge-diagnostics", "deep"],
)
def test_report_with_blank_or_nul_text_or_oversized_diagnostics_is_refused(
    client, route, reporter, body
):
    before = intake_state()
    response = post_json(client, body, reporter.headers)
    assert response.status_code == 422, response.content
    _problem(response, CommonError.INVALID)
    assert intake_state() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"version": "   "}, "version"),
        ({"installation_id": "inst\x00"}, "installation_id"),
        ({"message": "before\x00after"}, "message"),
        ({"product": "p" * 101}, "product"),
        ({"diagnostics": {"trace": ["a\x00b"]}}, "diagnostics"),
        ({"diagnostics": {"blob": "x" * 70_000}}, "diagnostics"),
        ({"diagnostics": {"when": object()}}, "diagnostics"),
    ],
)
def test_service_refuses_bad_fields_before_storing_anything(route, reporter, overrides, field):
    before = intake_state()
    with pytest.raises(ServiceError) as exc:
        error_report_receive(token=reporter.token, **report_fields(**overrides))
    assert exc.value.code == CommonError.INVALID
    assert exc.value.details["field"] == field
    assert intake_state() == before


def test_service_refuses_a_personal_token(route, agent):
    token, _ = api_token_create(
        actor=agent, user=agent, name="my laptop", scopes=[Capability.CASE_OPEN]
    )
    before = intake_state()
    with pytest.raises(ServiceError) as exc:
        error_report_receive(token=token, **report_fields())
    assert exc.value.code == CommonError.FORBIDDEN
    assert intake_state() == before


def test_body_that_is_not_json_is_refused(client, route, reporter):
    before = intake_state()
    response = client.post(
        URL, data=b"{not json", content_type="application/json", headers=reporter.headers
    )
    assert response.status_code == 422
    _problem(response, CommonError.INVALID)
    assert intake_state() == before


def test_report_in_another_content_type_is_refused_with_415(client, route, reporter):
    before = intake_state()
    response = client.post(
        URL, data="product=Acme", content_type="text/plain", headers=reporter.headers
    )
    assert response.status_code == 415
    assert response["Content-Type"] == "application/problem+json"
    assert intake_state() == before


def test_form_field_sent_twice_is_refused(client, route, reporter):
    before = intake_state()
    body = "\r\n".join(
        [
            "--X",
            'Content-Disposition: form-data; name="product"',
            "",
            PRODUCT,
            "--X",
            'Content-Disposition: form-data; name="product"',
            "",
            "Other",
            "--X--",
            "",
        ]
    )
    response = client.post(
        URL, data=body, content_type="multipart/form-data; boundary=X", headers=reporter.headers
    )
    assert response.status_code == 422
    body_json = _problem(response, CommonError.INVALID)
    assert body_json["errors"][0]["loc"] == ["form", "product"]
    assert intake_state() == before


@pytest.mark.parametrize(
    "fields",
    [
        report_fields(diagnostics="{not json"),
        {**report_fields(), "attachments": "not a file"},
        {**report_fields(), "owner": "7"},
    ],
    ids=["diagnostics-not-json", "attachments-as-text", "unknown-field"],
)
def test_malformed_multipart_report_is_refused_with_422(client, route, reporter, fields):
    before = intake_state()
    response = post_form(client, fields, [], reporter.headers)
    assert response.status_code == 422, response.content
    _problem(response, CommonError.INVALID)
    assert intake_state() == before
    assert stored_files() == []


def test_service_refuses_a_revoked_integration_token(route, reporter, token_admin):
    api_token_revoke(actor=token_admin, token=reporter.token)
    before = intake_state()
    with pytest.raises(ServiceError) as exc:
        error_report_receive(token=reporter.token, **report_fields())
    assert exc.value.code == CommonError.FORBIDDEN
    assert intake_state() == before
