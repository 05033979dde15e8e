"""The intake part of the REST API (/api/v1/): in-product error reports."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from followthrough.core.schemas import Problem
from followthrough.intake.access import access_reporting_token
from followthrough.intake.models import ErrorReport
from followthrough.intake.schemas import (
    ERROR_REPORT_REQUEST_BODY,
    ErrorReportReceipt,
    parse_error_report,
)
from followthrough.intake.services import error_report_receive

router = Router(tags=["intake"])

# Every refusal is application/problem+json with a stable `code`.
PROBLEMS: dict[Any, type[Problem]] = {frozenset({400, 401, 403, 409, 413, 415, 422, 429}): Problem}


@router.post(
    "/error-reports",
    response={201: ErrorReportReceipt, **PROBLEMS},
    openapi_extra=ERROR_REPORT_REQUEST_BODY,
    summary="Send an in-product error report",
)
def submit_error_report(request: HttpRequest) -> Status[ErrorReport]:
    """Opens a case in the product's team queue, or adds the report to the case this
    installation opened for the same error while it is open. Answers with the case number,
    its page and whom the customer can reach. Integration tokens with error_report.submit
    only. A report for an unrouted product is stored and quarantined (422
    product_not_routed, with its report_id)."""
    token = access_reporting_token(getattr(request, "auth", None))
    report_in, files = parse_error_report(request)
    report = error_report_receive(token=token, attachments=files, **report_in.model_dump())
    return Status(201, report)
