"""A call comes in: find the caller, show the customer 360, then open a case from the call.

Logging the call on an existing case happens on that case's page (its log-call panel); this
page links there, with the returning caller's open case offered first.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.decorators import requires, signed_in_user
from followthrough.accounts.models import User
from followthrough.accounts.selectors import workspace_team
from followthrough.cases.call_forms import OWNER_TEAM, CallOpenCaseForm
from followthrough.cases.selectors import (
    Customer360,
    asset_with_organization,
    customer_360,
    customer_360_for_match,
)
from followthrough.cases.services import case_open_from_call
from followthrough.cases.views.customers import customer_360_context, id_or_404
from followthrough.core.errors import NotFound, ServiceError
from followthrough.core.phones import format_phone
from followthrough.customers.access import access_contact, access_organization
from followthrough.customers.models import Asset
from followthrough.customers.selectors import MAX_QUERY, CustomerMatch, MatchedBy, customer_lookup

MATCHED_BY = {
    MatchedBy.PHONE: "phone number",
    MatchedBy.EMAIL: "email address",
    MatchedBy.NAME: "name",
    MatchedBy.SERIAL: "serial number",
}


def clean_query(raw: str) -> str:
    """What a person typed into a search box, safe to query with: control characters (a NUL
    is refused by PostgreSQL) dropped, runs of spaces made one, cut to MAX_QUERY."""
    printable = "".join(ch if ch.isprintable() else " " for ch in raw)
    return " ".join(printable.split())[:MAX_QUERY]


@dataclass(frozen=True)
class MatchRow:
    """One of several customers a lookup found, as a line to pick from."""

    title: str
    organization: str
    matched_by: str
    details: list[str]
    href: str


def _match_row(match: CustomerMatch) -> MatchRow:
    lookup = reverse("call_lookup")
    how = MATCHED_BY[match.matched_by]
    if match.contact is not None:
        contact = match.contact
        phones = [format_phone(p.number) for p in contact.phones.all()]
        emails = [e.address for e in contact.emails.all()]
        return MatchRow(
            title=contact.name,
            organization=contact.organization.name,
            matched_by=how,
            details=[*phones[:1], *emails[:1]],
            href=f"{lookup}?{urlencode({'contact': contact.pk})}",
        )
    asset = match.assets[0]
    return MatchRow(
        title=f"{asset.product}, serial {asset.serial_number}",
        organization=asset.organization.name,
        matched_by=how,
        details=[asset.site.name] if asset.site else [],
        href=f"{lookup}?{urlencode({'asset': asset.pk})}",
    )


def _access_asset(user: User, asset_id: int) -> Asset:
    """An asset, authorised through its organisation; missing and forbidden alike are 404."""
    asset = asset_with_organization(asset_id)
    if asset is None:
        raise NotFound("Asset")
    access_organization(user, asset.organization_id)
    return asset


def _page(
    request: HttpRequest,
    context: dict[str, object],
    view: Customer360 | None,
    form: CallOpenCaseForm | None = None,
    refusal: str = "",
) -> HttpResponse:
    context["nav"] = "call"
    if view is not None:
        context.update(customer_360_context(view))
        user = signed_in_user(request)
        if form is None and user.has_capability(Capability.CASE_OPEN):
            initial: dict[str, object] = {
                "organization": view.organization.pk,
                "contact": view.contact.pk if view.contact else None,
                "started_at": timezone.now().replace(microsecond=0),
            }
            focus = context.get("focus_asset")
            if isinstance(focus, Asset):
                # Found by serial: the case is most likely about that product.
                initial["asset"] = focus.pk
            form = CallOpenCaseForm(
                initial=initial,
                organization=view.organization,
                user=user,
                team=workspace_team(request),
            )
        context["form"] = form
        context["refusal"] = refusal
    return render(request, "cases/call_lookup.html", context)


@require_GET
@requires(Capability.CUSTOMER_VIEW)
def call_lookup(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    query = clean_query(request.GET.get("q") or "")
    context: dict[str, object] = {"query": query}
    view: Customer360 | None = None
    if request.GET.get("contact"):
        contact = access_contact(user, id_or_404(request.GET["contact"]))
        view = customer_360(organization=contact.organization, contact=contact)
    elif request.GET.get("asset"):
        asset = _access_asset(user, id_or_404(request.GET["asset"]))
        view = customer_360(organization=asset.organization, asset=asset)
        context["focus_asset"] = asset
    elif query:
        matches = customer_lookup(query)
        if len(matches) == 1:
            match = matches[0]
            view = customer_360_for_match(match)
            context["matched_by"] = MATCHED_BY[match.matched_by]
            if match.contact is None:
                context["focus_asset"] = match.assets[0]
        else:
            context["matches"] = [_match_row(m) for m in matches]
            context["phone_region"] = settings.DEFAULT_PHONE_REGION
    return _page(request, context, view)


@require_POST
@requires(Capability.CASE_OPEN)
def call_open_case(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    team = workspace_team(request)
    organization = access_organization(user, id_or_404(request.POST.get("organization")))
    contact = None
    if request.POST.get("contact"):
        contact = access_contact(user, id_or_404(request.POST["contact"]))
        if contact.organization_id != organization.pk:
            raise NotFound("Contact")
    form = CallOpenCaseForm(request.POST, organization=organization, user=user, team=team)
    refusal = ""
    if form.is_valid():
        data = form.cleaned_data
        # When the page was opened, i.e. when the call began; the service refuses a start
        # after the end.
        started = data["started_at"] or timezone.now()
        to_queue = data["owner"] == OWNER_TEAM
        try:
            case = case_open_from_call(
                actor=user,
                contact=contact,
                subject=data["subject"],
                note=data["note"],
                disposition=data["disposition"],
                started_at=started,
                priority=data["priority"],
                category=data["category"],
                asset=data["asset"],
                owner=None if to_queue else user,
                team=team,
                next_step="" if form.resolve else data["next_step"],
                next_step_due=None if form.resolve else data["next_step_due"],
                resolve=form.resolve,
            )
        except ServiceError as exc:
            refusal = exc.message
        else:
            where = f" in the {team.name} queue" if to_queue and team else ""
            messages.success(request, f"{case.number} opened{where}: {case.subject}")
            return redirect("case_detail", case_id=case.pk)
    else:
        refusal = "The case was not opened: check the fields marked below."
    asset = form.cleaned_data.get("asset") if hasattr(form, "cleaned_data") else None
    view = customer_360(organization=organization, contact=contact, asset=asset)
    query = clean_query(request.POST.get("q") or "")
    return _page(request, {"query": query}, view, form=form, refusal=refusal)
