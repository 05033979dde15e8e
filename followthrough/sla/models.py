"""Business calendars and SLA policies: what the deadlines of a case are counted in, and against.

The arithmetic is in clock.py (pure); calendars.py turns these rows into clock calendars.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from followthrough.accounts.models import Team
from followthrough.core.models import TimestampedModel
from followthrough.core.timezones import is_time_zone
from followthrough.customers.models import Organization, PlanTier
from followthrough.sla.priorities import Priority


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class SlaMetric(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    NEXT_RESPONSE = "next_response", "Next response"
    RESOLUTION = "resolution", "Resolution"


def _check_time_zone(value: str) -> None:
    if not is_time_zone(value):
        raise ValidationError(f"{value!r} is not a time zone (use a name like Europe/London).")


def _minute_of_day(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def interval_minutes(opens: dt.time, closes: dt.time) -> tuple[int, int]:
    """Minutes of the day an interval covers; closing at 00:00 means midnight at the day's end."""
    end = _minute_of_day(closes) or 1440
    return _minute_of_day(opens), end


class BusinessCalendar(TimestampedModel):
    """When the desk works: a time zone, weekly hours, public holidays, closures and open days.

    A 24/7 calendar ignores hours and holidays: every minute counts.
    """

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, validators=[_check_time_zone])
    always_open = models.BooleanField(
        default=False, help_text="24/7: every minute counts; weekly hours and holidays are ignored."
    )
    holiday_country = models.CharField(
        max_length=3,
        blank=True,
        help_text="ISO 3166 country code whose public holidays close the desk (e.g. GB, US, DE).",
    )
    holiday_subdivision = models.CharField(
        max_length=10,
        blank=True,
        help_text="Optional state or region of that country (e.g. ENG, CA, BY).",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from followthrough.sla.calendars import holiday_set_error

        error = holiday_set_error(self.holiday_country, self.holiday_subdivision)
        if error:
            raise ValidationError({"holiday_country": error})


class BusinessHours(models.Model):
    """One working interval on a weekday; a day may have several (a lunch break) or none."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField(help_text="00:00 means midnight at the end of the day.")

    class Meta:
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="business_hours_weekday_valid"
            ),
            models.CheckConstraint(
                condition=Q(opens__lt=models.F("closes")) | Q(closes=dt.time(0, 0)),
                name="business_hours_opens_before_closes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    def clean(self) -> None:
        if self.opens is not None and self.closes is not None:
            start, end = interval_minutes(self.opens, self.closes)
            if start >= end:
                raise ValidationError({"closes": "Closing time must be after opening time."})


class CalendarDayKind(models.TextChoices):
    CLOSED = "closed", "Closed (extra closure)"
    OPEN = "open", "Open (extra working day)"


class CalendarDay(models.Model):
    """A date that differs from the weekly hours: an extra closure, or an extra open day with
    its own hours (several rows for several intervals). Open days win over holidays."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField()
    kind = models.CharField(max_length=10, choices=CalendarDayKind.choices)
    name = models.CharField(max_length=100, help_text="Shown in deadline explanations.")
    opens = models.TimeField(null=True, blank=True)
    closes = models.TimeField(null=True, blank=True)

    class Meta:
        ordering = ["date", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=CalendarDayKind.CLOSED, opens__isnull=True, closes__isnull=True)
                | Q(kind=CalendarDayKind.OPEN, opens__isnull=False, closes__isnull=False),
                name="calendar_day_hours_match_kind",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="calendar_day_has_name"),
        ]
        indexes = [models.Index(fields=["calendar", "date"], name="calendar_day_date")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"

    def clean(self) -> None:
        if self.kind == CalendarDayKind.OPEN:
            if self.opens is None or self.closes is None:
                raise ValidationError("An extra open day needs its opening and closing time.")
            start, end = interval_minutes(self.opens, self.closes)
            if start >= end:
                raise ValidationError({"closes": "Closing time must be after opening time."})
        elif self.opens is not None or self.closes is not None:
            raise ValidationError("A closed day has no hours; leave them empty.")


class SlaPolicy(TimestampedModel):
    """Targets per priority, counted in one calendar, for the cases its rules match.

    Rules left empty match anything. Policies are tried by position; the default policy
    catches every case no other policy matches, so every plan tier gets the same targets
    unless an administrator adds a policy for a tier on purpose.
    """

    name = models.CharField(max_length=100, unique=True)
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="+")
    is_default = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=100, help_text="Lower is tried first.")
    match_priority = models.CharField(max_length=2, choices=Priority.choices, blank=True)
    match_team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    match_organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    match_plan_tier = models.CharField(max_length=20, choices=PlanTier.choices, blank=True)
    match_category = models.CharField(max_length=100, blank=True)
    warn_percent = models.PositiveSmallIntegerField(
        default=75, help_text="Warn the owner and the lead when this share of a target is used."
    )
    pause_when_pending_customer = models.BooleanField(default=True)
    pause_when_pending_third_party = models.BooleanField(default=True)
    pause_when_scheduled = models.BooleanField(default=True)

    class Meta:
        ordering = ["-is_default", "position", "name"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="sla_policy_one_default",
                violation_error_message=(
                    "There is already a default policy; change that one, or untick "
                    "'is default' here."
                ),
            ),
            models.CheckConstraint(
                condition=Q(warn_percent__gte=1, warn_percent__lte=99),
                name="sla_policy_warn_percent_range",
            ),
            # The default catches everything, so it cannot carry rules or be switched off.
            models.CheckConstraint(
                condition=Q(is_default=False)
                | Q(
                    active=True,
                    match_priority="",
                    match_team__isnull=True,
                    match_organization__isnull=True,
                    match_plan_tier="",
                    match_category="",
                ),
                name="sla_policy_default_has_no_rules",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.is_default and self.rules():
            raise ValidationError("The default policy matches every case: leave its rules empty.")
        if self.is_default and not self.active:
            raise ValidationError({"active": "The default policy cannot be switched off."})

    def rules(self) -> list[str]:
        """The rules in words, for the admin list and the deadline explanation."""
        rules = []
        if self.match_priority:
            rules.append(f"priority {self.match_priority}")
        if self.match_team_id:
            rules.append(f"team {self.match_team}")
        if self.match_organization_id:
            rules.append(f"organisation {self.match_organization}")
        if self.match_plan_tier:
            rules.append(f"plan {self.get_match_plan_tier_display()}")
        if self.match_category:
            rules.append(f"category {self.match_category}")
        return rules

    def pauses_on(self) -> frozenset[str]:
        """The case statuses that stop this policy's clocks (names as in cases.states)."""
        statuses = {
            "pending_customer": self.pause_when_pending_customer,
            "pending_third_party": self.pause_when_pending_third_party,
            "scheduled": self.pause_when_scheduled,
        }
        return frozenset(status for status, on in statuses.items() if on)


class SlaTarget(models.Model):
    """Business minutes allowed per metric for one priority; empty means no target."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(max_length=2, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["priority"]
        verbose_name = "SLA target"
        constraints = [
            models.UniqueConstraint(fields=["policy", "priority"], name="sla_target_unique"),
            models.CheckConstraint(
                condition=Q(priority__in=Priority.values), name="sla_target_priority_valid"
            ),
            models.CheckConstraint(
                condition=(Q(first_response_minutes__isnull=True) | Q(first_response_minutes__gt=0))
                & (Q(next_response_minutes__isnull=True) | Q(next_response_minutes__gt=0))
                & (Q(resolution_minutes__isnull=True) | Q(resolution_minutes__gt=0)),
                name="sla_target_minutes_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} {self.priority}"

    def minutes_for(self, metric: str) -> int | None:
        value: int | None = getattr(self, f"{metric}_minutes")
        return value


class EscalationStage(models.TextChoices):
    WARNING = "warning", "Warning"
    BREACH = "breach", "Breach"


class EscalationAction(models.TextChoices):
    ASSIGN_TO_LEAD = "assign_to_lead", "Escalate to the team lead (the lead becomes the owner)"
    RAISE_PRIORITY = "raise_priority", "Raise the priority one step"
    MOVE_TO_TEAM = "move_to_team", "Move the case to another team's queue"


class EscalationRule(models.Model):
    """What the deadline scan does, besides notifying the owner and the lead, when a metric of
    a case under this policy reaches a stage."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="escalations")
    metric = models.CharField(max_length=20, choices=SlaMetric.choices)
    stage = models.CharField(max_length=10, choices=EscalationStage.choices)
    action = models.CharField(max_length=20, choices=EscalationAction.choices)
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="For 'move to another team': which team.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "metric", "stage", "action"], name="escalation_rule_unique"
            ),
            models.CheckConstraint(
                condition=~Q(action=EscalationAction.MOVE_TO_TEAM) | Q(team__isnull=False),
                name="escalation_rule_move_names_team",
            ),
        ]

    def __str__(self) -> str:
        metric = SlaMetric(self.metric).label.lower()
        stage = EscalationStage(self.stage).label.lower()
        return f"On {metric} {stage}: {self.get_action_display().lower()}"

    def clean(self) -> None:
        if self.action == EscalationAction.MOVE_TO_TEAM and self.team_id is None:
            raise ValidationError({"team": "Say which team the case moves to."})
