"""Factories for customer records."""

from __future__ import annotations

import factory

from followthrough.customers.models import (
    Asset,
    Contact,
    ContactEmail,
    ContactPhone,
    Organization,
    PlanTier,
    Site,
)


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Customer {n} Ltd")
    plan_tier = PlanTier.STANDARD


class ContactFactory(factory.django.DjangoModelFactory[Contact]):
    class Meta:
        model = Contact

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Faker("name")
    time_zone = "Europe/Berlin"


class ContactEmailFactory(factory.django.DjangoModelFactory[ContactEmail]):
    class Meta:
        model = ContactEmail

    contact = factory.SubFactory(ContactFactory)
    address = factory.Sequence(lambda n: f"person{n}@customer.example")


class ContactPhoneFactory(factory.django.DjangoModelFactory[ContactPhone]):
    class Meta:
        model = ContactPhone

    contact = factory.SubFactory(ContactFactory)
    number = factory.Sequence(lambda n: f"+1202555{n:04d}")
    raw = factory.LazyAttribute(lambda p: p.number)


class SiteFactory(factory.django.DjangoModelFactory[Site]):
    class Meta:
        model = Site

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    city = "Springfield"
    time_zone = "America/Chicago"


class AssetFactory(factory.django.DjangoModelFactory[Asset]):
    class Meta:
        model = Asset

    organization = factory.SubFactory(OrganizationFactory)
    product = "EdgeSwitch 48"
    serial_number = factory.Sequence(lambda n: f"SN{100000 + n}")
