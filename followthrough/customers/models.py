"""Customer accounts: organisations, their people, their locations and their installed products."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower

from followthrough.accounts.models import User
from followthrough.core.models import TimestampedModel


class PlanTier(models.TextChoices):
    FREE = "free", "Free"
    STANDARD = "standard", "Standard"
    PREMIUM = "premium", "Premium"
    ENTERPRISE = "enterprise", "Enterprise"


class Organization(TimestampedModel):
    name = models.CharField(max_length=200)
    plan_tier = models.CharField(max_length=20, choices=PlanTier.choices, default=PlanTier.FREE)
    account_manager = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="accounts_managed"
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(Lower("name"), name="organization_name_lower")]

    def __str__(self) -> str:
        return self.name


class Contact(TimestampedModel):
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="contacts"
    )
    name = models.CharField(max_length=200)
    time_zone = models.CharField(max_length=64, default="UTC")
    # A contact who may sign in to the portal; the login's organisation is this contact's.
    user = models.OneToOneField(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="contact"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(Lower("name"), name="contact_name_lower")]

    def __str__(self) -> str:
        return self.name


class ContactEmail(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    # Stored lower-cased so lookups are exact-match index scans.
    address = models.EmailField(max_length=254)
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "address"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "address"], name="contact_email_unique")
        ]
        indexes = [models.Index(fields=["address"], name="contact_email_address")]

    def __str__(self) -> str:
        return self.address


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", "Mobile"
    WORK = "work", "Work"
    HOME = "home", "Home"
    OTHER = "other", "Other"


class ContactPhone(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    # E.164, the key caller-ID lookups use; `raw` keeps what was typed.
    number = models.CharField(max_length=20)
    raw = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, choices=PhoneKind.choices, default=PhoneKind.WORK)

    class Meta:
        ordering = ["kind", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "number"], name="contact_phone_unique")
        ]
        indexes = [models.Index(fields=["number"], name="contact_phone_number")]

    def __str__(self) -> str:
        return self.number


class Site(TimestampedModel):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="sites")
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True)
    city = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 country code")
    region = models.CharField(max_length=100, blank=True, db_index=True)
    time_zone = models.CharField(max_length=64, default="UTC")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Asset(TimestampedModel):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="assets")
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="assets"
    )
    product = models.CharField(max_length=200)
    serial_number = models.CharField(max_length=100)
    warranty_end = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["product", "serial_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "serial_number"], name="asset_serial_unique_per_product"
            )
        ]
        indexes = [models.Index(fields=["serial_number"], name="asset_serial")]

    def __str__(self) -> str:
        return f"{self.product} #{self.serial_number}"
