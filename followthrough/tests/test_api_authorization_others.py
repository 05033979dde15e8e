"""Who may call which operation outside the cases API: customers, teams and users, tokens,
error reports and webhooks, each by every kind of caller.

Callers: tokens of an agent, a lead, a technician and an administrator; an agent's token
narrowed to case.view; a product's integration token for error reports; an expired and a
revoked token; no credentials; a customer of organisation A and a customer of another one
(both signed in with a session). The cases operations have their own matrix in
followthrough/cases/tests/test_api_authorization.py.

A record the caller may not see answers exactly like one that does not exist, status and body
alike. Refused calls change nothing, and no read changes anything.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
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
from followthrough.cases.models import Case, CaseEvent
from followthrough.cases.tests.factories import in_hours
from followthrough.cases.tests.test_api_cases import Api, token_for
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

Body = Callable[[dict[str, int], list[str]], dict[str, Any]]


@dataclass(frozen=True)
class Op:
    name: str
    method: str
    path: str  # {organization}, {contact}, {site}, {asset}, {team}, ... filled from `ids`
    expect: str  # statuses for LISTED, space-separated
    body: Body | None = None  # from `ids` and the scopes of the credential calling
    hidden: str = ""  # the id a missing one replaces, in the path or the body; "" when none

    def statuses(self) -> dict[str, int]:
        codes = dict(zip(LISTED_ROLES, (int(s) for s in self.expect.split()), strict=True))
        return codes | {"expired_token": 401, "revoked_token": 401, "no_credentials": 401}


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
    a webhook with a delivery that failed twice; and a route for SyncBridge's error reports."""
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
        Case.objects.count(),
        CaseEvent.objects.count(),
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
    elif expected == 404 and op.hidden:
        # Exactly what an id that does not exist gets: nothing tells the two apart.
        missing = _call(api, op, ids | {op.hidden: MISSING}, scopes)
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

    elsewhere = ("/api/v1/cases", "/api/v1/handoffs", "/api/v1/promises", "/api/v1/decisions")
    published = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, methods in api.get_openapi_schema()["paths"].items()
        if not path.startswith(elsewhere)
        for method in methods
    }
    covered = {(op.method, re.sub(r"\{(\w+)\}", r"{\1_id}", op.path.split("?")[0])) for op in OPS}
    assert published == covered
