"""Background tasks of the cases app (run by `followthrough worker`)."""

from __future__ import annotations

import logging

from django_tasks import task

from followthrough.cases.services.deadlines import (
    commitments_notice_due,
    handoffs_escalate_overdue,
    sla_scan,
)

logger = logging.getLogger(__name__)

# Batches of SCAN_BATCH warnings and breaches one scan task works through at most.
MAX_BATCHES = 20


@task()
def deadlines_scan_task() -> None:
    """Record due SLA warnings and breaches, apply escalation rules, escalate handoffs nobody
    accepted in time, and tell owners of promises that fell due. Idempotent: a second run at
    once finds nothing left to do."""
    warnings = breaches = escalations = 0
    # A Monday-morning wave can bring more than one batch due at once: work through it here
    # (bounded) rather than waiting a scheduler interval per batch.
    for _ in range(MAX_BATCHES):
        result = sla_scan()
        warnings += result.warnings
        breaches += result.breaches
        escalations += result.escalations
        if not result.more:
            break
    handoffs = handoffs_escalate_overdue()
    promises = commitments_notice_due()
    logger.info(
        "Deadline scan: %d warnings, %d breaches, %d escalations, %d handoffs escalated, "
        "%d promises due",
        warnings,
        breaches,
        escalations,
        handoffs,
        promises,
    )
