"""Turns a refusal a view did not handle into the HTTP answer pages give."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
)

from followthrough.core.errors import CommonError, Forbidden, NotFound, ServiceError
from followthrough.core.problems import problem_response


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


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class NulCharacterGuardMiddleware:
    """Refuses text with NUL characters in API queries, forms and JSON bodies, up front.

    No text column can hold NUL on PostgreSQL, so one would otherwise fail deep inside a
    write as a server error; here it is a clear refusal on every page and operation.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._carries_nul(request):
            message = "Text may not contain NUL (\\u0000) characters."
            if request.path.startswith("/api/"):
                return problem_response(422, CommonError.INVALID, message)
            return HttpResponseBadRequest(message, content_type="text/plain")
        return self.get_response(request)

    def _carries_nul(self, request: HttpRequest) -> bool:
        api = request.path.startswith("/api/")
        # Pages clean what people type into search boxes themselves; the API refuses.
        if api and any(
            _has_nul(k) or _has_nul(v) for k, values in request.GET.lists() for v in values
        ):
            return True
        if "\x00" in request.path:
            return True
        content_type = request.content_type or ""
        length = request.headers.get("Content-Length", "")
        small = not length.isdigit() or int(length) <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if content_type == "application/json" and small:
            try:
                return _has_nul(json.loads(request.body or b"null"))
            except (ValueError, UnicodeDecodeError):
                return False  # not JSON: the operation's own parser says so
        form = content_type == "application/x-www-form-urlencoded" or (
            # Page forms only: under /api/ the raw body must stay readable (idempotency keys),
            # and the one multipart operation (error reports) refuses NUL by itself.
            content_type == "multipart/form-data" and not api
        )
        if form and small:
            return any(
                _has_nul(k) or _has_nul(v) for k, values in request.POST.lists() for v in values
            )
        return False
