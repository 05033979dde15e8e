"""Permissions as data: capabilities are an enum, roles are named sets of them."""

from __future__ import annotations

from django.db import models


class Capability(models.TextChoices):
    CASE_VIEW = "case.view", "See any case"
    CASE_OPEN = "case.open", "Open cases"
    CASE_WORK = "case.work", "Log interactions and notes on cases"
    CASE_CLAIM = "case.claim", "Claim cases from a team queue"
    CASE_ASSIGN = "case.assign", "Assign cases to other people"
    CASE_HAND_OFF = "case.hand_off", "Hand off cases"
    CASE_SET_STATUS = "case.set_status", "Change case status"
    CASE_LINK = "case.link", "Link cases"
    CASE_MERGE = "case.merge", "Merge cases"
    COMMITMENT_MANAGE = "commitment.manage", "Add, keep, break and cancel promises"
    DECISION_RECORD = "decision.record", "Record decisions"
    DECISION_APPROVE = "decision.approve", "Approve policy exceptions"
    CUSTOMER_VIEW = "customer.view", "See customers"
    CUSTOMER_EDIT = "customer.edit", "Create and change customers"
    TEAM_MANAGE = "team.manage", "Manage teams"
    API_TOKEN_MANAGE = "api_token.manage", "Manage other people's API tokens"
    WEBHOOK_MANAGE = "webhook.manage", "Manage webhooks and read their delivery log"
    ERROR_REPORT_SUBMIT = "error_report.submit", "Send in-product error reports"
    REPORT_VIEW = "report.view", "See reports (equal treatment, service levels)"
    KB_VIEW = "kb.view", "Read the knowledge base (internal articles too) and the vendor directory"
    KB_EDIT = "kb.edit", "Write and edit knowledge-base articles and their tables"
    KB_PUBLISH = "kb.publish", "Publish and unpublish articles"
    VENDOR_MANAGE = "vendor.manage", "Add and change vendors in the directory"
    # A portal user: sees and writes only to their own organisation's cases, public notes only.
    PORTAL = "portal", "Use the customer portal"


class Role(models.TextChoices):
    AGENT = "agent", "Agent"
    LEAD = "lead", "Team lead"
    DISPATCHER = "dispatcher", "Dispatcher"
    TECHNICIAN = "technician", "Field technician"
    ADMIN = "admin", "Administrator"
    CUSTOMER = "customer", "Customer"
    # A service account behind an integration token; what it may do is its token's scopes.
    INTEGRATION = "integration", "Integration"


C = Capability

_AGENT = frozenset(
    {
        C.CASE_VIEW,
        C.CASE_OPEN,
        C.CASE_WORK,
        C.CASE_CLAIM,
        C.CASE_HAND_OFF,
        C.CASE_SET_STATUS,
        C.CASE_LINK,
        C.COMMITMENT_MANAGE,
        C.DECISION_RECORD,
        C.CUSTOMER_VIEW,
        C.CUSTOMER_EDIT,
        C.KB_VIEW,
        C.KB_EDIT,
    }
)

ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.AGENT: _AGENT,
    Role.LEAD: _AGENT
    | {
        C.CASE_ASSIGN,
        C.CASE_MERGE,
        C.DECISION_APPROVE,
        C.TEAM_MANAGE,
        C.REPORT_VIEW,
        C.KB_PUBLISH,
        C.VENDOR_MANAGE,
    },
    Role.DISPATCHER: _AGENT | {C.CASE_ASSIGN},
    Role.TECHNICIAN: frozenset(
        {
            C.CASE_VIEW,
            C.CASE_WORK,
            C.CASE_CLAIM,
            C.CASE_HAND_OFF,
            C.CASE_SET_STATUS,
            C.COMMITMENT_MANAGE,
            C.DECISION_RECORD,
            C.CUSTOMER_VIEW,
            C.KB_VIEW,
        }
    ),
    Role.ADMIN: frozenset(Capability) - {C.PORTAL, C.ERROR_REPORT_SUBMIT},
    Role.CUSTOMER: frozenset({C.PORTAL}),
    Role.INTEGRATION: frozenset(Capability) - {C.PORTAL, C.API_TOKEN_MANAGE, C.TEAM_MANAGE},
}

STAFF_ROLES = frozenset(Role) - {Role.CUSTOMER, Role.INTEGRATION}
