"""Knowledge on a case: the vendors it was referred to, and the articles that solved it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from followthrough.accounts.models import User
from followthrough.cases.states import ReferralOutcome
from followthrough.knowledge.models import Article, TableRow, Vendor


class Referral(models.Model):
    """Sending the customer to a vendor: logged as an interaction, followed up by a promise."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="referrals")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="referrals")
    # What the vendor is asked to do, in the customer's words or ours.
    reason = models.TextField()
    interaction = models.ForeignKey("cases.Interaction", on_delete=models.PROTECT, related_name="+")
    # The follow-up promise: "check back with the customer by …".
    commitment = models.ForeignKey("cases.Commitment", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(
        max_length=20, choices=ReferralOutcome.choices, default=ReferralOutcome.PENDING
    )
    outcome_note = models.TextField(blank=True)
    outcome_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="referral_has_reason"),
            models.CheckConstraint(
                condition=Q(outcome__in=ReferralOutcome.values), name="referral_outcome_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["case", "created_at"], name="referral_case_time"),
            # The per-vendor report: referrals of one vendor in a period.
            models.Index(fields=["vendor", "created_at"], name="referral_vendor_time"),
        ]

    def __str__(self) -> str:
        return f"Case {self.case_id} referred to {self.vendor}"


class CaseArticle(models.Model):
    """An agent said this article (and perhaps one row of its tables) solved this case."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="solutions")
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="solved_cases")
    row = models.ForeignKey(
        TableRow, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    linked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "article"], name="case_article_unique")
        ]
        indexes = [models.Index(fields=["article", "created_at"], name="case_article_time")]

    def __str__(self) -> str:
        return f"Article {self.article_id} solved case {self.case_id}"
