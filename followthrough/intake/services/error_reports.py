"""Receiving in-product error reports: store the raw report, then open or update a case.

The raw report (and its files) is stored first and survives any refusal that follows, so
nothing a product sends is lost: a report that cannot be routed stays quarantined with its
reason until someone routes the product and retries it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from followthrough.accounts.access import require_capability
from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import ApiToken, TokenKind, User
from followthrough.cases.models import Case, Interaction, format_case_number
from followthrough.cases.services import case_open
from followthrough.cases.states import Channel
from followthrough.core.errors import Forbidden, Invalid, ServiceError
from followthrough.intake.attachments import Refused, clean_file_name, sniff_content_type
from followthrough.intake.errors import IntakeError
from followthrough.intake.models import ErrorReport, ErrorReportAttachment, ProductRoute
from followthrough.intake.selectors import open_case_for_repeat
from followthrough.intake.services._contact import log_inbound_contact

MAX_ATTACHMENTS = 5
DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_MESSAGE = 20_000
MAX_DIAGNOSTICS_BYTES = 64 * 1024
MAX_DIAGNOSTICS_DEPTH = 20
FIELD_LIMITS = {"product": 100, "version": 100, "installation_id": 200, "error_code": 100}
TRIAGE_STEP = "Triage the error report"
MAX_SUBJECT = 250


def max_attachment_bytes() -> int:
    # Read at call time so deployments (and tests) can change it without a restart of logic.
    return int(
        getattr(
            settings,
            "FOLLOWTHROUGH_ERROR_REPORT_MAX_ATTACHMENT_BYTES",
            DEFAULT_MAX_ATTACHMENT_BYTES,
        )
    )


@dataclass(frozen=True)
class _CheckedFile:
    upload: UploadedFile
    name: str
    content_type: str
    size: int
    sha256: str


def error_report_receive(
    *,
    token: ApiToken,
    product: str,
    version: str,
    installation_id: str,
    error_code: str,
    message: str = "",
    diagnostics: dict[str, Any] | None = None,
    attachments: Sequence[UploadedFile] = (),
) -> ErrorReport:
    """Take a product's error report: store it, then add it to the case this installation
    opened for this error while that case is open, or open a case in the product's team queue.

    The token must be an integration token for `product` with error_report.submit. Bad input
    and bad files are refused before anything is stored; a report for another product or an
    unrouted product is stored, quarantined, and refused with its report id.

    Call it outside any transaction: the stored report must be committed before a refusal
    is raised, or the refusal would roll it back.
    """
    _require_reporting_token(token)
    fields = _clean_fields(
        product=product,
        version=version,
        installation_id=installation_id,
        error_code=error_code,
        message=message,
    )
    details = _clean_diagnostics(diagnostics)
    files = _check_files(attachments)
    report = _store(token, fields, details, files)
    return _process_or_quarantine(report, token)


def error_report_retry(*, actor: User, report: ErrorReport) -> ErrorReport:
    """Process a quarantined report again, for example once its product has a route."""
    require_capability(actor, Capability.CASE_OPEN)
    if report.case_id is not None:
        raise ServiceError(
            IntakeError.REPORT_ALREADY_PROCESSED,
            f"Error report {report.pk} is already on a case.",
            report_id=report.pk,
        )
    return _process_or_quarantine(report, report.token)


# --- Checks before anything is stored -----------------------------------------------------


def _require_reporting_token(token: ApiToken) -> None:
    now = timezone.now()
    if (
        token.kind != TokenKind.INTEGRATION
        or Capability.ERROR_REPORT_SUBMIT not in token.scope_set
        or token.revoked_at is not None
        or (token.expires_at is not None and token.expires_at <= now)
        or not token.user.is_active
    ):
        raise Forbidden(
            "Only a live integration token with the error_report.submit scope may send "
            "error reports.",
            capability=str(Capability.ERROR_REPORT_SUBMIT),
        )


def _clean_fields(**values: str) -> dict[str, str]:
    clean: dict[str, str] = {}
    for field, value in values.items():
        text = (value or "").strip()
        if "\x00" in text:
            raise Invalid(f"{field} contains a NUL character.", field=field)
        limit = FIELD_LIMITS.get(field, MAX_MESSAGE)
        if len(text) > limit:
            raise Invalid(f"{field} is longer than {limit:,} characters.", field=field)
        if field in FIELD_LIMITS and not text:
            raise Invalid(f"{field} is required.", field=field)
        clean[field] = text
    return clean


def _clean_diagnostics(diagnostics: dict[str, Any] | None) -> dict[str, Any]:
    if diagnostics is None:
        return {}
    if not isinstance(diagnostics, dict):
        raise Invalid("diagnostics must be a JSON object.", field="diagnostics")
    _check_json(diagnostics, depth=0)
    size = len(json.dumps(diagnostics, ensure_ascii=False).encode())
    if size > MAX_DIAGNOSTICS_BYTES:
        raise Invalid(
            f"diagnostics is {size:,} bytes; at most {MAX_DIAGNOSTICS_BYTES:,} are kept inline. "
            "Send larger data as an attachment.",
            field="diagnostics",
        )
    return diagnostics


def _check_json(value: object, *, depth: int) -> None:
    if depth > MAX_DIAGNOSTICS_DEPTH:
        raise Invalid(
            f"diagnostics nests deeper than {MAX_DIAGNOSTICS_DEPTH} levels.", field="diagnostics"
        )
    if isinstance(value, str):
        # PostgreSQL cannot store NUL in text or JSON.
        if "\x00" in value:
            raise Invalid("diagnostics contains a NUL character.", field="diagnostics")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_json(str(key), depth=depth + 1)
            _check_json(item, depth=depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_json(item, depth=depth + 1)
    elif not (value is None or isinstance(value, bool | int | float)):
        raise Invalid("diagnostics must hold only JSON values.", field="diagnostics")


def _check_files(attachments: Sequence[UploadedFile]) -> list[_CheckedFile]:
    if len(attachments) > MAX_ATTACHMENTS:
        raise ServiceError(
            IntakeError.TOO_MANY_ATTACHMENTS,
            f"{len(attachments)} attachments sent; a report takes at most {MAX_ATTACHMENTS}.",
            limit=MAX_ATTACHMENTS,
        )
    limit = max_attachment_bytes()
    checked = []
    for upload in attachments:
        name = clean_file_name(upload.name)
        if upload.size is not None and upload.size > limit:
            raise _too_large(name, upload.size, limit)
        upload.seek(0)
        data = upload.read(limit + 1)
        if len(data) > limit:
            raise _too_large(name, len(data), limit)
        try:
            content_type = sniff_content_type(data, name)
        except Refused as exc:
            raise ServiceError(
                IntakeError.ATTACHMENT_TYPE_REFUSED,
                f"{name} was refused: {exc}. Allowed: plain text or log files, JSON, ZIP, "
                "gzip, PNG and JPEG.",
                file=name,
            ) from None
        checked.append(
            _CheckedFile(
                upload=upload,
                name=name,
                content_type=content_type,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
            )
        )
    return checked


def _too_large(name: str, size: int, limit: int) -> ServiceError:
    return ServiceError(
        IntakeError.ATTACHMENT_TOO_LARGE,
        f"{name} is larger than the {limit:,}-byte limit for one attachment.",
        file=name,
        size=size,
        limit=limit,
    )


# --- Storing the raw report -----------------------------------------------------------------


def _store(
    token: ApiToken, fields: dict[str, str], diagnostics: dict[str, Any], files: list[_CheckedFile]
) -> ErrorReport:
    saved: list[ErrorReportAttachment] = []
    try:
        with transaction.atomic():
            report = ErrorReport.objects.create(
                token=token, diagnostics=diagnostics, received_at=timezone.now(), **fields
            )
            for checked in files:
                attachment = ErrorReportAttachment(
                    report=report,
                    original_name=checked.name,
                    content_type=checked.content_type,
                    size=checked.size,
                    sha256=checked.sha256,
                )
                checked.upload.seek(0)
                # The name passed here is ignored: upload_to makes a random one.
                attachment.file.save("upload", checked.upload, save=False)
                saved.append(attachment)
                attachment.save()
    except BaseException:
        for attachment in saved:  # files are not transactional: remove what the rollback left
            attachment.file.delete(save=False)
        raise
    return report


# --- Processing: open a case or add to the open one ---------------------------------------


def _process_or_quarantine(report: ErrorReport, token: ApiToken | None) -> ErrorReport:
    try:
        with transaction.atomic():
            _process(report, token)
    except ServiceError as exc:
        _quarantine(report, exc.code, exc.message)
        raise ServiceError(
            exc.code,
            f"{exc.message} The report was stored as error report {report.pk} and is "
            "quarantined where agents can see it; it opened no case.",
            **exc.details,
            report_id=report.pk,
            stored=True,
            quarantined=True,
        ) from exc
    except Exception as exc:
        _quarantine(
            report, IntakeError.PROCESSING_FAILED, f"Processing failed: {type(exc).__name__}."
        )
        raise
    return ErrorReport.objects.select_related("case__owner", "case__team").get(pk=report.pk)


def _quarantine(report: ErrorReport, code: str, reason: str) -> None:
    ErrorReport.objects.filter(pk=report.pk).update(quarantine_code=code, quarantine_reason=reason)
    report.quarantine_code = code
    report.quarantine_reason = reason


def _process(report: ErrorReport, token: ApiToken | None) -> None:
    if token is None or token.product != report.product:
        token_product = token.product if token is not None else "(token deleted)"
        raise ServiceError(
            IntakeError.PRODUCT_MISMATCH,
            f"This token sends reports for {token_product!r}, not {report.product!r}.",
            product=report.product,
        )
    # Locking the route serialises reports of one product, so two reports of the same error
    # arriving together cannot both open a case.
    route = (
        ProductRoute.objects.select_for_update()
        .select_related("team")
        .filter(product=report.product)
        .first()
    )
    if route is None:
        raise ServiceError(
            IntakeError.PRODUCT_NOT_ROUTED,
            f"No team handles error reports for {report.product!r} yet; an administrator "
            "adds a product route for it.",
            product=report.product,
        )
    attachments = list(report.attachments.all())
    case = open_case_for_repeat(
        product=report.product,
        installation_id=report.installation_id,
        error_code=report.error_code,
        exclude_report=report.pk,
    )
    first_response = dt.timedelta(minutes=route.first_response_minutes)
    if case is None:
        previous = _previous_case_number(report)
        case = case_open(
            actor=None,
            subject=_subject(report),
            channel=Channel.ERROR_REPORT,
            team=route.team,
            priority=route.default_priority,
            description=_description(report, attachments, previous),
            next_step=TRIAGE_STEP,
            next_step_due=timezone.now() + first_response,
        )
        interaction = _log(case, report, attachments, first_response, appended=False)
        appended = False
    else:
        interaction = _log(case, report, attachments, first_response, appended=True)
        appended = True
    report.case = case
    report.interaction = interaction
    report.appended = appended
    report.quarantine_code = ""
    report.quarantine_reason = ""
    report.save(
        update_fields=["case", "interaction", "appended", "quarantine_code", "quarantine_reason"]
    )


def _log(
    case: Case,
    report: ErrorReport,
    attachments: list[ErrorReportAttachment],
    first_response: dt.timedelta,
    *,
    appended: bool,
) -> Interaction:
    """The report as a contact on the case."""
    return log_inbound_contact(
        case=case,
        channel=Channel.ERROR_REPORT,
        note=_note(report, attachments, appended=appended),
        started_at=report.received_at,
        first_response=first_response,
        default_step=TRIAGE_STEP,
    )


def _previous_case_number(report: ErrorReport) -> str:
    previous = (
        ErrorReport.objects.filter(
            product=report.product,
            installation_id=report.installation_id,
            error_code=report.error_code,
            case__isnull=False,
        )
        .exclude(pk=report.pk)
        .order_by("-id")
        .values_list("case_id", flat=True)
        .first()
    )
    return "" if previous is None else format_case_number(previous)


def _first_line(text: str, limit: int) -> str:
    line = text.strip().splitlines()[0].strip() if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _subject(report: ErrorReport) -> str:
    subject = f"Error report: {report.product} {report.version} - {report.error_code}"
    line = _first_line(report.message, MAX_SUBJECT)
    if line:
        subject = f"{subject}: {line}"
    return subject if len(subject) <= MAX_SUBJECT else subject[: MAX_SUBJECT - 1] + "…"


def _diagnostics_summary(diagnostics: dict[str, Any], *, keys: int = 20, width: int = 200) -> str:
    lines = []
    for key, value in list(diagnostics.items())[:keys]:
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        if len(shown) > width:
            shown = shown[: width - 1] + "…"
        lines.append(f"- {key}: {shown}")
    if len(diagnostics) > keys:
        lines.append(f"- … and {len(diagnostics) - keys} more")
    return "\n".join(lines)


def _files_summary(attachments: list[ErrorReportAttachment]) -> str:
    return "\n".join(
        f"- {a.original_name} ({a.content_type}, {a.size:,} bytes)" for a in attachments
    )


def _description(
    report: ErrorReport, attachments: list[ErrorReportAttachment], previous: str
) -> str:
    parts = [
        f"In-product error report {report.pk} from installation {report.installation_id} "
        f"({report.product} {report.version}), error {report.error_code}.",
    ]
    if previous:
        parts.append(f"This installation reported the same error before, on {previous}.")
    if report.message:
        parts.append(report.message)
    if report.diagnostics:
        parts.append("Diagnostics:\n" + _diagnostics_summary(report.diagnostics))
    if attachments:
        parts.append("Attachments:\n" + _files_summary(attachments))
    return "\n\n".join(parts)


def _note(report: ErrorReport, attachments: list[ErrorReportAttachment], *, appended: bool) -> str:
    opening = "Reported again" if appended else "Reported"
    lines = [
        f"{opening} by the product: error report {report.pk} from installation "
        f"{report.installation_id} ({report.product} {report.version}), error "
        f"{report.error_code}.",
    ]
    if report.message:
        lines.append(_first_line(report.message, 500))
    if attachments:
        lines.append("Attachments:\n" + _files_summary(attachments))
    return "\n".join(lines)
