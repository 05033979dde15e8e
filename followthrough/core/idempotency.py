"""`Idempotency-Key` on API POSTs: a retry gets the first response, never a second case.

The key is claimed (a row inserted and committed) before the operation runs, so of two
identical requests arriving together one runs and the other is told it is in progress; the
first response is stored and replayed to every later retry with the same key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse

from followthrough.core.models import IdempotencyRecord
from followthrough.core.problems import problem_response

HEADER = "Idempotency-Key"
MAX_KEY = 255
REPLAYED_HEADERS = ("ETag", "Location", "Retry-After")
NOT_STORED = "X-Followthrough-Answer-Not-Kept"


def _identity(request: HttpRequest) -> str | None:
    authorization = request.headers.get("Authorization", "")
    if authorization:
        return hashlib.sha256(authorization.encode()).hexdigest()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return hashlib.sha256(f"session-user:{user.pk}".encode()).hexdigest()
    return None


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() if request.method else b"")
    digest.update(request.get_full_path().encode())
    digest.update(request.headers.get("Content-Type", "").encode())
    length = request.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        # Large uploads are not read into memory here; their size stands in for them.
        digest.update(f"length:{length}".encode())
    else:
        digest.update(request.body)
    return digest.hexdigest()


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if request.method != "POST" or not request.path.startswith("/api/") or key is None:
            return self.get_response(request)
        key = key.strip()
        if not key or len(key) > MAX_KEY or not key.isprintable():
            return problem_response(
                422,
                "idempotency_key_invalid",
                f"An Idempotency-Key is 1 to {MAX_KEY} printable characters.",
            )
        identity = _identity(request)
        if identity is None:
            return self.get_response(request)  # unauthenticated: the API answers 401 itself
        fingerprint = _fingerprint(request)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    identity=identity, key=key, fingerprint=fingerprint
                )
        except IntegrityError:
            return self._replay(identity, key, fingerprint)
        try:
            response = self.get_response(request)
        except BaseException:
            record.delete()
            raise
        if response.status_code >= 500 or response.status_code == 429:
            # Not an answer to keep: the client may try again with the same key.
            record.delete()
            return response
        record.status = response.status_code
        record.content_type = response.get("Content-Type", "")
        record.headers = {h: response[h] for h in REPLAYED_HEADERS if h in response}
        if "no-store" in response.get("Cache-Control", ""):
            # An answer that must not be kept (a new token's secret) is not stored: a retry
            # learns that the first request succeeded, not what it said.
            record.body = b""
            record.headers[NOT_STORED] = "true"
        else:
            record.body = bytes(response.content)
        record.save(update_fields=["status", "content_type", "body", "headers"])
        return response

    def _replay(self, identity: str, key: str, fingerprint: str) -> HttpResponse:
        record = IdempotencyRecord.objects.filter(identity=identity, key=key).first()
        if record is None:  # finished with an error and was released a moment ago
            return problem_response(
                409, "idempotency_retry", "Send the request again: its first try failed."
            )
        if record.fingerprint != fingerprint:
            return problem_response(
                422,
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request.",
            )
        if record.status is None:
            response = problem_response(
                409,
                "idempotency_in_progress",
                "A request with this Idempotency-Key is still running; retry in a moment.",
            )
            response["Retry-After"] = "1"
            return response
        if record.headers.get(NOT_STORED):
            return problem_response(
                409,
                "idempotency_answer_not_kept",
                "The first request with this Idempotency-Key succeeded, but its answer held a "
                "secret that is shown only once; it was not kept.",
                first_status=record.status,
            )
        response = HttpResponse(
            bytes(record.body), status=record.status, content_type=record.content_type
        )
        for header, value in record.headers.items():
            response[header] = value
        response["Idempotent-Replayed"] = "true"
        return response
