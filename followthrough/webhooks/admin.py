"""Django admin for webhooks: subscribe (through the service, which shows the secret once),
read the delivery log, and replay deliveries.

Nothing is edited in place: a subscription's URL was checked when it was made, and a
delivery is a record of what happened.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import User
from followthrough.core.errors import ServiceError
from followthrough.webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from followthrough.webhooks.services import (
    webhook_delivery_replay,
    webhook_subscription_create,
    webhook_subscription_delete,
    webhook_target_check,
)


class SubscriptionAddForm(forms.ModelForm):
    event_types = forms.MultipleChoiceField(
        choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "target_url", "event_types"]

    def clean_target_url(self) -> str:
        try:
            return webhook_target_check(self.cleaned_data.get("target_url", ""))
        except ServiceError as exc:
            raise forms.ValidationError(exc.message) from None


ADD_FIELDS = ("name", "target_url", "event_types")
DETAIL_FIELDS = ("name", "target_url", "event_types", "active", "created_by", "created_at")


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    # The secret is in no list, form or detail page: it was shown once, at creation.
    list_display = ["name", "target_url", "active", "created_by", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "target_url"]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = SubscriptionAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ADD_FIELDS if obj is None else DETAIL_FIELDS

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return () if obj is None else DETAIL_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return (
            isinstance(user, User)
            and user.has_capability(Capability.WEBHOOK_MANAGE)
            and super().has_add_permission(request)
        )

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        assert isinstance(request.user, User)  # noqa: S101 - the admin is for signed-in staff
        # The form checked the URL and has_add_permission the capability, so this succeeds.
        created, secret = webhook_subscription_create(
            actor=request.user,
            name=form.cleaned_data["name"],
            target_url=form.cleaned_data["target_url"],
            event_types=form.cleaned_data["event_types"],
        )
        # The admin goes on with `obj` (its log entry, its redirect): make it the saved row.
        obj.pk = created.pk
        obj._state.adding = False
        self.message_user(
            request,
            f"Signing secret for {created.name}: {secret} — copy it now, it is not shown again.",
            messages.WARNING,
        )

    def delete_model(self, request: HttpRequest, obj: WebhookSubscription) -> None:
        assert isinstance(request.user, User)  # noqa: S101 - the admin is for signed-in staff
        webhook_subscription_delete(actor=request.user, subscription=obj)

    def delete_queryset(
        self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]
    ) -> None:
        for subscription in queryset:
            self.delete_model(request, subscription)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "subscription",
        "event_type",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "event_type"]
    search_fields = ["event_id"]
    list_select_related = ["subscription"]
    actions = ["replay"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description="Replay the selected deliveries")
    def replay(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        assert isinstance(request.user, User)  # noqa: S101 - the admin is for signed-in staff
        replayed = 0
        for delivery in queryset:
            try:
                webhook_delivery_replay(actor=request.user, delivery=delivery)
            except ServiceError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return
            replayed += 1
        self.message_user(request, f"{replayed} deliveries queued to be sent again.")
