"""The REST API at /api/v1/: every app's router under one NinjaAPI, with token or session
authentication, a per-token rate limit and errors as application/problem+json."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from csp.decorators import csp_update
from django.conf import settings
from django.db.models import Case, F, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from followthrough.accounts.api import router as accounts_router
from followthrough.accounts.models import ApiToken
from followthrough.accounts.tokens import secret_matches, split_token
from followthrough.cases.api import router as cases_router
from followthrough.cases.api_knowledge import router as case_knowledge_router
from followthrough.cases.api_referrals import router as referrals_router
from followthrough.cases.api_search import router as search_router
from followthrough.cases.errors import CaseError
from followthrough.core.errors import CommonError, ServiceError
from followthrough.core.problems import problem_response
from followthrough.customers.api import router as customers_router
from followthrough.intake.api import router as intake_router
from followthrough.intake.errors import IntakeError
from followthrough.knowledge.api import router as articles_router
from followthrough.knowledge.api_vendors import router as vendors_router
from followthrough.knowledge.errors import KnowledgeError
from followthrough.webhooks.api import router as webhooks_router

# The HTTP status of each refusal code; a code not listed is a 422 (the input was refused).
STATUS_BY_CODE: dict[str, int] = {
    CommonError.NOT_FOUND: 404,
    CommonError.FORBIDDEN: 403,
    CommonError.STALE_VERSION: 412,
    CommonError.INVALID: 422,
    # The request was fine, but the case is not in a state that allows it.
    CaseError.ALREADY_OWNED: 409,
    CaseError.QUEUE_EMPTY: 409,
    CaseError.CASE_NOT_OPEN: 409,
    CaseError.CASE_CLOSED: 409,
    CaseError.INVALID_TRANSITION: 409,
    CaseError.OPEN_PROMISES: 409,
    CaseError.HANDOFF_PENDING: 409,
    CaseError.HANDOFF_NOT_PENDING: 409,
    CaseError.COMMITMENT_NOT_OPEN: 409,
    CaseError.LINK_EXISTS: 409,
    CaseError.VENDOR_INACTIVE: 409,
    CaseError.REFERRAL_OUTCOME_RECORDED: 409,
    CaseError.SOLUTION_EXISTS: 409,
    CaseError.ARTICLE_NOT_PUBLISHED: 409,
    # The actor is not the one who may do this to this record.
    CaseError.NOT_TEAM_MEMBER: 403,
    CaseError.HANDOFF_NOT_RECEIVER: 403,
    CaseError.HANDOFF_NOT_SENDER: 403,
    CaseError.NOT_CASE_OWNER: 403,
    CaseError.PORTAL_NOTE_MUST_BE_PUBLIC: 403,
    # In-product error reports.
    IntakeError.ATTACHMENT_TOO_LARGE: 413,
    IntakeError.ATTACHMENT_TYPE_REFUSED: 415,
    IntakeError.PRODUCT_MISMATCH: 403,
    IntakeError.REPORT_ALREADY_PROCESSED: 409,
    # Knowledge-base articles and their tables.
    KnowledgeError.ALREADY_PUBLISHED: 409,
    KnowledgeError.NOT_PUBLISHED: 409,
    KnowledgeError.TABLE_NAME_TAKEN: 409,
    KnowledgeError.COLUMN_NAME_TAKEN: 409,
    KnowledgeError.VERSION_REQUIRED: 428,
}


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("rate limited")
        self.retry_after = retry_after


class TokenAuth(HttpBearer):
    """`Authorization: Bearer ft_…`: a live token acts as its user, within its scopes."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        parts = split_token(token)
        if parts is None:
            return None
        prefix, secret = parts
        found = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
        now = timezone.now()
        if (
            found is None
            or not secret_matches(secret, found.secret_hash)
            or found.revoked_at is not None
            or (found.expires_at is not None and found.expires_at <= now)
            or not found.user.is_active
        ):
            return None
        _count_request(found, now)
        user = found.user
        user.token_scopes = found.scope_set
        request.user = user
        return found


def _count_request(token: ApiToken, now: dt.datetime) -> None:
    """One more request in this token's current minute, or a 429 when it has had enough."""
    window = now.replace(second=0, microsecond=0)
    ApiToken.objects.filter(pk=token.pk).update(
        window_count=Case(When(window_start=window, then=F("window_count") + 1), default=Value(1)),
        window_start=window,
        last_used_at=now,
    )
    count = ApiToken.objects.filter(pk=token.pk).values_list("window_count", flat=True).get()
    if count > settings.FOLLOWTHROUGH_API_RATE_LIMIT:
        retry = window + dt.timedelta(minutes=1) - now
        raise RateLimited(max(1, math.ceil(retry.total_seconds())))


class SignedInSession(SessionAuth):
    """The browser's session, with its CSRF check; a request with no signed-in session is
    simply not authenticated by it (so a bad or expired token gets 401, not a CSRF 403)."""

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


def _docs_decorator(view: Any) -> Any:
    # Swagger UI sets inline styles on its own elements; it still runs no inline script.
    return csp_update({"style-src": ["'self'", "'unsafe-inline'"]})(view)


api = NinjaAPI(
    title="Followthrough API",
    version="1",
    description=(
        "The help desk's REST API: the same services, rules and refusals as the pages. "
        "Authenticate with `Authorization: Bearer <token>`; send `Idempotency-Key` on POSTs "
        "and `If-Match` with the ETag you read when you change a case."
    ),
    urls_namespace="api",
    auth=[TokenAuth(), SignedInSession()],
    docs=Swagger(settings={"persistAuthorization": True}),
    docs_decorator=_docs_decorator,
)
api.add_router("/", cases_router)
api.add_router("/", customers_router)
api.add_router("/", accounts_router)
api.add_router("/", intake_router)
api.add_router("/", webhooks_router)
api.add_router("/", articles_router)
api.add_router("/", vendors_router)
api.add_router("/", referrals_router)
api.add_router("/", search_router)
api.add_router("/", case_knowledge_router)


@api.exception_handler(ServiceError)
def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    status = STATUS_BY_CODE.get(exc.code, 422)
    return problem_response(status, exc.code, exc.message, **exc.details)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return problem_response(
        422,
        CommonError.INVALID,
        "The request did not match what this operation takes.",
        errors=exc.errors,
    )


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = problem_response(
        401,
        "unauthenticated",
        "Send a valid API token (Authorization: Bearer ft_…) or sign in.",
    )
    response["WWW-Authenticate"] = 'Bearer realm="followthrough"'
    return response


@api.exception_handler(AuthorizationError)
def authorization_error(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    return problem_response(403, CommonError.FORBIDDEN, "Not allowed.")


@api.exception_handler(RateLimited)
def rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = problem_response(
        429,
        "rate_limited",
        f"Too many requests for this token; try again in {exc.retry_after} s.",
        retry_after=exc.retry_after,
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(404, CommonError.NOT_FOUND, "Not found.")


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem_response(exc.status_code, "http_error", str(exc))
