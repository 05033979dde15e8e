"""What the webhooks API takes and gives back. The secret appears once: in the answer to the
POST that made the subscription."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Schema
from pydantic import ConfigDict, Field

from followthrough.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from followthrough.webhooks.models import MAX_URL, DeliveryStatus, WebhookEvent
from followthrough.webhooks.services import MAX_NAME


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class WebhookIn(In):
    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
    target_url: Annotated[str, Field(min_length=1, max_length=MAX_URL)]
    event_types: Annotated[list[WebhookEvent], Field(min_length=1, max_length=len(WebhookEvent))]


class PageQuery(In):
    cursor: Annotated[str, Field(max_length=200)] | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT


class WebhookOut(Schema):
    id: int
    name: str
    target_url: str
    event_types: list[str]
    active: bool
    created_by_id: int | None
    created_at: dt.datetime


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(
        description="Signs every delivery (X-Followthrough-Signature). Shown only here, once."
    )


class WebhookPage(Schema):
    items: list[WebhookOut]
    next_cursor: str | None


class DeliveryOut(Schema):
    id: int
    subscription_id: int
    event_type: WebhookEvent
    event_id: str
    payload: dict[str, Any]
    status: DeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime | None
    last_attempt_at: dt.datetime | None
    last_status_code: int | None
    last_error: str
    response_excerpt: str
    created_at: dt.datetime
    delivered_at: dt.datetime | None


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    next_cursor: str | None
