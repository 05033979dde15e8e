"""Fixtures every app's tests share: a small support floor."""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings

from followthrough.accounts.capabilities import Role
from followthrough.accounts.models import Membership, Team, TierLevel, User
from followthrough.accounts.tests.factories import TeamFactory, UserFactory
from followthrough.customers.models import Contact, Organization
from followthrough.customers.tests.factories import ContactFactory, OrganizationFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    # Real hashing costs ~0.3 s per user; tests are about the desk, not PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def tier1_lead(db: None) -> User:
    return UserFactory.create(role=Role.LEAD, first_name="Lena", last_name="Lead")


@pytest.fixture
def tier1(tier1_lead: User) -> Team:
    team = TeamFactory.create(name="Tier 1", tier=TierLevel.TIER_1, lead=tier1_lead)
    Membership.objects.create(user=tier1_lead, team=team)
    return team


@pytest.fixture
def tier2_lead(db: None) -> User:
    return UserFactory.create(role=Role.LEAD, first_name="Tomas", last_name="Tier2lead")


@pytest.fixture
def tier2(tier2_lead: User) -> Team:
    team = TeamFactory.create(name="Tier 2", tier=TierLevel.TIER_2, lead=tier2_lead)
    Membership.objects.create(user=tier2_lead, team=team)
    return team


@pytest.fixture
def agent(tier1: Team) -> User:
    user = UserFactory.create(role=Role.AGENT, first_name="Adam", last_name="Agent")
    Membership.objects.create(user=user, team=tier1, is_primary=True)
    return user


@pytest.fixture
def agent2(tier1: Team) -> User:
    user = UserFactory.create(role=Role.AGENT, first_name="Bea", last_name="Second")
    Membership.objects.create(user=user, team=tier1, is_primary=True)
    return user


@pytest.fixture
def tier2_agent(tier2: Team) -> User:
    user = UserFactory.create(role=Role.AGENT, first_name="Cora", last_name="Tiertwo")
    Membership.objects.create(user=user, team=tier2, is_primary=True)
    return user


@pytest.fixture
def organization(db: None) -> Organization:
    return OrganizationFactory.create(name="Acme Networks")


@pytest.fixture
def contact(organization: Organization) -> Contact:
    return ContactFactory.create(organization=organization, name="Maria Lopez")


@pytest.fixture
def other_organization(db: None) -> Organization:
    return OrganizationFactory.create(name="Other Corp")


@pytest.fixture
def customer_user(contact: Contact) -> User:
    user = UserFactory.create(role=Role.CUSTOMER, first_name="Maria", last_name="Lopez")
    contact.user = user
    contact.save(update_fields=["user"])
    return user
