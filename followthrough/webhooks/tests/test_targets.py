"""Targets on private, loopback, link-local (metadata), multicast, reserved and unspecified
addresses are refused when a subscription is made, unless the host is allow-listed."""

from __future__ import annotations

import ipaddress

import pytest

from followthrough.accounts.capabilities import Role
from followthrough.accounts.tests.factories import UserFactory
from followthrough.core.errors import CommonError, ServiceError
from followthrough.webhooks.errors import WebhookError
from followthrough.webhooks.models import WebhookEvent, WebhookSubscription
from followthrough.webhooks.services import webhook_subscription_create
from followthrough.webhooks.targets import TargetRefused, check_target, refused_reason

REFUSED_URLS = [
    "http://127.0.0.1/hooks",
    "http://127.0.0.1:8000/hooks",
    "http://127.1/hooks",  # another spelling of loopback
    "http://localhost/hooks",  # a name that resolves to loopback
    "http://[::1]/hooks",
    "http://[::ffff:127.0.0.1]/hooks",
    "http://169.254.169.254/latest/meta-data/",  # the cloud metadata service
    "http://10.0.0.1/hooks",
    "http://172.16.5.4/hooks",
    "http://192.168.1.10/hooks",
    "http://100.64.0.1/hooks",  # carrier-grade NAT: not public
    "http://0.0.0.0/hooks",
    "http://224.0.0.1/hooks",
    "http://240.0.0.1/hooks",
    "http://[fe80::1]/hooks",
    "http://[fc00::1]/hooks",
]

MALFORMED_URLS = [
    "",
    "ftp://93.184.215.14/hooks",
    "file:///etc/passwd",
    "gopher://93.184.215.14/",
    "93.184.215.14/hooks",
    "http:///hooks",
    "http://user:pass@93.184.215.14/hooks",
    "http://93.184.215.14:99999/hooks",
    "http://93.184.215.14/ho oks",
    "http://93.184.215.14/" + "a" * 2000,
]


def _create(actor, url):
    return webhook_subscription_create(
        actor=actor, name="Target test", target_url=url, event_types=[WebhookEvent.CASE_OPENED]
    )


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_a_target_inside_the_network_is_refused(webhook_admin, url):
    with pytest.raises(ServiceError) as exc:
        _create(webhook_admin, url)
    assert exc.value.code == WebhookError.TARGET_REFUSED
    assert exc.value.details["field"] == "target_url"
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize("url", MALFORMED_URLS)
def test_a_target_that_is_not_an_http_url_is_refused(webhook_admin, url):
    with pytest.raises(ServiceError) as exc:
        _create(webhook_admin, url)
    assert exc.value.code == WebhookError.TARGET_REFUSED
    assert not WebhookSubscription.objects.exists()


def test_loopback_is_allowed_when_the_administrator_lists_it(webhook_admin, allow_loopback):
    subscription, secret = _create(webhook_admin, "http://127.0.0.1:9/hooks")
    assert subscription.target_url == "http://127.0.0.1:9/hooks"
    assert secret.startswith("whsec_")
    assert len(secret) > 40
    assert subscription.secret == secret
    assert subscription.created_by == webhook_admin
    # The list names hosts: other loopback spellings stay refused.
    for url in ("http://localhost:9/hooks", "http://127.1:9/hooks", "http://10.0.0.1/hooks"):
        with pytest.raises(ServiceError) as exc:
            _create(webhook_admin, url)
        assert exc.value.code == WebhookError.TARGET_REFUSED
    assert WebhookSubscription.objects.count() == 1


def test_a_public_address_is_accepted_without_any_allow_list(webhook_admin):
    # Making a subscription sends nothing; no request leaves the test.
    subscription, _ = _create(webhook_admin, "https://93.184.215.14:8443/in?source=ft")
    assert subscription.target_url == "https://93.184.215.14:8443/in?source=ft"
    target = check_target(subscription.target_url, allowed_hosts=[])
    assert (target.scheme, target.host, target.port) == ("https", "93.184.215.14", 8443)
    assert target.path == "/in?source=ft"
    assert target.addresses == ("93.184.215.14",)


def test_each_subscription_gets_its_own_secret(webhook_admin, allow_loopback):
    _, first = _create(webhook_admin, "http://127.0.0.1:9/a")
    _, second = _create(webhook_admin, "http://127.0.0.1:9/b")
    assert first != second


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "169.254.169.254", "10.0.0.1", "::1", "::ffff:10.1.2.3", "0.0.0.0", "ff02::1"],  # noqa: S104 - addresses to refuse, nothing binds
)
def test_refused_reason_names_non_public_addresses(address):
    assert refused_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_refused_reason_passes_public_addresses(address):
    assert refused_reason(ipaddress.ip_address(address)) is None


def test_an_unresolvable_host_is_refused():
    # A label longer than DNS allows fails before any lookup leaves the machine.
    with pytest.raises(TargetRefused):
        check_target("http://" + "a" * 64 + ".example/hooks", allowed_hosts=[])


def test_subscribing_needs_webhook_manage(db, receiver):
    for role in (Role.AGENT, Role.LEAD, Role.CUSTOMER):
        user = UserFactory.create(role=role)
        with pytest.raises(ServiceError) as exc:
            _create(user, receiver.url)
        assert exc.value.code == CommonError.FORBIDDEN
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize(
    ("name", "events"),
    [("", [WebhookEvent.CASE_OPENED]), ("CRM", []), ("CRM", ["case.exploded"]), ("x" * 101, [])],
)
def test_a_subscription_needs_a_name_and_known_events(webhook_admin, receiver, name, events):
    with pytest.raises(ServiceError) as exc:
        webhook_subscription_create(
            actor=webhook_admin, name=name, target_url=receiver.url, event_types=events
        )
    assert exc.value.code == CommonError.INVALID
    assert not WebhookSubscription.objects.exists()
