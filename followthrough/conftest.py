"""Fixtures every app's tests share: a small support floor."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, sync_playwright
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from followthrough.accounts.capabilities import Role
from followthrough.accounts.models import Membership, Team, TierLevel, User
from followthrough.accounts.tests.factories import PASSWORD, TeamFactory, UserFactory
from followthrough.customers.models import Contact, Organization
from followthrough.customers.tests.factories import ContactFactory, OrganizationFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    # Real hashing costs ~0.3 s per user; tests are about the desk, not PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def default_sla_policy(request: pytest.FixtureRequest) -> None:
    """The default calendar and policy a fresh install gets from its migration, put back for
    database tests after a transactional test flushed the tables (so every test sees a desk
    where every case has deadlines, whatever ran before it)."""
    if not {"db", "transactional_db"} & set(request.fixturenames) and not (
        request.node.get_closest_marker("django_db")
    ):
        return
    request.getfixturevalue(
        "transactional_db" if "transactional_db" in request.fixturenames else "db"
    )
    from django.apps import apps

    migration = "followthrough.sla.migrations.0002_default_calendar_and_policy"
    importlib.import_module(migration).create_defaults(apps, None)
    # Built calendars are cached by (id, last change); rolled-back tests reuse ids, so start
    # every test from an empty cache.
    from followthrough.sla.calendars import _built

    _built.cache_clear()


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


# --- Browser tests: Debian's Chromium driven by Playwright against the live test server. -----

BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    # Playwright's sync API keeps an event loop on this thread; the ORM calls the tests make
    # between browser steps are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=os.environ.get("FOLLOWTHROUGH_CHROMIUM", "/usr/bin/chromium"),
            args=BROWSER_ARGS,
        )
        yield chromium
        chromium.close()


class BrowserPage:
    """A browser tab on the live server that records dialogs and console errors."""

    def __init__(self, page: Page, base_url: str, shots: Path) -> None:
        self.page = page
        self.base_url = base_url
        self.shots = shots
        self.dialogs: list[str] = []
        self.console_errors: list[str] = []
        page.on("dialog", self._on_dialog)
        page.on("console", self._on_console)

    def _on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def sign_in(self, user: User, password: str = PASSWORD) -> None:
        self.goto("/sign-in/")
        self.page.get_by_label("User name").fill(user.username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(self.base_url + "/")

    def screenshot(self, name: str) -> Path:
        """Save the whole page under var/screenshots/ (the folder the README names)."""
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def browser_page(browser: Browser, live_server: LiveServer) -> Iterator[BrowserPage]:
    shots = Path(settings.VAR_DIR) / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = BrowserPage(context.new_page(), live_server.url, shots)
    yield tab
    context.close()
    # A script the policy blocked, or a missing file, shows up here: no page may have any.
    assert tab.console_errors == []
    assert tab.dialogs == []
