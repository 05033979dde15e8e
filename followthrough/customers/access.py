"""Fetch-and-authorise for customer records. Missing and forbidden get the same answer."""

from __future__ import annotations

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import User
from followthrough.core.errors import NotFound
from followthrough.customers.models import Asset, Contact, Organization


def actor_organization_id(actor: User) -> int | None:
    """The organisation a portal user belongs to, through their contact record."""
    contact = Contact.objects.filter(user=actor, is_active=True).only("organization_id").first()
    return contact.organization_id if contact else None


def _visible(actor: User, organization_id: int) -> bool:
    if actor.has_capability(Capability.CUSTOMER_VIEW):
        return True
    if actor.has_capability(Capability.PORTAL):
        return actor_organization_id(actor) == organization_id
    return False


def access_organization(actor: User, organization_id: int) -> Organization:
    try:
        organization = Organization.objects.select_related("account_manager").get(
            pk=organization_id
        )
    except (Organization.DoesNotExist, ValueError, TypeError):
        raise NotFound("Organisation") from None
    if not _visible(actor, organization.pk):
        raise NotFound("Organisation")
    return organization


def access_contact(actor: User, contact_id: int) -> Contact:
    try:
        contact = Contact.objects.select_related("organization").get(pk=contact_id)
    except (Contact.DoesNotExist, ValueError, TypeError):
        raise NotFound("Contact") from None
    if not _visible(actor, contact.organization_id):
        raise NotFound("Contact")
    return contact


def access_asset(actor: User, asset_id: int) -> Asset:
    asset = Asset.objects.select_related("organization", "site").filter(pk=asset_id).first()
    if asset is None or not _visible(actor, asset.organization_id):
        raise NotFound("Asset")
    return asset
