"""The SLA clocks of a case, kept in step with the case by the case services.

Every service that changes what a deadline depends on (opening, a response, a customer
contact, a status, the priority, the team, the customer) calls `sla_track` inside its
transaction, before `save_case`, which then stores the case's nearest deadline. Clocks bank the
business time they used whenever they pause or change policy, so a deadline is always
`add(running_since, target - used)` in the clock's calendar (sla/clock.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from followthrough.cases.models import Case, SlaClock
from followthrough.cases.services._common import now
from followthrough.cases.states import DONE_STATUSES, PAUSABLE_STATUSES
from followthrough.sla import clock
from followthrough.sla.calendars import build_calendar
from followthrough.sla.models import BusinessCalendar, SlaMetric, SlaPolicy, SlaTarget
from followthrough.sla.selectors import CaseFacts, active_policies, policy_for, target_for

M = SlaMetric
RESPONSE_METRICS = (M.FIRST_RESPONSE, M.NEXT_RESPONSE)


def case_facts(case: Case, *, with_plan_tier: bool = True) -> CaseFacts:
    """What the policy rules look at; the plan tier costs a query, so only when a rule needs it."""
    organization = case.organization if with_plan_tier else None
    return CaseFacts(
        priority=case.priority,
        team_id=case.team_id,
        organization_id=case.organization_id,
        plan_tier=organization.plan_tier if organization is not None else "",
        category=case.category,
    )


def _calendar(calendar: BusinessCalendar | None) -> clock.Calendar | None:
    return None if calendar is None else build_calendar(calendar)


def _bank(sla_clock: SlaClock, at: dt.datetime) -> None:
    """Stop counting at `at`, adding the business time since it last started to `used`."""
    if sla_clock.running_since is None:
        return
    calendar = _calendar(sla_clock.calendar)
    if calendar is not None and at > sla_clock.running_since:
        spent = clock.business_time_between(calendar, sla_clock.running_since, at)
        sla_clock.used_seconds += int(spent.total_seconds())
    sla_clock.running_since = None
    if sla_clock.breached_at is None:
        # A missed deadline keeps its time, to say when it was due; the others are re-worked
        # out when the clock runs again.
        sla_clock.due_at = None
    sla_clock.warn_at = None


def _schedule(sla_clock: SlaClock) -> None:
    """Work out due and warning instants of a running clock from what is left of its target."""
    calendar = _calendar(sla_clock.calendar)
    start = sla_clock.running_since
    if calendar is None or start is None:
        return
    target = sla_clock.target_minutes * 60
    remaining = target - sla_clock.used_seconds
    if remaining > 0:
        sla_clock.due_at = clock.add_business_time(calendar, start, dt.timedelta(seconds=remaining))
    elif sla_clock.breached_at is None or sla_clock.due_at is None:
        # Already over its target (a shorter target after a priority change): due now.
        sla_clock.due_at = start
    warn_left = target * sla_clock.warn_percent // 100 - sla_clock.used_seconds
    if sla_clock.warned_at is None and sla_clock.breached_at is None:
        sla_clock.warn_at = clock.add_business_time(
            calendar, start, dt.timedelta(seconds=max(warn_left, 0))
        )
    else:
        sla_clock.warn_at = None


def _apply_policy(sla_clock: SlaClock, policy: SlaPolicy, minutes: int) -> None:
    sla_clock.policy = policy
    sla_clock.policy_name = policy.name
    sla_clock.calendar = policy.calendar
    sla_clock.target_minutes = minutes
    sla_clock.warn_percent = policy.warn_percent


def _start(case: Case, metric: M, policy: SlaPolicy, minutes: int, at: dt.datetime) -> SlaClock:
    sla_clock = SlaClock(case=case, metric=metric, started_at=at, running_since=at)
    _apply_policy(sla_clock, policy, minutes)
    return sla_clock


def _restart(sla_clock: SlaClock, policy: SlaPolicy, minutes: int, at: dt.datetime) -> None:
    """A new round of the next-response clock, for a new customer contact."""
    _apply_policy(sla_clock, policy, minutes)
    sla_clock.started_at = at
    sla_clock.used_seconds = 0
    sla_clock.running_since = at
    sla_clock.paused_at = None
    sla_clock.paused_status = ""
    sla_clock.pauses = []
    sla_clock.met_at = None
    sla_clock.warned_at = None
    sla_clock.breached_at = None
    sla_clock.round += 1


def _stop(sla_clock: SlaClock, at: dt.datetime) -> None:
    """The metric is met (late or not: `used_seconds` against the target says which)."""
    if sla_clock.met_at is not None:
        return
    _bank(sla_clock, at)
    _end_pause(sla_clock, at)
    sla_clock.met_at = at


def _pause(sla_clock: SlaClock, status: str, at: dt.datetime) -> None:
    if sla_clock.paused_at is not None or sla_clock.met_at is not None:
        return
    _bank(sla_clock, at)
    sla_clock.paused_at = at
    sla_clock.paused_status = status
    sla_clock.pauses = [*sla_clock.pauses, {"from": at.isoformat(), "to": None, "status": status}]


def _end_pause(sla_clock: SlaClock, at: dt.datetime) -> None:
    if sla_clock.paused_at is None:
        return
    pauses = list(sla_clock.pauses)
    if pauses and pauses[-1].get("to") is None:
        pauses[-1] = {**pauses[-1], "to": at.isoformat()}
    sla_clock.pauses = pauses
    sla_clock.paused_at = None
    sla_clock.paused_status = ""


def _resume(sla_clock: SlaClock, at: dt.datetime) -> None:
    if sla_clock.running_since is not None:
        return
    _end_pause(sla_clock, at)
    sla_clock.met_at = None
    sla_clock.running_since = at


def _minutes(target: SlaTarget | None, metric: M) -> int | None:
    return None if target is None else target.minutes_for(metric)


def sla_track(
    case: Case,
    *,
    response: bool = False,
    customer_contact: bool = False,
    at: dt.datetime | None = None,
) -> None:
    """Bring the case's clocks in line with the case as it now is, then set its SLA fields.

    `response`: someone of ours answered the customer (stops first and next response).
    `customer_contact`: the customer got in touch (starts a next-response round once the
    first response is given). Call with the case row locked, before save_case.
    """
    at = at or now()
    clocks = {c.metric: c for c in SlaClock.objects.filter(case=case).select_related("calendar")}
    policies = active_policies()
    needs_tier = any(p.match_plan_tier for p in policies)
    policy = policy_for(case_facts(case, with_plan_tier=needs_tier), policies)
    target = target_for(policy, case.priority) if policy is not None else None
    changed: set[str] = set()
    metric: str

    if case.is_open and policy is not None:
        for metric in (M.FIRST_RESPONSE, M.RESOLUTION):
            minutes = _minutes(target, metric)
            if metric not in clocks and minutes:
                clocks[metric] = _start(case, metric, policy, minutes, at)
                changed.add(metric)

    first = clocks.get(M.FIRST_RESPONSE)
    if customer_contact and not response and case.is_open and policy is not None:
        minutes = _minutes(target, M.NEXT_RESPONSE)
        following = clocks.get(M.NEXT_RESPONSE)
        first_done = first is None or first.met_at is not None
        if minutes and first_done:
            if following is None:
                clocks[M.NEXT_RESPONSE] = _start(case, M.NEXT_RESPONSE, policy, minutes, at)
                changed.add(M.NEXT_RESPONSE)
            elif following.met_at is not None:
                # An earlier unanswered contact keeps its running round; a new one starts here.
                _restart(following, policy, minutes, at)
                changed.add(M.NEXT_RESPONSE)

    if response or case.status in DONE_STATUSES:
        for metric in RESPONSE_METRICS:
            if metric in clocks and clocks[metric].met_at is None:
                _stop(clocks[metric], at)
                changed.add(metric)
    resolution = clocks.get(M.RESOLUTION)
    if case.status in DONE_STATUSES and resolution is not None and resolution.met_at is None:
        _stop(resolution, at)
        changed.add(M.RESOLUTION)

    pauses_on = policy.pauses_on() if policy is not None else frozenset()
    for metric, sla_clock in clocks.items():
        if case.status in DONE_STATUSES:
            continue
        if metric == M.RESOLUTION and sla_clock.met_at is not None:
            # A reopened case: its resolution clock goes on from the time it had used.
            _resume(sla_clock, at)
            changed.add(metric)
        if sla_clock.met_at is not None:
            continue
        retarget = _retarget(sla_clock, policy, _minutes(target, M(metric)), at)
        if case.status in PAUSABLE_STATUSES and case.status in pauses_on:
            if sla_clock.paused_at is None or sla_clock.paused_status != case.status:
                _end_pause(sla_clock, at)
                _pause(sla_clock, case.status, at)
                changed.add(metric)
        elif sla_clock.paused_at is not None:
            _resume(sla_clock, at)
            changed.add(metric)
        if retarget:
            changed.add(metric)
        if metric in changed and sla_clock.running_since is not None:
            _schedule(sla_clock)

    for metric in changed:
        clocks[metric].save()
    _set_case_fields(case, clocks.values())


def _retarget(
    sla_clock: SlaClock, policy: SlaPolicy | None, minutes: int | None, at: dt.datetime
) -> bool:
    """A new policy or target (priority, team or customer changed): bank what was used under
    the old calendar, then count on under the new one. A metric the new policy sets no target
    for keeps the target it had."""
    if policy is None or not minutes:
        return False
    if (
        sla_clock.policy_id == policy.pk
        and sla_clock.calendar_id == policy.calendar_id
        and sla_clock.target_minutes == minutes
        and sla_clock.warn_percent == policy.warn_percent
    ):
        return False
    running = sla_clock.running_since is not None
    _bank(sla_clock, at)
    _apply_policy(sla_clock, policy, minutes)
    if running:
        sla_clock.running_since = at
    return True


def _set_case_fields(case: Case, clocks: Iterable[SlaClock]) -> None:
    clocks = list(clocks)
    running = [c for c in clocks if c.due_at is not None and c.running_since is not None]
    if running:
        soonest = min(running, key=lambda c: (c.due_at, c.metric))
        case.sla_due = soonest.due_at
        case.sla_metric = soonest.metric
    else:
        case.sla_due = None
        case.sla_metric = ""
    paused = [c.paused_at for c in clocks if isinstance(c, SlaClock) and c.paused_at is not None]
    case.sla_paused_since = min(paused) if paused and case.is_open else None
