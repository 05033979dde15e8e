"""Case priorities: here because SLA targets are set per priority; cases re-export them."""

from __future__ import annotations

from django.db import models


class Priority(models.TextChoices):
    P1 = "P1", "P1 - critical"
    P2 = "P2", "P2 - high"
    P3 = "P3", "P3 - normal"
    P4 = "P4", "P4 - low"
