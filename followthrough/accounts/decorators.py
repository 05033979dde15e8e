"""Pages declare the capability they need; the check lives here, not in each view."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import User

View = TypeVar("View", bound=Callable[..., HttpResponse])


def requires(capability: Capability) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not isinstance(user, User) or not user.has_capability(capability):
                raise PermissionDenied(f"This page needs the right to {capability.label.lower()}.")
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def signed_in_user(request: HttpRequest) -> User:
    """The person behind a workspace request (LoginRequiredMiddleware already ran)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Sign in first.")
    return user
