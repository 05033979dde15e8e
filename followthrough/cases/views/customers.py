"""Customer pages: an organisation with its people, places, products and cases; one contact.

Also the pieces the new-call page shares with them: a contact's card (phones formatted,
their local time) and the customer 360 context.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.decorators import requires, signed_in_user
from followthrough.cases.models import Case
from followthrough.cases.selectors import (
    HISTORY_LIMIT,
    Customer360,
    customer_360,
    customer_360_with_contact_details,
)
from followthrough.core.phones import format_phone
from followthrough.customers.access import access_contact, access_organization
from followthrough.customers.models import Contact

# customer_360 reads at most this many open cases; a page says so when it hits the cap.
OPEN_CASES_SHOWN = 50


def id_or_404(value: object) -> int:
    """An id from a URL or a form: a positive integer, or the page does not exist."""
    try:
        pk = int(str(value))
    except (TypeError, ValueError):
        raise Http404("No such record.") from None
    if pk <= 0:
        raise Http404("No such record.")
    return pk


@dataclass(frozen=True)
class PhoneLine:
    number: str
    kind: str


@dataclass(frozen=True)
class ContactCard:
    """A contact as an agent about to speak to them needs it: how to reach them, and what
    time it is where they are."""

    contact: Contact
    phones: list[PhoneLine]
    emails: list[str]
    local_time: str
    time_zone: str


def _local_time(zone_name: str) -> str:
    try:
        zone = zoneinfo.ZoneInfo(zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return ""
    return timezone.now().astimezone(zone).strftime("%H:%M on %A")


def contact_card(contact: Contact) -> ContactCard:
    return ContactCard(
        contact=contact,
        phones=[
            PhoneLine(format_phone(p.number), p.get_kind_display()) for p in contact.phones.all()
        ],
        emails=[e.address for e in contact.emails.all()],
        local_time=_local_time(contact.time_zone),
        time_zone=contact.time_zone,
    )


def customer_360_context(view: Customer360) -> dict[str, object]:
    """What the 360 partial (_customer_360.html) needs besides the view itself."""
    returning = view.returning_case
    focus = view.contact
    return {
        "view": view,
        "card": contact_card(focus) if focus is not None else None,
        "returning": returning,
        "returning_is_theirs": returning is not None
        and focus is not None
        and returning.contact_id == focus.pk,
        "open_rows": [(case, reach_owner(case)) for case in view.open_cases],
        "returning_reach": reach_owner(returning) if returning is not None else "",
        "today": timezone.localdate(),
        "open_capped": len(view.open_cases) >= OPEN_CASES_SHOWN,
        "history_capped": len(view.history) >= HISTORY_LIMIT,
    }


def reach_owner(case: Case) -> str:
    """Who answers for an open case, and how to reach them (the brief's rule)."""
    if case.owner is not None:
        line = case.owner.direct_line or (case.team.direct_line if case.team else "")
        return f"{case.owner.display_name}, {line}" if line else case.owner.display_name
    if case.team is not None:
        queue = f"{case.team.name} queue"
        return f"{queue}, {case.team.direct_line}" if case.team.direct_line else queue
    return "Nobody"


@require_GET
@requires(Capability.CUSTOMER_VIEW)
def organization_detail(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = access_organization(signed_in_user(request), organization_id)
    view = customer_360_with_contact_details(organization=organization)
    context = customer_360_context(view)
    context["cards"] = [contact_card(c) for c in view.contacts]
    return render(request, "cases/customer_organization.html", context)


@require_GET
@requires(Capability.CUSTOMER_VIEW)
def contact_detail(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = access_contact(signed_in_user(request), contact_id)
    view = customer_360(organization=contact.organization, contact=contact)
    return render(request, "cases/customer_contact.html", customer_360_context(view))
