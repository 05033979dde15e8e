"""Errors that services raise. Each carries a stable code that pages, the API and tests reuse."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ServiceError(Exception):
    """A refusal: the change was not made. `code` is stable; `message` is for people."""

    def __init__(self, code: StrEnum | str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = str(code)
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class NotFound(ServiceError):
    """The object is missing or the actor may not see it; the two are never told apart."""

    def __init__(self, what: str) -> None:
        super().__init__(CommonError.NOT_FOUND, f"{what} not found.")


class Forbidden(ServiceError):
    """The actor may see the object but lacks the capability for this action."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(CommonError.FORBIDDEN, message, **details)


class Conflict(ServiceError):
    """Someone else changed the object since the actor read it."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(CommonError.STALE_VERSION, message, **details)


class Invalid(ServiceError):
    """The input itself is wrong; the message says what."""

    def __init__(self, message: str, field: str = "", **details: Any) -> None:
        super().__init__(CommonError.INVALID, message, field=field, **details)
        self.field = field


class CommonError(StrEnum):
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    STALE_VERSION = "stale_version"
    INVALID = "invalid"
