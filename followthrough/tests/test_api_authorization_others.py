"""Who may call which operation outside the cases API: customers, teams and users, tokens,
error reports and webhooks, the knowledge base (articles, revisions, tables) and vendors,
referrals, search, knowledge on cases and the reports, each by every kind of caller.

Callers: tokens of an agent, a lead, a technician and an administrator; an agent's token
narrowed to case.view; a product's integration token for error reports; an expired and a
revoked token; no credentials; a customer of organisation A and a customer of another one
(both signed in with a session). The cases operations (tagged "cases") have their own matrix
in followthrough/cases/tests/test_api_authorization.py.

Portal customers read published public articles only, whichever organisation they are in;
a draft or an internal article, its tables and its revisions do not exist for them, nor does
a case of another organisation or anything on it.

A record the caller may not see answers exactly like one that does not exist, status and body
alike. Refused calls change nothing, and no read changes anything.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from followthrough.accounts.capabilities import Capability, Role
from followthrough.accounts.models import ApiToken, Membership, Team, User
from followthrough.accounts.services import (
    api_token_create,
    api_token_revoke,
    integration_token_create,
)
from followthrough.accounts.tests.factories import UserFactory
from followthrough.cases.models import (
    Case,
    CaseArticle,
    CaseEvent,
    Commitment,
    Interaction,
    Referral,
)
from followthrough.cases.services import case_mark_solution, case_refer
from followthrough.cases.tests.factories import in_hours, open_case
from followthrough.cases.tests.test_api_cases import Api, iso, token_for
from followthrough.core.models import SearchDocument
from followthrough.customers.models import (
    Asset,
    Contact,
    ContactEmail,
    ContactPhone,
    Organization,
    Site,
)
from followthrough.customers.tests.factories import AssetFactory, ContactFactory, SiteFactory
from followthrough.intake.models import ErrorReport, ProductRoute
from followthrough.knowledge.models import (
    Article,
    ArticleRevision,
    ArticleTable,
    ArticleVisibility,
    ColumnType,
    Product,
    TableColumn,
    TableRow,
    Vendor,
)
from followthrough.knowledge.services.articles import article_create, article_publish
from followthrough.knowledge.services.tables import row_add, table_create
from followthrough.knowledge.services.vendors import vendor_create
from followthrough.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from followthrough.webhooks.services import webhook_emit, webhook_subscription_create

MISSING = 10**9
PRODUCT = "SyncBridge"
HOOK = "http://127.0.0.1:9/hook"
# The callers whose statuses each operation lists, in this order; the rest always get 401.
LISTED = "agent lead technician admin narrow_token integration_token customer other_customer"
LISTED_ROLES = LISTED.split()
ROLES = [*LISTED_ROLES, "expired_token", "revoked_token", "no_credentials"]
TOKEN_CALLERS = LISTED_ROLES[:6]
# Path placeholders that are not named after their parameter: which parameter each fills.
PARAMETERS = {
    "draft": "article_id",
    "internal": "article_id",
    "internal_table": "table_id",
    "internal_row": "row_id",
    "revision": "number",
    "first": "number",
}

Body = Callable[[dict[str, int], list[str]], dict[str, Any]]


@dataclass(frozen=True)
class Op:
    name: str
    method: str
    path: str  # {organization}, {contact}, {site}, {asset}, {team}, ... filled from `ids`
    expect: str  # statuses for LISTED, space-separated
    body: Body | None = None  # from `ids` and the scopes of the credential calling
    hidden: str = ""  # the id a missing one replaces, in the path or the body; "" when none
    # For a caller refused on another record than `hidden` (one it may see the case of, but
    # not the vendor or article named): the id a missing one replaces for that caller.
    hidden_for: Mapping[str, str] = field(default_factory=dict)

    def statuses(self) -> dict[str, int]:
        codes = dict(zip(LISTED_ROLES, (int(s) for s in self.expect.split()), strict=True))
        return codes | {"expired_token": 401, "revoked_token": 401, "no_credentials": 401}

    def hidden_from(self, role: str) -> str:
        return self.hidden_for.get(role, self.hidden)


def _contact(ids: dict[str, int], scopes: list[str]) -> dict[str, Any]:
    return {
        "organization_id": ids["organization"],
        "name": "Ravi Shah",
        "emails": ["ravi@acme.example"],
        "phones": [{"number": "+1 202 555 0142", "kind": "mobile"}],
        "time_zone": "Europe/London",
    }


def _site(ids: dict[str, int], scopes: list[str]) -> dict[str, Any]:
    return {"organization_id": ids["organization"], "name": "Depot", "country": "GB"}


def _asset(ids: dict[str, int], scopes: list[str]) -> dict[str, Any]:
    return {
        "organization_id": ids["organization"],
        "site_id": ids["site"],
        "product": "EdgeSwitch 24",
        "serial_number": "SN-NEW-1",
        "warranty_end": "2031-01-31",
    }


def _report(ids: dict[str, int], scopes: list[str]) -> dict[str, Any]:
    return {
        "product": PRODUCT,
        "version": "7.1.0",
        "installation_id": "inst-42",
        "error_code": "SYNC-409",
        "message": "Sync stopped at 61%",
        "diagnostics": {"os": "macOS 14.5"},
    }


def _article(ids: dict[str, int], scopes: list[str]) -> dict[str, Any]:
    return {"title": "Resetting the FX-300 modem", "body": "Unplug it.", "visibility": "public"}


def _title(key: str) -> Body:
    """A new title for an article, based on the version the caller read (`<key>_version`)."""
    return lambda ids, scopes: {"title": "Reset it twice", "version": ids[f"{key}_version"]}


def _cells(key: str) -> Body:
    return lambda ids, scopes: {"cells": {str(ids[key]): "FX-300"}}


def _referral(ids: dict[str, int], scopes: list[str]) -> dict[str, Any]:
    return {
        "vendor_id": ids["vendor"],
        "reason": "Their removal tool clears what is left of Vireo AV",
        "follow_up_due": iso(in_hours(3)),
    }


def _reason(ids: dict[str, int], scopes: list[str]) -> dict[str, Any]:
    return {"reason": "Checked with the vendor"}


#       agent lead tech admin narrow integration customer other_customer
OPS = [
    # --- Customers: a customer sees their own organisation, staff need customer.view. ---
    Op("list_organizations", "GET", "/customers/organizations", "200 200 200 200 403 403 200 200"),
    Op(
        "get_organization",
        "GET",
        "/customers/organizations/{organization}",
        "200 200 200 200 404 404 200 404",
        hidden="organization",
    ),
    Op(
        "create_organization",
        "POST",
        "/customers/organizations",
        "201 201 403 201 403 403 403 403",
        lambda ids, scopes: {"name": "Globex", "plan_tier": "premium", "notes": "New"},
    ),
    Op("list_contacts", "GET", "/customers/contacts", "200 200 200 200 403 403 200 200"),
    Op(
        "list_contacts_of_organization",
        "GET",
        "/customers/contacts?organization={organization}",
        "200 200 200 200 403 403 200 404",
        hidden="organization",
    ),
    Op(
        "get_contact",
        "GET",
        "/customers/contacts/{contact}",
        "200 200 200 200 404 404 200 404",
        hidden="contact",
    ),
    # The organisation is looked up first: whoever may not see it is told it is missing.
    Op(
        "create_contact",
        "POST",
        "/customers/contacts",
        "201 201 403 201 404 404 403 404",
        _contact,
        hidden="organization",
    ),
    Op("list_sites", "GET", "/customers/sites", "200 200 200 200 403 403 200 200"),
    Op(
        "list_sites_of_organization",
        "GET",
        "/customers/sites?organization={organization}",
        "200 200 200 200 403 403 200 404",
        hidden="organization",
    ),
    Op(
        "get_site",
        "GET",
        "/customers/sites/{site}",
        "200 200 200 200 404 404 200 404",
        hidden="site",
    ),
    Op(
        "create_site",
        "POST",
        "/customers/sites",
        "201 201 403 201 404 404 403 404",
        _site,
        hidden="organization",
    ),
    Op("list_assets", "GET", "/customers/assets", "200 200 200 200 403 403 200 200"),
    Op(
        "list_assets_of_organization",
        "GET",
        "/customers/assets?organization={organization}",
        "200 200 200 200 403 403 200 404",
        hidden="organization",
    ),
    Op(
        "list_assets_at_site",
        "GET",
        "/customers/assets?site={site}",
        "200 200 200 200 403 403 200 404",
        hidden="site",
    ),
    Op(
        "get_asset",
        "GET",
        "/customers/assets/{asset}",
        "200 200 200 200 404 404 200 404",
        hidden="asset",
    ),
    Op(
        "create_asset",
        "POST",
        "/customers/assets",
        "201 201 403 201 404 404 403 404",
        _asset,
        hidden="organization",
    ),
    # The caller lookup is a screen-pop for staff, never for the portal.
    Op("lookup", "GET", "/customers/lookup?q=Maria", "200 200 200 200 403 403 403 403"),
    # --- Teams and staff: any member of staff reads them; customers do not. ---
    Op("list_teams", "GET", "/teams", "200 200 200 200 200 403 403 403"),
    Op("get_team", "GET", "/teams/{team}", "200 200 200 200 200 404 404 404", hidden="team"),
    Op("list_users", "GET", "/users", "200 200 200 200 200 403 403 403"),
    Op(
        "list_users_of_team",
        "GET",
        "/users?team={team}",
        "200 200 200 200 200 403 403 403",
        hidden="team",
    ),
    Op("get_me", "GET", "/users/me", "200 200 200 200 200 200 200 200"),
    # --- Tokens: one's own, or anyone's with api_token.manage (administrators). ---
    Op("list_tokens", "GET", "/tokens", "200 200 200 200 200 200 200 200"),
    Op("list_all_tokens", "GET", "/tokens?all=true", "403 403 403 200 403 403 403 403"),
    # Made in a signed-in session (or with a token that may manage tokens): a token cannot
    # mint tokens, and customers and integrations hold none.
    Op(
        "create_token",
        "POST",
        "/tokens",
        "403 403 403 201 403 403 403 403",
        lambda ids, scopes: {"name": "Laptop", "scopes": scopes, "expires_at": "2099-01-01T00:00Z"},
    ),
    Op(
        "create_token_for_someone_else",
        "POST",
        "/tokens",
        "403 403 403 201 403 403 403 403",
        lambda ids, scopes: {"name": "For Bea", "scopes": ["case.view"], "user_id": ids["agent2"]},
    ),
    Op(
        "create_integration_token",
        "POST",
        "/integration-tokens",
        "403 403 403 201 403 403 403 403",
        lambda ids, scopes: {
            "name": "SyncBridge beta",
            "scopes": ["error_report.submit"],
            "product": PRODUCT,
        },
    ),
    Op(
        "revoke_someone_elses_token",
        "DELETE",
        "/tokens/{token}",
        "404 404 404 204 404 404 404 404",
        hidden="token",
    ),
    # --- Error reports: a product's integration token only, never a person. ---
    Op("submit_error_report", "POST", "/error-reports", "403 403 403 403 403 201 403 403", _report),
    # --- Webhooks: administrators (webhook.manage); a record is "not found" to anyone else.
    Op(
        "create_webhook",
        "POST",
        "/webhooks",
        "403 403 403 201 403 403 403 403",
        lambda ids, scopes: {"name": "CRM", "target_url": HOOK, "event_types": ["case.opened"]},
    ),
    Op("list_webhooks", "GET", "/webhooks", "403 403 403 200 403 403 403 403"),
    Op(
        "get_webhook",
        "GET",
        "/webhooks/{subscription}",
        "404 404 404 200 404 404 404 404",
        hidden="subscription",
    ),
    Op(
        "list_deliveries",
        "GET",
        "/webhooks/{subscription}/deliveries",
        "404 404 404 200 404 404 404 404",
        hidden="subscription",
    ),
    Op(
        "replay_delivery",
        "POST",
        "/webhooks/deliveries/{delivery}/replay",
        "404 404 404 200 404 404 404 404",
        hidden="delivery",
    ),
    Op(
        "delete_webhook",
        "DELETE",
        "/webhooks/{subscription}",
        "404 404 404 204 404 404 404 404",
        hidden="subscription",
    ),
    # --- Articles. Staff read every one (kb.view) and write with kb.edit; publishing (and
    # making a published article public or internal) needs kb.publish. A portal customer
    # reads published public articles, of any organisation, and writes none: a refusal on
    # one they may read is a 403, on one they may not a 404. A token that cannot read the
    # knowledge base may not list it and finds no article. `article` is published and public,
    # with a table; `internal` is published and internal, with a table; `draft` is a public
    # draft.
    Op("list_articles", "GET", "/articles", "200 200 200 200 403 403 200 200"),
    Op("create_article", "POST", "/articles", "201 201 403 201 403 403 403 403", _article),
    Op(
        "get_article",
        "GET",
        "/articles/{article}",
        "200 200 200 200 404 404 200 200",
        hidden="article",
    ),
    Op(
        "get_internal_article",
        "GET",
        "/articles/{internal}",
        "200 200 200 200 404 404 404 404",
        hidden="internal",
    ),
    Op(
        "get_draft_article",
        "GET",
        "/articles/{draft}",
        "200 200 200 200 404 404 404 404",
        hidden="draft",
    ),
    Op(
        "edit_article",
        "PATCH",
        "/articles/{article}",
        "200 200 403 200 404 404 403 403",
        _title("article"),
        hidden="article",
    ),
    Op(
        "edit_draft_article",
        "PATCH",
        "/articles/{draft}",
        "200 200 403 200 404 404 404 404",
        _title("draft"),
        hidden="draft",
    ),
    # Whether customers may read a published article is the publisher's decision.
    Op(
        "make_published_article_internal",
        "PATCH",
        "/articles/{article}",
        "403 200 403 200 404 404 403 403",
        lambda ids, scopes: {"visibility": "internal", "version": ids["article_version"]},
        hidden="article",
    ),
    Op(
        "publish_draft",
        "POST",
        "/articles/{draft}/publish",
        "403 200 403 200 404 404 404 404",
        _reason,
        hidden="draft",
    ),
    Op(
        "unpublish_article",
        "POST",
        "/articles/{article}/unpublish",
        "403 200 403 200 404 404 403 403",
        _reason,
        hidden="article",
    ),
    # Revisions are for staff: a customer who may read the article is refused (403).
    Op(
        "list_revisions",
        "GET",
        "/articles/{article}/revisions",
        "200 200 200 200 404 404 403 403",
        hidden="article",
    ),
    Op(
        "list_revisions_of_internal_article",
        "GET",
        "/articles/{internal}/revisions",
        "200 200 200 200 404 404 404 404",
        hidden="internal",
    ),
    Op(
        "get_diff",
        "GET",
        "/articles/{article}/revisions/{revision}/diff",
        "200 200 200 200 404 404 403 403",
        hidden="article",
    ),
    Op(
        "get_diff_of_draft",
        "GET",
        "/articles/{draft}/revisions/{first}/diff",
        "200 200 200 200 404 404 404 404",
        hidden="draft",
    ),
    # --- Tables, columns and rows: kb.edit, on an article the caller may read.
    Op(
        "create_table",
        "POST",
        "/articles/{article}/tables",
        "201 201 403 201 404 404 403 403",
        lambda ids, scopes: {"name": "Firmware", "columns": [{"name": "Version"}]},
        hidden="article",
    ),
    Op(
        "create_table_in_internal_article",
        "POST",
        "/articles/{internal}/tables",
        "201 201 403 201 404 404 404 404",
        lambda ids, scopes: {"name": "Firmware", "columns": [{"name": "Version"}]},
        hidden="internal",
    ),
    Op(
        "edit_table",
        "PATCH",
        "/tables/{table}",
        "200 200 403 200 404 404 403 403",
        lambda ids, scopes: {"name": "Modems", "row_ids": [ids["row"]]},
        hidden="table",
    ),
    Op(
        "delete_table",
        "DELETE",
        "/tables/{table}",
        "204 204 403 204 404 404 403 403",
        hidden="table",
    ),
    Op(
        "delete_table_of_internal_article",
        "DELETE",
        "/tables/{internal_table}",
        "204 204 403 204 404 404 404 404",
        hidden="internal_table",
    ),
    Op(
        "add_column",
        "POST",
        "/tables/{table}/columns",
        "201 201 403 201 404 404 403 403",
        lambda ids, scopes: {"name": "Checked", "type": "date"},
        hidden="table",
    ),
    Op(
        "add_column_to_internal_table",
        "POST",
        "/tables/{internal_table}/columns",
        "201 201 403 201 404 404 404 404",
        lambda ids, scopes: {"name": "Checked", "type": "date"},
        hidden="internal_table",
    ),
    Op(
        "rename_column",
        "PATCH",
        "/columns/{column}",
        "200 200 403 200 404 404 403 403",
        lambda ids, scopes: {"name": "Model name"},
        hidden="column",
    ),
    Op(
        "remove_column",
        "DELETE",
        "/columns/{column}",
        "204 204 403 204 404 404 403 403",
        hidden="column",
    ),
    Op(
        "add_row",
        "POST",
        "/tables/{table}/rows",
        "201 201 403 201 404 404 403 403",
        _cells("column"),
        hidden="table",
    ),
    Op(
        "add_row_to_internal_table",
        "POST",
        "/tables/{internal_table}/rows",
        "201 201 403 201 404 404 404 404",
        _cells("internal_column"),
        hidden="internal_table",
    ),
    Op(
        "edit_row",
        "PATCH",
        "/rows/{row}",
        "200 200 403 200 404 404 403 403",
        _cells("column"),
        hidden="row",
    ),
    Op(
        "edit_row_of_internal_article",
        "PATCH",
        "/rows/{internal_row}",
        "200 200 403 200 404 404 404 404",
        _cells("internal_column"),
        hidden="internal_row",
    ),
    Op(
        "delete_row",
        "DELETE",
        "/rows/{row}",
        "204 204 403 204 404 404 403 403",
        hidden="row",
    ),
    Op(
        "delete_row_of_internal_article",
        "DELETE",
        "/rows/{internal_row}",
        "204 204 403 204 404 404 404 404",
        hidden="internal_row",
    ),
    # --- Vendors: staff who read the knowledge base; vendor.manage writes.
    Op("list_vendors", "GET", "/vendors", "200 200 200 200 403 403 403 403"),
    Op(
        "create_vendor",
        "POST",
        "/vendors",
        "403 201 403 201 403 403 403 403",
        lambda ids, scopes: {"name": "Kestrel Labs", "hours": "Mon-Fri 09:00-17:00"},
    ),
    Op(
        "get_vendor",
        "GET",
        "/vendors/{vendor}",
        "200 200 200 200 404 404 404 404",
        hidden="vendor",
    ),
    Op(
        "update_vendor",
        "PATCH",
        "/vendors/{vendor}",
        "403 200 403 200 404 404 404 404",
        lambda ids, scopes: {"hours": "Mon-Sat 08:00-18:00"},
        hidden="vendor",
    ),
    # --- Referrals: staff records on a case of organisation A. A portal customer, even of
    # that organisation, gets the 404 of a case that does not exist.
    Op(
        "refer",
        "POST",
        "/cases/{case}/referrals",
        # The narrowed token sees the case but not the vendor it names.
        "201 201 201 201 404 404 404 404",
        _referral,
        hidden="case",
        hidden_for={"narrow_token": "vendor"},
    ),
    Op(
        "list_referrals",
        "GET",
        "/cases/{case}/referrals",
        "200 200 200 200 200 404 404 404",
        hidden="case",
    ),
    Op(
        "record_referral_outcome",
        "POST",
        "/referrals/{referral}/outcome",
        "200 200 200 200 403 404 404 404",
        lambda ids, scopes: {
            "outcome": "vendor_helped",
            "note": "Their tool worked",
            "next_step": "Confirm the install finished",
            "next_step_due": iso(in_hours(2)),
        },
        hidden="referral",
    ),
    Op("referral_report", "GET", "/reports/referrals", "403 200 403 200 403 403 403 403"),
    # --- Search: everyone signed in searches what they may see (scoping: below).
    Op("search", "GET", "/search?q=modem", "200 200 200 200 200 200 200 200"),
    # --- Knowledge on the case of organisation A. `solution` names the internal article.
    Op(
        "get_suggestions",
        "GET",
        "/cases/{case}/suggestions",
        "200 200 200 200 200 404 200 404",
        hidden="case",
    ),
    # Possible duplicates look across every customer: staff only.
    Op(
        "get_similar",
        "GET",
        "/cases/{case}/similar",
        "200 200 200 200 200 404 403 404",
        hidden="case",
    ),
    Op(
        "list_solutions",
        "GET",
        "/cases/{case}/solutions",
        "200 200 200 200 200 404 200 404",
        hidden="case",
    ),
    Op(
        "mark_solution",
        "POST",
        "/cases/{case}/solutions",
        # The narrowed token sees the case but not the (public) article it names.
        "201 201 201 201 404 404 403 404",
        lambda ids, scopes: {"article_id": ids["article"], "row_id": ids["row"]},
        hidden="case",
        hidden_for={"narrow_token": "article"},
    ),
    Op(
        "unmark_solution",
        "DELETE",
        "/solutions/{solution}",
        "204 204 204 204 404 404 404 404",
        hidden="solution",
    ),
    Op("knowledge_report", "GET", "/reports/knowledge", "403 200 403 200 403 403 403 403"),
]


@pytest.fixture
def people(agent, tier1_lead, tier1, customer_user, other_organization):
    technician = UserFactory.create(role=Role.TECHNICIAN)
    admin = UserFactory.create(role=Role.ADMIN)
    for user in (technician, admin):
        Membership.objects.create(user=user, team=tier1)
    other_customer = UserFactory.create(role=Role.CUSTOMER)
    ContactFactory.create(organization=other_organization, user=other_customer)
    return {
        "agent": agent,
        "lead": tier1_lead,
        "technician": technician,
        "admin": admin,
        "customer": customer_user,
        "other_customer": other_customer,
    }


@pytest.fixture
def ids(settings, tmp_path, people, agent2, tier1, organization, contact, other_organization):
    """The ids of organisation A (the customer's) with a contact, a site and an asset there
    (organisation B, the other customer's, has its own); Tier 1; agent2 and a token of theirs;
    a webhook with a delivery that failed twice; a route for SyncBridge's error reports; the
    articles (see OPS) with their tables, a vendor, and a queue case of organisation A
    referred to that vendor, with the internal article marked as its solution."""
    settings.FOLLOWTHROUGH_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.MEDIA_ROOT = tmp_path
    site = SiteFactory.create(organization=organization)
    asset = AssetFactory.create(organization=organization, site=site)
    SiteFactory.create(organization=other_organization)
    AssetFactory.create(organization=other_organization)
    spare, _ = api_token_create(actor=agent2, user=agent2, name="Bea's", scopes=["case.view"])
    ProductRoute.objects.create(product=PRODUCT, team=tier1)
    subscription, _ = webhook_subscription_create(
        actor=people["admin"], name="CRM", target_url=HOOK, event_types=["case.opened"]
    )
    [delivery] = webhook_emit(event_type="case.opened", event_id="e-1", payload={"n": 1})
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, attempts=2)
    return {
        **_knowledge(people["lead"], agent2, tier1, contact),
        "organization": organization.pk,
        "contact": contact.pk,
        "site": site.pk,
        "asset": asset.pk,
        "team": tier1.pk,
        "agent2": agent2.pk,
        "token": spare.pk,
        "subscription": subscription.pk,
        "delivery": delivery.pk,
    }


def _written(lead: User, *, title: str, visibility: str) -> Article:
    return article_create(
        actor=lead,
        title=title,
        body="Hold the reset button for 10 seconds, then wait for the modem to restart.",
        visibility=visibility,
        tags=["modem"],
    )


def _with_table(lead: User, article: Article, name: str) -> tuple[ArticleTable, int, int]:
    """A one-column table with one row in `article`: the table, its column's and row's ids."""
    table = table_create(
        actor=lead, article=article, name=name, columns=[("Model", ColumnType.TEXT)]
    )
    column = table.columns.get()
    row = row_add(actor=lead, table=table, cells={str(column.pk): "FX-200"})
    return table, column.pk, row.pk


def _knowledge(lead: User, agent2: User, tier1: Team, contact: Contact) -> dict[str, int]:
    """Through the services: a published public article, a published internal one (both with
    a table), a public draft, a vendor, and a case referred to it that the internal article
    solved. Also the version each article is at (what an edit must be based on)."""
    article = _written(
        lead, title="Resetting the FX-200 modem", visibility=ArticleVisibility.PUBLIC
    )
    table, column, row = _with_table(lead, article, "Models")
    article_publish(actor=lead, article=article)
    internal = _written(
        lead, title="Modem firmware rollback", visibility=ArticleVisibility.INTERNAL
    )
    internal_table, internal_column, internal_row = _with_table(lead, internal, "Rollbacks")
    article_publish(actor=lead, article=internal)
    draft = _written(lead, title="Modem lights explained", visibility=ArticleVisibility.PUBLIC)
    vendor = vendor_create(
        actor=lead,
        name="Vireo Software",
        support_url="https://support.vireo.example",
        hours="Mon-Fri 08:00-18:00",
        time_zone="America/New_York",
    )
    case = open_case(
        actor=agent2,
        owner=None,
        team=tier1,
        contact=contact,
        subject="Modem keeps restarting",
        description="The FX-200 modem restarts every hour since the update.",
    )
    referral = case_refer(
        actor=agent2,
        case=case,
        vendor=vendor,
        reason="Vireo's removal tool clears what is left of Vireo AV",
        follow_up_due=in_hours(3),
    )
    solution = case_mark_solution(
        actor=agent2,
        case=case,
        article=Article.objects.get(pk=internal.pk),
        row=TableRow.objects.get(pk=internal_row),
    )
    versions = dict(Article.objects.values_list("pk", "version"))
    return {
        "article": article.pk,
        "article_version": versions[article.pk],
        "revision": 2,
        "first": 1,
        "table": table.pk,
        "column": column,
        "row": row,
        "internal": internal.pk,
        "internal_table": internal_table.pk,
        "internal_column": internal_column,
        "internal_row": internal_row,
        "draft": draft.pk,
        "draft_version": versions[draft.pk],
        "vendor": vendor.pk,
        "case": case.pk,
        "referral": referral.pk,
        "solution": solution.pk,
    }


def _caller(role: str, people: dict[str, User]) -> tuple[Api, list[str]]:
    """The client for a kind of caller, and the scopes of the credential it calls with."""
    if role in ("agent", "lead", "technician", "admin"):
        user = people[role]
        return Api(token_for(user)), sorted(user.capabilities)
    if role == "narrow_token":
        return Api(token_for(people["agent"], scopes=[Capability.CASE_VIEW])), ["case.view"]
    if role == "integration_token":
        _, text = integration_token_create(
            actor=people["admin"],
            name=PRODUCT,
            scopes=[Capability.ERROR_REPORT_SUBMIT],
            product=PRODUCT,
        )
        return Api(text), ["error_report.submit"]
    if role in ("expired_token", "revoked_token"):
        agent = people["agent"]
        token, text = api_token_create(
            actor=agent,
            user=agent,
            name=role,
            scopes=sorted(agent.capabilities),
            expires_at=in_hours(1),
        )
        if role == "revoked_token":
            api_token_revoke(actor=agent, token=token)
        else:
            ApiToken.objects.filter(pk=token.pk).update(
                expires_at=timezone.now() - dt.timedelta(minutes=1)
            )
        return Api(text), sorted(agent.capabilities)
    if role == "no_credentials":
        return Api(), []
    client = Client()
    client.force_login(people[role])
    return Api(client=client), sorted(people[role].capabilities)


def _rows(model: Any, *fields: str) -> list[dict[str, Any]]:
    return list(model.objects.order_by("pk").values(*fields))


def _snapshot() -> tuple[Any, ...]:
    """Every record these operations could write. A token's use counters move on every
    authenticated request, so only what a write could change of it is compared."""
    return (
        _rows(Organization),
        _rows(Contact),
        _rows(ContactEmail),
        _rows(ContactPhone),
        _rows(Site),
        _rows(Asset),
        _rows(User, "pk", "username", "role", "is_active"),
        _rows(Team),
        _rows(Membership),
        _rows(ApiToken, "pk", "user", "kind", "scopes", "product", "expires_at", "revoked_at"),
        _rows(WebhookSubscription),
        _rows(WebhookDelivery),
        _rows(ErrorReport),
        _rows(Article),
        _rows(ArticleRevision),
        _rows(ArticleTable),
        _rows(TableColumn),
        _rows(TableRow),
        _rows(Vendor),
        _rows(Product),
        _rows(Case),
        _rows(Referral),
        _rows(CaseArticle),
        _rows(Commitment),
        Interaction.objects.count(),
        CaseEvent.objects.count(),
        # Searches are logged (SearchQueryLog) for the knowledge report: not a change here.
        _rows(SearchDocument, "pk", "kind", "object_id", "title", "body", "status", "is_public"),
    )


def _call(api: Api, op: Op, ids: dict[str, int], scopes: list[str]) -> Any:
    path = op.path.format(**ids)
    if op.method == "GET":
        return api.get(path)
    return api.send(op.method, path, op.body(ids, scopes) if op.body else None)


def _cases() -> list[Any]:
    cases = []
    for op in OPS:
        for role in ROLES:
            cases.append(pytest.param(op, role, id=f"{op.name}-{role}"))
    return cases


@pytest.mark.parametrize(("op", "role"), _cases())
def test_authorization_matrix(op, role, ids, people):
    api, scopes = _caller(role, people)
    expected = op.statuses()[role]
    before = _snapshot()

    response = _call(api, op, ids, scopes)

    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response["Content-Type"] == "application/problem+json"
        assert _snapshot() == before
    if expected == 401:
        assert response.json()["code"] == "unauthenticated"
    elif expected == 404 and op.hidden_from(role):
        # Exactly what an id that does not exist gets: nothing tells the two apart.
        missing = _call(api, op, ids | {op.hidden_from(role): MISSING}, scopes)
        assert missing.status_code == 404
        assert missing.content == response.content
        assert _snapshot() == before
    elif op.method == "GET":
        assert _snapshot() == before
    elif expected < 300:
        assert _snapshot() != before


@pytest.mark.parametrize("path", ["organizations", "contacts", "sites", "assets"])
@pytest.mark.parametrize("role", ["customer", "other_customer"])
def test_customers_list_only_their_own_organisations_records(path, role, ids, people):
    own = Contact.objects.get(user=people[role]).organization_id
    api, _ = _caller(role, people)
    items = api.get(f"/customers/{path}").json()["items"]
    found = {
        item["id"] if path == "organizations" else item["organization"]["id"] for item in items
    }
    assert found == {own}


def _found(api: Api, path: str) -> set[tuple[str, int]]:
    """What a search finds, as (kind, id); a table row and a case's internal text as their
    article's and case's."""
    items = api.get(path).json()["items"]
    parents = {"table_row": "article", "case_internal": "case"}
    return {
        (parents[i["kind"]], i["parent_id"]) if i["kind"] in parents else (i["kind"], i["id"])
        for i in items
    }


@pytest.mark.parametrize("role", ["customer", "other_customer"])
def test_customers_find_only_published_public_articles_and_their_own_cases(role, ids, people):
    api, _ = _caller(role, people)
    own_cases = {("case", ids["case"])} if role == "customer" else set()

    listed = {a["id"] for a in api.get("/articles").json()["items"]}
    # Every article, its table row and the case mention the modem; the case's referral note
    # (internal) names the vendor.
    found = _found(api, "/search?q=modem") | _found(api, "/search?q=vireo")

    assert listed == {ids["article"]}
    assert found == {("article", ids["article"])} | own_cases


def test_a_customer_is_suggested_only_published_public_articles(ids, people):
    api, _ = _caller("customer", people)
    staff, _ = _caller("agent", people)
    path = f"/cases/{ids['case']}/suggestions"

    suggested = api.get(path).json()

    # Staff are offered the internal article too, and see it marked as the solution.
    assert {a["id"] for a in staff.get(path).json()["articles"]} == {
        ids["article"],
        ids["internal"],
    }
    assert {a["id"] for a in suggested["articles"]} == {ids["article"]}
    assert suggested["solutions"] == []
    assert api.get(f"/cases/{ids['case']}/solutions").json() == []


@pytest.mark.parametrize("role", ["narrow_token", "integration_token"])
def test_tokens_that_cannot_read_the_knowledge_base_find_no_article_or_vendor(role, ids, people):
    api, _ = _caller(role, people)

    found = _found(api, "/search?q=modem") | _found(api, "/search?q=vireo")

    assert api.get("/articles").status_code == 403
    assert {kind for kind, _ in found} <= {"case"}


@pytest.mark.parametrize("role", TOKEN_CALLERS)
def test_every_token_may_revoke_itself(role, ids, people):
    api, _ = _caller(role, people)
    token = ApiToken.objects.get(prefix=str(api.token).split("_")[1])

    response = api.send("DELETE", f"/tokens/{token.pk}")

    assert response.status_code == 204, response.content
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api.get("/users/me").status_code == 401


def test_naming_someone_for_a_token_without_the_right_does_not_tell_who_exists(ids, people):
    api, _ = _caller("customer", people)
    before = _snapshot()

    def create_for(user_id: int) -> Any:
        return api.post("/tokens", {"name": "Mine", "scopes": ["portal"], "user_id": user_id})

    existing, missing = create_for(ids["agent2"]), create_for(MISSING)

    assert _snapshot() == before
    assert (existing.status_code, existing.content) == (missing.status_code, missing.content)


def test_every_other_operation_is_in_the_matrix():
    from followthrough.api import api

    # The cases matrix covers the operations tagged "cases"; this one every other, including
    # those of other routers under /cases/{case_id}/ (referrals, suggestions, solutions).
    published = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, methods in api.get_openapi_schema()["paths"].items()
        for method, spec in methods.items()
        if "cases" not in spec.get("tags", [])
    }

    def parameter(match: re.Match[str]) -> str:
        return "{" + PARAMETERS.get(match[1], f"{match[1]}_id") + "}"

    covered = {(op.method, re.sub(r"\{(\w+)\}", parameter, op.path.split("?")[0])) for op in OPS}
    assert published == covered
