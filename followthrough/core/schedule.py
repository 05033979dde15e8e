"""Periodic work: each app registers its periodic tasks when it loads, and `followthrough
scheduler` enqueues every one at its own interval. Core knows no app: apps tell it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class Periodic:
    name: str
    # A django-tasks Task taking no arguments.
    task: Any
    # The setting that holds the seconds between two runs.
    interval_setting: str
    description: str

    @property
    def interval(self) -> int:
        return int(getattr(settings, self.interval_setting))

    @property
    def task_path(self) -> str:
        return str(self.task.module_path)


_REGISTRY: dict[str, Periodic] = {}


def register_periodic(periodic: Periodic) -> None:
    """Register (or replace, by name) a periodic task. Called from AppConfig.ready()."""
    _REGISTRY[periodic.name] = periodic


def periodic_tasks() -> list[Periodic]:
    return sorted(_REGISTRY.values(), key=lambda periodic: periodic.name)
