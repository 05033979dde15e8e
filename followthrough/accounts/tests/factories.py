"""Factories for people and teams."""

from __future__ import annotations

import factory

from followthrough.accounts.capabilities import Role
from followthrough.accounts.models import Membership, Team, TierLevel, User

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@desk.example")
    role = Role.AGENT
    direct_line = factory.Sequence(lambda n: f"ext. {4000 + n}")
    password = factory.django.Password(PASSWORD)


class TeamFactory(factory.django.DjangoModelFactory[Team]):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    tier = TierLevel.TIER_1
    direct_line = factory.Sequence(lambda n: f"+1 555 010 {1000 + n}")


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
