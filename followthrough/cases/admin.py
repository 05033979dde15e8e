"""Django admin for cases, for looking only.

Every change to a case goes through a service so that it writes its case event (DESIGN.md §2,
invariant 6); an edit form here would bypass that, so these records are view-only.
"""

from django.contrib import admin
from django.http import HttpRequest

from followthrough.cases.models import (
    Case,
    CaseEvent,
    CaseLink,
    Commitment,
    Decision,
    Handoff,
    Interaction,
    Note,
    SlaClock,
)


class ViewOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class InteractionInline(ReadOnlyInline):
    model = Interaction
    fields = ["started_at", "channel", "direction", "agent", "disposition", "note"]


class CommitmentInline(ReadOnlyInline):
    model = Commitment
    fk_name = "case"
    fields = ["description", "owed_by", "due_at", "owner", "status", "reason"]


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    fk_name = "case"
    fields = ["created_at", "type", "actor", "before", "after", "reason"]
    readonly_fields = ["created_at", "type", "actor", "before", "after", "reason"]
    ordering = ["-created_at", "-id"]
    show_change_link = False


@admin.register(Case)
class CaseAdmin(ViewOnlyAdmin):
    list_display = [
        "id",
        "subject",
        "status",
        "priority",
        "owner",
        "team",
        "organization",
        "next_step_due",
        "sla_due",
        "sla_metric",
    ]
    list_filter = ["status", "priority", "channel", "team"]
    search_fields = ["subject", "organization__name", "contact__name"]
    list_select_related = ["owner", "team", "organization"]
    raw_id_fields = ["contact", "organization", "asset", "merged_into"]
    inlines = [InteractionInline, CommitmentInline, CaseEventInline]


@admin.register(CaseEvent)
class CaseEventAdmin(ViewOnlyAdmin):
    list_display = ["created_at", "case", "type", "actor", "reason"]
    list_filter = ["type"]
    list_select_related = ["case", "actor"]
    raw_id_fields = ["case"]


@admin.register(Interaction)
class InteractionAdmin(ViewOnlyAdmin):
    list_display = ["started_at", "case", "channel", "direction", "agent", "disposition"]
    list_filter = ["channel", "direction", "disposition"]
    list_select_related = ["case", "agent"]
    raw_id_fields = ["case", "contact"]


@admin.register(Note)
class NoteAdmin(ViewOnlyAdmin):
    list_display = ["created_at", "case", "author", "visibility"]
    list_filter = ["visibility"]
    list_select_related = ["case", "author"]
    raw_id_fields = ["case"]


@admin.register(Handoff)
class HandoffAdmin(ViewOnlyAdmin):
    list_display = ["created_at", "case", "kind", "from_user", "to_user", "to_team", "status"]
    list_filter = ["kind", "status"]
    list_select_related = ["case", "from_user", "to_user", "to_team"]
    raw_id_fields = ["case", "escalated_from"]


@admin.register(Commitment)
class CommitmentAdmin(ViewOnlyAdmin):
    list_display = ["due_at", "case", "description", "owed_by", "owner", "status"]
    list_filter = ["status", "owed_by", "kind"]
    list_select_related = ["case", "owner"]
    raw_id_fields = ["case"]


@admin.register(Decision)
class DecisionAdmin(ViewOnlyAdmin):
    list_display = ["created_at", "case", "policy", "decided_by", "approved_by"]
    list_select_related = ["case", "decided_by", "approved_by"]
    raw_id_fields = ["case"]


@admin.register(CaseLink)
class CaseLinkAdmin(ViewOnlyAdmin):
    list_display = ["from_case", "kind", "to_case", "created_by", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["from_case", "to_case"]


@admin.register(SlaClock)
class SlaClockAdmin(ViewOnlyAdmin):
    list_display = [
        "case",
        "metric",
        "policy_name",
        "target_minutes",
        "due_at",
        "met_at",
        "breached_at",
    ]
    list_filter = ["metric"]
    list_select_related = ["case"]
    raw_id_fields = ["case"]
