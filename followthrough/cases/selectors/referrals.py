"""Reads on referrals: a case's referrals, and the per-vendor report (do the vendors we send
customers to answer them, and do we check back when we said we would?).

The report is one grouped query over the referrals of a period (the (vendor, created_at)
index), joined to each referral's follow-up promise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.utils import timezone

from followthrough.cases.models import Case, Referral
from followthrough.cases.states import CommitmentStatus, ReferralOutcome

CASE_REFERRALS_LIMIT = 100
# A vendor is flagged as "often no answer" when at least half of at least this many known
# outcomes were "no answer" (fewer say too little).
FLAG_MIN_DECIDED = 3
FLAG_SHARE = 50


def case_referrals(case: Case) -> list[Referral]:
    """The case's referrals, newest first, with their vendor and follow-up promise (one query)."""
    return list(
        Referral.objects.filter(case=case)
        .select_related("vendor", "commitment", "commitment__owner", "created_by", "outcome_by")
        .order_by("-created_at", "-id")[:CASE_REFERRALS_LIMIT]
    )


def referral_with_promise(referral_id: int) -> Referral:
    """One referral with its vendor and its follow-up promise as it is now (one query)."""
    return Referral.objects.select_related(
        "vendor", "commitment", "commitment__owner", "created_by"
    ).get(pk=referral_id)


def _share(part: int, whole: int) -> float | None:
    return None if not whole else round(100 * part / whole, 1)


@dataclass
class VendorReferrals:
    """One vendor's referrals in the period: how they turned out, and the follow-ups."""

    vendor_id: int | None
    vendor_name: str
    referrals: int = 0
    vendor_helped: int = 0
    no_answer: int = 0
    we_solved: int = 0
    pending: int = 0
    kept_on_time: int = 0
    kept_late: int = 0
    broken: int = 0
    cancelled: int = 0
    still_open: int = 0
    overdue: int = 0

    @property
    def decided(self) -> int:
        """Referrals whose outcome is known (the shares are of these)."""
        return self.vendor_helped + self.no_answer + self.we_solved

    @property
    def no_answer_share(self) -> float | None:
        return _share(self.no_answer, self.decided)

    @property
    def we_solved_share(self) -> float | None:
        return _share(self.we_solved, self.decided)

    @property
    def vendor_helped_share(self) -> float | None:
        return _share(self.vendor_helped, self.decided)

    @property
    def often_unanswered(self) -> bool:
        share = self.no_answer_share
        return self.decided >= FLAG_MIN_DECIDED and share is not None and share >= FLAG_SHARE


COUNTED = (
    "referrals",
    "vendor_helped",
    "no_answer",
    "we_solved",
    "pending",
    "kept_on_time",
    "kept_late",
    "broken",
    "cancelled",
    "still_open",
    "overdue",
)


@dataclass
class ReferralReport:
    start: dt.date
    end: dt.date
    vendors: list[VendorReferrals]
    total: VendorReferrals = field(default_factory=lambda: VendorReferrals(None, "All vendors"))


def referral_report(
    start: dt.date, end: dt.date, *, at: dt.datetime | None = None
) -> ReferralReport:
    """Per vendor, for referrals made from `start` to `end` (inclusive, in the reader's time
    zone): outcomes, shares of no answer and of "we solved it" among known outcomes, and the
    follow-up promises kept on time, kept late, broken, cancelled or still open (and overdue)."""
    zone = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time(), tzinfo=zone)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    moment = at or timezone.now()
    kept = Q(commitment__status=CommitmentStatus.KEPT)
    on_time = Q(commitment__settled_at__lte=F("commitment__due_at"))
    still_open = Q(commitment__status=CommitmentStatus.OPEN)
    rows = (
        Referral.objects.filter(created_at__gte=since, created_at__lt=until)
        .values("vendor_id", "vendor__name")
        .annotate(
            referrals=Count("id"),
            vendor_helped=Count("id", filter=Q(outcome=ReferralOutcome.VENDOR_HELPED)),
            no_answer=Count("id", filter=Q(outcome=ReferralOutcome.NO_ANSWER)),
            we_solved=Count("id", filter=Q(outcome=ReferralOutcome.WE_SOLVED)),
            pending=Count("id", filter=Q(outcome=ReferralOutcome.PENDING)),
            kept_on_time=Count("id", filter=kept & on_time),
            kept_late=Count("id", filter=kept & ~on_time),
            broken=Count("id", filter=Q(commitment__status=CommitmentStatus.BROKEN)),
            cancelled=Count("id", filter=Q(commitment__status=CommitmentStatus.CANCELLED)),
            still_open=Count("id", filter=still_open),
            overdue=Count("id", filter=still_open & Q(commitment__due_at__lt=moment)),
        )
        .order_by("vendor__name", "vendor_id")
    )
    report = ReferralReport(start=start, end=end, vendors=[])
    for row in rows:
        line = VendorReferrals(
            vendor_id=int(row["vendor_id"]),
            vendor_name=str(row["vendor__name"]),
            **{name: int(row[name]) for name in COUNTED},
        )
        report.vendors.append(line)
        for name in COUNTED:
            setattr(report.total, name, getattr(report.total, name) + getattr(line, name))
    return report
