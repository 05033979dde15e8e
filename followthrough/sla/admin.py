from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from followthrough.sla.calendars import describe_holidays, describe_hours
from followthrough.sla.models import (
    BusinessCalendar,
    BusinessHours,
    CalendarDay,
    EscalationRule,
    SlaPolicy,
    SlaTarget,
)


class BusinessHoursInline(admin.TabularInline):
    model = BusinessHours
    extra = 0


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "hours_in_words", "holidays_in_words"]
    search_fields = ["name"]
    inlines = [BusinessHoursInline, CalendarDayInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[BusinessCalendar]:
        return super().get_queryset(request).prefetch_related("hours")

    @admin.display(description="Hours")
    def hours_in_words(self, calendar: BusinessCalendar) -> str:
        return describe_hours(calendar)

    @admin.display(description="Holidays")
    def holidays_in_words(self, calendar: BusinessCalendar) -> str:
        return describe_holidays(calendar) or "none"


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    extra = 0


class EscalationRuleInline(admin.TabularInline):
    model = EscalationRule
    extra = 0


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default", "active", "position", "calendar", "rules_in_words"]
    list_filter = ["active", "is_default"]
    search_fields = ["name"]
    autocomplete_fields = ["match_team", "match_organization"]
    inlines = [SlaTargetInline, EscalationRuleInline]
    fieldsets = [
        (None, {"fields": ["name", "calendar", "is_default", "active", "position"]}),
        (
            "Which cases it applies to (empty rules match anything)",
            {
                "fields": [
                    "match_priority",
                    "match_team",
                    "match_organization",
                    "match_plan_tier",
                    "match_category",
                ]
            },
        ),
        (
            "Clocks",
            {
                "fields": [
                    "warn_percent",
                    "pause_when_pending_customer",
                    "pause_when_pending_third_party",
                    "pause_when_scheduled",
                ]
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[SlaPolicy]:
        return (
            super()
            .get_queryset(request)
            .select_related("calendar", "match_team", "match_organization")
        )

    @admin.display(description="Rules")
    def rules_in_words(self, policy: SlaPolicy) -> str:
        return ", ".join(policy.rules()) or "every case"
