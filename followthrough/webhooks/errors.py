"""Refusal codes of the webhooks app; tests and the API reuse them."""

from __future__ import annotations

from enum import StrEnum


class WebhookError(StrEnum):
    # The target URL is not http(s), or resolves to a private, loopback, link-local,
    # multicast, reserved or unspecified address and its host is not allow-listed.
    TARGET_REFUSED = "webhook_target_refused"
