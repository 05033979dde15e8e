"""API schemas for in-product error reports, and the parsing of their two request forms.

A product sends either JSON (no files) or multipart/form-data with the same fields, the
diagnostics as JSON text, and up to five files named `attachments`. Both are checked by the
same schema: unknown fields, repeated fields and wrong types are refused (422).
"""

from __future__ import annotations

import json
from typing import Any, Literal

import pydantic
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from ninja import Schema
from ninja.errors import HttpError, ValidationError
from pydantic import ConfigDict, Field

from followthrough.cases.states import CaseStatus
from followthrough.intake.models import ErrorReport
from followthrough.intake.services import MAX_ATTACHMENTS, MAX_MESSAGE

FILES_FIELD = "attachments"


# Text that is not blank and holds no NUL (which PostgreSQL cannot store).
_TEXT = r"^[^\x00]*[^\s\x00][^\x00]*$"
_ANY_TEXT = r"^[^\x00]*$"


class ErrorReportIn(Schema):
    model_config = ConfigDict(extra="forbid")

    product: str = Field(
        min_length=1, max_length=100, pattern=_TEXT, description="As named on the token."
    )
    version: str = Field(min_length=1, max_length=100, pattern=_TEXT)
    installation_id: str = Field(
        min_length=1,
        max_length=200,
        pattern=_TEXT,
        description="Stable id of this installation: repeat reports of one error from one "
        "installation join the open case it opened.",
    )
    error_code: str = Field(min_length=1, max_length=100, pattern=_TEXT)
    message: str = Field(default="", max_length=MAX_MESSAGE, pattern=_ANY_TEXT)
    diagnostics: dict[str, Any] = Field(
        default_factory=dict,
        description="A JSON object (at most 64 KiB, 20 levels deep, no NUL characters).",
    )


class ReachOut(Schema):
    """Who the customer can reach: the case owner, or the team before anyone owns it."""

    kind: Literal["owner", "team"]
    name: str
    direct_line: str


class ErrorReportReceipt(Schema):
    report_id: int
    case_number: str
    case_url: str
    status: CaseStatus
    owner: ReachOut
    appended: bool = Field(
        description="True when the report was added to the case this installation opened "
        "earlier for the same error."
    )

    @staticmethod
    def resolve_report_id(obj: ErrorReport) -> int:
        return obj.pk

    @staticmethod
    def resolve_case_number(obj: ErrorReport) -> str:
        assert obj.case is not None  # noqa: S101 - a receipt is only made for a routed report
        return obj.case.number

    @staticmethod
    def resolve_case_url(obj: ErrorReport, context: dict[str, Any]) -> str:
        request: HttpRequest = context["request"]
        return request.build_absolute_uri(reverse("case_detail", args=[obj.case_id]))

    @staticmethod
    def resolve_status(obj: ErrorReport) -> str:
        assert obj.case is not None  # noqa: S101
        return obj.case.status

    @staticmethod
    def resolve_owner(obj: ErrorReport) -> dict[str, str]:
        case = obj.case
        assert case is not None  # noqa: S101
        if case.owner is not None:
            return {
                "kind": "owner",
                "name": case.owner.display_name,
                "direct_line": case.owner.direct_line,
            }
        team = case.team
        return {
            "kind": "team",
            "name": team.name if team else "",
            "direct_line": team.direct_line if team else "",
        }


def parse_error_report(request: HttpRequest) -> tuple[ErrorReportIn, list[UploadedFile]]:
    """The report and its files from a JSON or multipart request."""
    content_type = request.content_type or ""
    if content_type not in ("application/json", "multipart/form-data"):
        raise HttpError(
            415, "Send the report as application/json, or as multipart/form-data with files."
        )
    try:
        if content_type == "application/json":
            return _validated(_json_body(request), "body"), []
        return _validated(_form_fields(request), "form"), _files(request)
    except RequestDataTooBig:
        raise HttpError(413, "The request is too large.") from None
    except (MultiPartParserError, SuspiciousOperation):
        raise HttpError(400, "The multipart body could not be read.") from None


def _invalid(loc: list[str | int], msg: str) -> ValidationError:
    return ValidationError([{"type": "value_error", "loc": loc, "msg": msg}])


def _json_body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body)
    except (ValueError, RecursionError):
        raise _invalid(["body"], "The body is not valid JSON.") from None


def _form_fields(request: HttpRequest) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in request.POST:
        values = request.POST.getlist(name)
        if len(values) != 1:
            raise _invalid(["form", name], "Send this field once.")
        data[name] = values[0]
    if FILES_FIELD in data:
        raise _invalid(["form", FILES_FIELD], "Attachments must be sent as files.")
    if "diagnostics" in data:
        try:
            data["diagnostics"] = json.loads(data["diagnostics"])
        except (ValueError, RecursionError):
            raise _invalid(["form", "diagnostics"], "diagnostics must be JSON text.") from None
    return data


def _files(request: HttpRequest) -> list[UploadedFile]:
    unknown = sorted(set(request.FILES) - {FILES_FIELD})
    if unknown:
        raise _invalid(["form", unknown[0]], f"Files go in the field {FILES_FIELD!r}.")
    return list(request.FILES.getlist(FILES_FIELD))


def _validated(data: Any, where: str) -> ErrorReportIn:
    if not isinstance(data, dict):
        raise _invalid([where], "Send a JSON object.")
    try:
        return ErrorReportIn.model_validate(data)
    except pydantic.ValidationError as exc:
        errors = [
            {**error, "loc": [where, *error["loc"]]}
            for error in exc.errors(include_url=False, include_context=False)
        ]
        raise ValidationError(errors) from None


def _request_body() -> dict[str, Any]:
    """The OpenAPI requestBody: the same fields as JSON or as a multipart form with files."""
    schema = ErrorReportIn.model_json_schema()
    schema["additionalProperties"] = False
    form = json.loads(json.dumps(schema))
    form["properties"]["diagnostics"] = {
        "type": "string",
        "description": "A JSON object, as text (at most 64 KiB).",
    }
    form["properties"][FILES_FIELD] = {
        "type": "array",
        "items": {"type": "string", "format": "binary"},
        "maxItems": MAX_ATTACHMENTS,
        "description": "Plain text, .log, JSON, ZIP, gzip, PNG or JPEG; judged by content; "
        "each at most FOLLOWTHROUGH_ERROR_REPORT_MAX_ATTACHMENT_BYTES (10 MiB).",
    }
    return {
        "required": True,
        "content": {
            "application/json": {"schema": schema},
            "multipart/form-data": {"schema": form},
        },
    }


ERROR_REPORT_REQUEST_BODY = {"requestBody": _request_body()}
