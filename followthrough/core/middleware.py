"""Turns a refusal a view did not handle into the HTTP answer pages give."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase

from followthrough.core.errors import Forbidden, NotFound, ServiceError


class ServiceErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        # Re-raised as Django's own exceptions so the standard 404/403 pages answer.
        if isinstance(exception, NotFound):
            raise Http404(exception.message) from exception
        if isinstance(exception, Forbidden):
            raise PermissionDenied(exception.message) from exception
        if isinstance(exception, ServiceError):
            # Bad input a page did not turn into a form error, such as a forged page cursor.
            raise BadRequest(exception.message) from exception


class WorkspaceLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a signed-in user, except the API, which answers 401 by itself."""

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponseBase],
        view_args: tuple[Any, ...],
        view_kwargs: dict[Any, Any],
    ) -> HttpResponseBase | None:
        if request.path.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
