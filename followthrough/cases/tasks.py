"""Background tasks of the cases app (run by `followthrough worker`)."""

from __future__ import annotations

import logging

from django_tasks import task

from followthrough.cases.services.deadlines import handoffs_escalate_overdue, sla_scan

logger = logging.getLogger(__name__)


@task()
def deadlines_scan_task() -> None:
    """Record due SLA warnings and breaches, apply escalation rules, and escalate handoffs
    nobody accepted in time. Idempotent: a second run at once finds nothing left to do."""
    result = sla_scan()
    handoffs = handoffs_escalate_overdue()
    logger.info(
        "Deadline scan: %d warnings, %d breaches, %d escalations, %d handoffs escalated",
        result.warnings,
        result.breaches,
        result.escalations,
        handoffs,
    )
