"""Referrals in the REST API: refer a case to a vendor (with the promise to check back), list a
case's referrals, record an outcome, and the per-vendor report.

Referrals are staff records: a portal customer gets the same 404 as for a case they cannot
see. Writes on a case answer with its new ETag and honour If-Match, like cases/api.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import AwareDatetime, ConfigDict

from followthrough.accounts.access import require_capability
from followthrough.accounts.capabilities import Capability
from followthrough.accounts.decorators import signed_in_user
from followthrough.accounts.models import User
from followthrough.accounts.schemas import PersonRef
from followthrough.cases.access import access_case, access_referral
from followthrough.cases.api import READ_PROBLEMS, WRITE_PROBLEMS, Id, IfMatch
from followthrough.cases.models import Case, Referral
from followthrough.cases.schemas import LongText, PromiseOut, ShortText
from followthrough.cases.selectors.referrals import (
    ReferralReport,
    case_referrals,
    referral_report,
    referral_with_promise,
)
from followthrough.cases.selectors.reports import report_period
from followthrough.cases.services import case_refer, referral_record_outcome
from followthrough.cases.states import Channel, ReferralOutcome
from followthrough.core.errors import NotFound
from followthrough.core.etags import etag_for, expected_version
from followthrough.core.schemas import Problem
from followthrough.knowledge.access import access_vendor

router = Router(tags=["referrals"])

MAX_ID = 2**63 - 1
Outcome = Literal["vendor_helped", "no_answer", "we_solved"]
DateText = Annotated[str, Field(max_length=10)]


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class ReferralIn(In):
    """Refer the customer to a vendor; `follow_up_due` is when we check back with them."""

    vendor_id: Annotated[int, Field(ge=1, le=MAX_ID)]
    reason: LongText
    follow_up_due: AwareDatetime
    channel: Channel = Channel.PHONE
    set_pending: bool = Field(True, description="Move the case to pending third party.")


class ReferralOutcomeIn(In):
    outcome: Outcome
    note: LongText = ""
    next_step: ShortText = Field(
        "", description="Required while the case's next step is this referral's check-back."
    )
    next_step_due: AwareDatetime | None = None


class ReportQuery(In):
    from_: DateText | None = Field(None, alias="from", description="YYYY-MM-DD; 30 days ago")
    to: DateText | None = Field(None, description="YYYY-MM-DD, inclusive; today by default")


class VendorRef(Schema):
    id: int
    name: str
    support_phone: str
    support_url: str
    hours: str
    time_zone: str


class ReferralOut(Schema):
    id: int
    case_id: int
    vendor: VendorRef
    reason: str
    outcome: ReferralOutcome
    outcome_note: str
    outcome_at: dt.datetime | None
    interaction_id: int
    follow_up: PromiseOut
    created_by: PersonRef
    created_at: dt.datetime

    @staticmethod
    def resolve_follow_up(obj: Referral) -> Any:
        return obj.commitment


class VendorReferralsOut(Schema):
    vendor_id: int | None
    vendor_name: str
    referrals: int
    vendor_helped: int
    no_answer: int
    we_solved: int
    pending: int
    no_answer_share: float | None = Field(description="Percent of the known outcomes.")
    we_solved_share: float | None = Field(description="Percent of the known outcomes.")
    kept_on_time: int
    kept_late: int
    broken: int
    cancelled: int
    still_open: int
    overdue: int


class ReferralReportOut(Schema):
    start: dt.date
    end: dt.date
    vendors: list[VendorReferralsOut]
    total: VendorReferralsOut


def _staff_case(actor: User, case_id: int) -> Case:
    """The case, for staff only: to a portal customer a case's referrals do not exist."""
    if not actor.has_capability(Capability.CASE_VIEW):
        raise NotFound("Case")
    return access_case(actor, case_id)


@router.post(
    "/cases/{case_id}/referrals",
    response={201: ReferralOut, **WRITE_PROBLEMS},
    url_name="case_refer",
)
def refer(
    request: HttpRequest,
    case_id: Id,
    payload: ReferralIn,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Status:
    """Log the referral as a contact, promise to check back by `follow_up_due`, and (unless
    `set_pending` is false) set the case to pending third party; all or nothing."""
    actor = signed_in_user(request)
    expected = expected_version(if_match)
    case = _staff_case(actor, case_id)
    referral = case_refer(
        actor=actor,
        case=case,
        vendor=access_vendor(actor, payload.vendor_id),
        reason=payload.reason,
        follow_up_due=payload.follow_up_due,
        channel=payload.channel,
        set_pending=payload.set_pending,
        expected_version=expected,
    )
    response["ETag"] = etag_for(Case.objects.values_list("version", flat=True).get(pk=case.pk))
    return Status(201, referral)


@router.get(
    "/cases/{case_id}/referrals",
    response={200: list[ReferralOut], **READ_PROBLEMS},
    url_name="case_referrals",
)
def list_referrals(request: HttpRequest, case_id: Id) -> Status:
    """The case's referrals, newest first, each with its follow-up promise."""
    case = _staff_case(signed_in_user(request), case_id)
    return Status(200, case_referrals(case))


@router.post(
    "/referrals/{referral_id}/outcome",
    response={200: ReferralOut, **WRITE_PROBLEMS},
    url_name="referral_outcome",
)
def record_outcome(
    request: HttpRequest, referral_id: Id, payload: ReferralOutcomeIn, response: HttpResponse
) -> Status:
    """How it turned out. An open follow-up promise is kept with it (the check-back
    happened); an outcome is recorded once."""
    actor = signed_in_user(request)
    referral = access_referral(actor, referral_id)
    referral = referral_record_outcome(
        actor=actor,
        referral=referral,
        outcome=payload.outcome,
        note=payload.note,
        next_step=payload.next_step,
        next_step_due=payload.next_step_due,
    )
    case_version = Case.objects.values_list("version", flat=True).get(pk=referral.case_id)
    response["ETag"] = etag_for(case_version)
    return Status(200, referral_with_promise(referral.pk))


@router.get(
    "/reports/referrals",
    response={200: ReferralReportOut, 403: Problem, **READ_PROBLEMS},
    url_name="referral_report",
)
def report(request: HttpRequest, period: Query[ReportQuery]) -> Status:
    """Per vendor, for referrals made in the period: outcomes, the shares of "no answer" and
    "we solved it" among known outcomes, and the follow-up promises kept on time or not."""
    require_capability(signed_in_user(request), Capability.REPORT_VIEW)
    first, last = report_period(period.from_, period.to, today=timezone.localdate())
    result: ReferralReport = referral_report(first, last)
    return Status(
        200,
        {
            "start": result.start,
            "end": result.end,
            "vendors": [_row(v) for v in result.vendors],
            "total": _row(result.total),
        },
    )


def _row(row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in VendorReferralsOut.model_fields}
