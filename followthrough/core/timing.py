"""Server-Timing: how long the desk spent on a request, for browsers' developer tools and
the benchmarks, which read server time from it rather than guessing from the outside.

On when FOLLOWTHROUGH_SERVER_TIMING is true (off by default: timings are not for everyone).
It sits first in the middleware, so the figure covers every middleware, the view and the
template, but not the web server's own parsing or the network.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponseBase


class ServerTimingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        if not settings.FOLLOWTHROUGH_SERVER_TIMING:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = (time.perf_counter() - started) * 1000
        response["Server-Timing"] = f"app;dur={elapsed:.2f}"
        return response
