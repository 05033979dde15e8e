"""Turns a refusal a view did not handle into the HTTP answer pages give."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

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
