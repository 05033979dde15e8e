"""People and teams. The user model is custom from the first migration."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from followthrough.accounts.capabilities import ROLE_CAPABILITIES, Capability, Role
from followthrough.core.models import TimestampedModel


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.AGENT)
    # What a customer is told to call to reach their case owner: a phone number or extension.
    direct_line = models.CharField(
        max_length=64,
        blank=True,
        help_text="Phone number or extension shown to customers as 'your case owner'.",
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    # Away (off shift, on leave): a customer's new contact on their cases goes to the team queue.
    is_away = models.BooleanField(default=False)

    class Meta:
        ordering = ["first_name", "last_name", "username"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    # Set on the request's user when it signed in with an API token: the token's scopes.
    token_scopes: frozenset[Capability] | None = None

    @property
    def capabilities(self) -> frozenset[Capability]:
        if not self.is_active:
            return frozenset()
        granted = ROLE_CAPABILITIES[Role(self.role)]
        if self.token_scopes is not None:
            return granted & self.token_scopes
        return granted

    def has_capability(self, capability: Capability) -> bool:
        return capability in self.capabilities

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER


class TierLevel(models.IntegerChoices):
    """Where a team sits on the escalation path; a tier escalation goes to a higher level."""

    TIER_1 = 1, "Tier 1"
    TIER_2 = 2, "Tier 2"
    TIER_3 = 3, "Tier 3"
    FIELD = 10, "Field"
    DISPATCH = 20, "Dispatch"


class Team(TimestampedModel):
    name = models.CharField(max_length=100, unique=True)
    tier = models.PositiveSmallIntegerField(choices=TierLevel.choices, default=TierLevel.TIER_1)
    lead = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="teams_led"
    )
    # What a customer is told to call before anyone owns their case.
    direct_line = models.CharField(max_length=64, blank=True)
    email = models.EmailField(blank=True)
    members: models.ManyToManyField[User, Membership] = models.ManyToManyField(
        User, through="Membership", related_name="teams"
    )

    class Meta:
        ordering = ["tier", "name"]

    def __str__(self) -> str:
        return self.name


class Membership(TimestampedModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    # The team an agent works from by default (shown beside their name, used by "take next").
    is_primary = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="membership_unique"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_primary=True), name="membership_one_primary"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


class TokenKind(models.TextChoices):
    PERSONAL = "personal", "Personal"
    INTEGRATION = "integration", "Integration"


class ApiToken(TimestampedModel):
    """A credential for the API. Only a hash is stored; the token is shown once, at creation.

    A token acts as its user, limited to its scopes. An integration token belongs to a
    service user made for it; one for in-product error reports names its product.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=12, choices=TokenKind.choices, default=TokenKind.PERSONAL)
    # The public part of the token, used to find it; the rest is checked against the hash.
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    product = models.CharField(max_length=100, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Requests in the current one-minute window, for the per-token rate limit.
    window_start = models.DateTimeField(null=True, blank=True)
    window_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def scope_set(self) -> frozenset[Capability]:
        return frozenset(Capability(s) for s in self.scopes if s in Capability.values)
