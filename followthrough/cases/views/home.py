"""Home: the queues an agent works from, and "take next"."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.decorators import requires, signed_in_user
from followthrough.accounts.selectors import workspace_team
from followthrough.accounts.services import user_set_away
from followthrough.cases.selectors import (
    commitments_due,
    end_of_today,
    handoffs_waiting_for,
    notifications_unread,
    queue_counts,
    queue_mine,
    queue_team,
    queue_unassigned,
)
from followthrough.cases.services import case_claim_next
from followthrough.cases.services.notifications import notifications_mark_read
from followthrough.core.errors import ServiceError

QUEUES = {
    "mine": "My cases",
    "team": "Team queue",
    "unassigned": "Unassigned",
    "handoffs": "Handoffs for me",
    "promises": "Promises due",
}


@require_GET
@requires(Capability.CASE_VIEW)
def home(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    team = workspace_team(request)
    queue = request.GET.get("queue", "mine")
    if queue not in QUEUES:
        queue = "mine"
    cursor = request.GET.get("cursor") or None
    context: dict[str, object] = {"nav": "home", "queue": queue, "queues": QUEUES, "team": team}
    if queue == "mine":
        context["page"] = queue_mine(user, cursor=cursor)
    elif queue == "team":
        context["page"] = queue_team(team, cursor=cursor) if team else None
    elif queue == "unassigned":
        context["page"] = queue_unassigned(user, cursor=cursor)
    elif queue == "handoffs":
        context["page"] = handoffs_waiting_for(user, cursor=cursor)
    else:
        context["page"] = commitments_due(user, until=end_of_today(), cursor=cursor)
    context["notifications"] = notifications_unread(user)
    counts = queue_counts(user, team)
    context["tabs"] = [(key, label, getattr(counts, key)) for key, label in QUEUES.items()]
    template = "cases/_queue.html" if request.htmx else "cases/home.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@require_POST
@requires(Capability.CASE_CLAIM)
def take_next(request: HttpRequest) -> HttpResponse:
    team = workspace_team(request)
    if team is None:
        messages.error(request, "You are not in a team, so there is no queue to take from.")
        return redirect("home")
    try:
        case = case_claim_next(actor=signed_in_user(request), team=team)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("home")
    messages.success(request, f"You now own {case.number}: {case.subject}")
    return redirect("case_detail", case_id=case.pk)


@require_POST
@requires(Capability.CASE_VIEW)
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification (or, without `id`, all of them) read."""
    raw = request.POST.get("id", "")
    ids = [int(raw)] if raw.isdigit() else None
    notifications_mark_read(actor=signed_in_user(request), ids=ids)
    return redirect("home")


@require_POST
@requires(Capability.CASE_VIEW)
def set_away(request: HttpRequest) -> HttpResponse:
    """Away or back: while away, a customer's new contact goes to the team queue."""
    user = signed_in_user(request)
    away = request.POST.get("away") == "1"
    user_set_away(actor=user, user=user, away=away)
    if away:
        messages.success(request, "You are away: customers' new contacts go to your team's queue.")
    else:
        messages.success(request, "Welcome back: new contacts on your cases come to you again.")
    return redirect("home")
