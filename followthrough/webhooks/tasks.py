"""Background tasks of the webhooks app (run by `followthrough worker`)."""

from __future__ import annotations

from django_tasks import task

from followthrough.webhooks.services import webhook_delivery_attempt


@task()
def webhook_delivery_send_task(delivery_id: int, attempt: int) -> None:
    """Make one attempt at a delivery; idempotent (see webhook_delivery_attempt)."""
    webhook_delivery_attempt(delivery_id=delivery_id, attempt=attempt)
