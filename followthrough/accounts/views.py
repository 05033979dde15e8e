"""Signing in and out of the workspace, and a person's API tokens."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET, require_POST

from followthrough.accounts.capabilities import ROLE_CAPABILITIES, Capability, Role
from followthrough.accounts.decorators import requires, signed_in_user
from followthrough.accounts.models import ApiToken, TokenKind, User
from followthrough.accounts.services import (
    api_token_create,
    api_token_revoke,
    integration_token_create,
)
from followthrough.core.errors import ServiceError


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass


# --- API tokens: a person's own, and (for administrators) integrations ----------------------

# The secret of a token just made, kept in the session only until the next page shows it.
SHOW_ONCE_SESSION_KEY = "followthrough.new_api_token"


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, label="Name", help_text="What it is for, e.g. “Monitoring script”."
    )
    scopes = forms.MultipleChoiceField(
        label="What it may do", widget=forms.CheckboxSelectMultiple, choices=()
    )
    expires_at = forms.DateTimeField(
        required=False,
        label="Expires",
        help_text="Your time. Leave empty for a token that lasts until revoked.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args: Any, capabilities: Iterable[Capability], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = set(capabilities)
        field = cast(forms.MultipleChoiceField, self.fields["scopes"])
        field.choices = [(c.value, f"{c.label} ({c.value})") for c in Capability if c in allowed]


class IntegrationTokenForm(TokenForm):
    product = forms.CharField(
        max_length=100,
        required=False,
        label="Product",
        help_text="Required for in-product error reports (error_report.submit).",
    )
    field_order = ["name", "product", "scopes", "expires_at"]


@dataclass(frozen=True)
class TokenRow:
    token: ApiToken
    state: str  # "active", "expired" or "revoked"


def _rows(tokens: Iterable[ApiToken]) -> list[TokenRow]:
    now = timezone.now()
    rows = []
    for token in tokens:
        if token.revoked_at is not None:
            state = "revoked"
        elif token.expires_at is not None and token.expires_at <= now:
            state = "expired"
        else:
            state = "active"
        rows.append(TokenRow(token=token, state=state))
    return rows


def _token_holder(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if user.is_customer:
        raise PermissionDenied("API tokens are for staff.")
    return user


def _integration_scopes(user: User) -> frozenset[Capability]:
    # What an integration may hold, within what this person may give (no person holds
    # error_report.submit, so that one is always on offer).
    offer = user.capabilities | {Capability.ERROR_REPORT_SUBMIT}
    return ROLE_CAPABILITIES[Role.INTEGRATION] & offer


def _tokens_page(
    request: HttpRequest,
    user: User,
    *,
    form: TokenForm | None = None,
    refusal: str = "",
    integration_form: IntegrationTokenForm | None = None,
    integration_refusal: str = "",
) -> HttpResponse:
    may_manage = user.has_capability(Capability.API_TOKEN_MANAGE)
    context: dict[str, object] = {
        "tokens": _rows(ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")),
        "form": form or TokenForm(capabilities=user.capabilities),
        "refusal": refusal,
        "new_token": request.session.pop(SHOW_ONCE_SESSION_KEY, None),
        "may_manage": may_manage,
    }
    if may_manage:
        context["integrations"] = _rows(
            ApiToken.objects.filter(kind=TokenKind.INTEGRATION)
            .select_related("user")
            .order_by("-created_at", "-pk")
        )
        context["integration_form"] = integration_form or IntegrationTokenForm(
            capabilities=_integration_scopes(user), prefix="integration"
        )
        context["integration_refusal"] = integration_refusal
    response = render(request, "accounts/tokens.html", context)
    # A page that may hold a secret is never kept in a cache or the browser's history.
    add_never_cache_headers(response)
    return response


def _show_once(request: HttpRequest, token: ApiToken, text: str) -> HttpResponse:
    request.session[SHOW_ONCE_SESSION_KEY] = {"name": token.name, "token": text}
    messages.success(request, f"Token “{token.name}” created.")
    return redirect("api_tokens")


@require_GET
def api_tokens(request: HttpRequest) -> HttpResponse:
    return _tokens_page(request, _token_holder(request))


@require_POST
def create_api_token(request: HttpRequest) -> HttpResponse:
    user = _token_holder(request)
    form = TokenForm(request.POST, capabilities=user.capabilities)
    if not form.is_valid():
        return _tokens_page(request, user, form=form)
    try:
        token, text = api_token_create(
            actor=user,
            user=user,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_at=form.cleaned_data["expires_at"],
        )
    except ServiceError as exc:
        return _tokens_page(request, user, form=form, refusal=exc.message)
    return _show_once(request, token, text)


@require_POST
@requires(Capability.API_TOKEN_MANAGE)
def create_integration_token(request: HttpRequest) -> HttpResponse:
    user = _token_holder(request)
    form = IntegrationTokenForm(
        request.POST, capabilities=_integration_scopes(user), prefix="integration"
    )
    if not form.is_valid():
        return _tokens_page(request, user, integration_form=form)
    try:
        token, text = integration_token_create(
            actor=user,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            product=form.cleaned_data["product"],
            expires_at=form.cleaned_data["expires_at"],
        )
    except ServiceError as exc:
        return _tokens_page(request, user, integration_form=form, integration_refusal=exc.message)
    return _show_once(request, token, text)


@require_POST
def revoke_api_token(request: HttpRequest, token_id: int) -> HttpResponse:
    user = _token_holder(request)
    token = ApiToken.objects.filter(pk=token_id).first()
    # Someone else's token is as missing as a token that never was.
    if token is None or (
        token.user_id != user.pk and not user.has_capability(Capability.API_TOKEN_MANAGE)
    ):
        raise Http404("No such token.")
    try:
        api_token_revoke(actor=user, token=token)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
    return redirect("api_tokens")
