"""The search across everything, for one person: what they may see decides what the index is
asked for (Scopes), so nobody finds what they could not open.

- staff who see cases: every case, by its public text and its internal notes (one hit per
  case, whichever of the two matched better);
- staff who see customers: contacts and organisations;
- staff who read the knowledge base: every article (drafts too), its table rows, vendors;
- a portal customer: the cases of their own organisation by their public text only, and
  published public articles and their rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import User
from followthrough.cases.models import Case
from followthrough.cases.services.search_index import CASE, CASE_INTERNAL
from followthrough.cases.states import OPEN_STATUSES, CaseStatus
from followthrough.core.errors import Invalid
from followthrough.core.search import Filters, ParsedQuery, Scope, SearchHit, search
from followthrough.customers.access import actor_organization_id
from followthrough.customers.search_index import CONTACT, ORGANIZATION
from followthrough.knowledge.models import ArticleStatus

# Document kinds the knowledge base writes (search-interface.md).
ARTICLE = "article"
TABLE_ROW = "table_row"
VENDOR = "vendor"

PAGE_SIZE = 20
# Offset paging reads every earlier hit again; past this page, narrow the search instead.
MAX_PAGE = 25

# What a person may ask for by kind, in the order the page offers them.
KIND_LABELS: dict[str, str] = {
    CASE: "Cases",
    CONTACT: "Contacts",
    ORGANIZATION: "Organisations",
    ARTICLE: "Articles",
    TABLE_ROW: "Table rows",
    VENDOR: "Vendors",
}
HIT_LABELS: dict[str, str] = {
    CASE: "Case",
    CASE_INTERNAL: "Case",
    CONTACT: "Contact",
    ORGANIZATION: "Organisation",
    ARTICLE: "Article",
    TABLE_ROW: "Article table",
    VENDOR: "Vendor",
}

# `open` means every open status, as in the cases API; the others are one status each.
OPEN = "open"
STATUS_LABELS: dict[str, str] = {
    OPEN: "Open (not yet resolved)",
    **{s.value: s.label for s in CaseStatus if s != CaseStatus.OPEN},
    **{s.value: f"{s.label} article" for s in ArticleStatus},
}
_PUBLISHED = frozenset({ArticleStatus.PUBLISHED.value})


def repeated_parameters(lists: Iterable[tuple[str, list[str]]]) -> list[str]:
    """What a hand-made request got wrong in its query string (`QueryDict.lists()`): a field
    sent as a list (`status[]=`) or several times. Each is said in words."""
    problems = []
    for key, values in lists:
        name = key[:40]
        if key.endswith("[]"):
            problems.append(f"“{name}” is a list; give {name[:-2]} once.")
        elif len(values) > 1:
            problems.append(f"“{name}” was given {len(values)} times; give it once.")
    return problems


def statuses_for(status: str | None) -> frozenset[str] | None:
    if status is None or status == "":
        return None
    if status == OPEN:
        return frozenset(OPEN_STATUSES)
    if status not in STATUS_LABELS:
        raise Invalid(f"{status!r} is not a status to search by.", field="status")
    return frozenset({status})


# Dates outside these bounds filter nothing out (and stay clear of the calendar's edges).
EARLIEST_DAY = dt.date(1900, 1, 1)
LATEST_DAY = dt.date(9998, 12, 31)


def opened_between(
    start: dt.date | None, end: dt.date | None, zone: dt.tzinfo
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Days (inclusive, in `zone`) as the moments created_from and created_to take."""

    def midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time.min, tzinfo=zone)

    after = midnight(start) if start is not None and start > EARLIEST_DAY else None
    before = midnight(end + dt.timedelta(days=1)) if end is not None and end < LATEST_DAY else None
    return after, before


def search_filters(
    *,
    status: str | None = None,
    team_id: int | None = None,
    owner_id: int | None = None,
    created_from: dt.datetime | None = None,
    created_to: dt.datetime | None = None,
) -> Filters | None:
    """The user's filters, checked; None when there are none."""
    if created_from is not None and created_to is not None and created_from >= created_to:
        raise Invalid("The “opened from” date is after the “opened to” date.", field="created_to")
    filters = Filters(
        statuses=statuses_for(status),
        team_id=team_id,
        owner_id=owner_id,
        created_from=created_from,
        created_to=created_to,
    )
    return None if filters == Filters() else filters


def search_scopes(actor: User) -> list[Scope]:
    """Everything `actor` may find, as scopes."""
    scopes: list[Scope] = []
    if actor.has_capability(Capability.CASE_VIEW):
        scopes += [Scope(kind=CASE), Scope(kind=CASE_INTERNAL, collapse_into=CASE)]
    elif actor.has_capability(Capability.PORTAL):
        organization_id = actor_organization_id(actor)
        if organization_id is not None:
            scopes.append(Scope(kind=CASE, organization_id=organization_id, public_only=True))
    if actor.has_capability(Capability.CUSTOMER_VIEW):
        scopes += [Scope(kind=CONTACT), Scope(kind=ORGANIZATION)]
    if actor.has_capability(Capability.KB_VIEW):
        scopes += [Scope(kind=ARTICLE), Scope(kind=TABLE_ROW), Scope(kind=VENDOR)]
    elif actor.has_capability(Capability.PORTAL):
        scopes += [
            Scope(kind=ARTICLE, public_only=True, statuses=_PUBLISHED),
            Scope(kind=TABLE_ROW, public_only=True, statuses=_PUBLISHED),
        ]
    return scopes


def searchable_kinds(actor: User) -> list[str]:
    """The kinds `actor` may narrow a search to (no database query)."""
    kinds: list[str] = []
    if actor.has_capability(Capability.CASE_VIEW) or actor.has_capability(Capability.PORTAL):
        kinds.append(CASE)
    if actor.has_capability(Capability.CUSTOMER_VIEW):
        kinds += [CONTACT, ORGANIZATION]
    if actor.has_capability(Capability.KB_VIEW):
        kinds += [ARTICLE, TABLE_ROW, VENDOR]
    elif actor.has_capability(Capability.PORTAL):
        kinds += [ARTICLE, TABLE_ROW]
    return kinds


def _url(name: str, **kwargs: int) -> str:
    # The knowledge base's pages come from another part of the product; until a page is
    # installed, its hits are shown without a link rather than breaking the results.
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def hit_url(hit: SearchHit) -> str:
    """Where a hit leads: the page of the case, contact, organisation, article (at the row,
    for a table row) or vendor. Empty when that page does not exist."""
    if hit.kind in (CASE, CASE_INTERNAL):
        return _url("case_detail", case_id=hit.parent_id or hit.object_id)
    if hit.kind == CONTACT:
        return _url("contact_detail", contact_id=hit.object_id)
    if hit.kind == ORGANIZATION:
        return _url("organization_detail", organization_id=hit.object_id)
    if hit.kind == ARTICLE:
        return _url("article_detail", article_id=hit.object_id)
    if hit.kind == TABLE_ROW and hit.parent_id is not None:
        article = _url("article_detail", article_id=hit.parent_id)
        return f"{article}#row-{hit.object_id}" if article else ""
    if hit.kind == VENDOR:
        return _url("vendor_detail", vendor_id=hit.object_id)
    return ""


@dataclass
class SearchResult:
    hit: SearchHit
    url: str
    # Shown beside the hit: its case's owner, team and customer (see with_cases).
    case: Case | None = None

    @property
    def label(self) -> str:
        return HIT_LABELS.get(self.hit.kind, self.hit.kind)

    @property
    def case_id(self) -> int | None:
        if self.hit.kind in (CASE, CASE_INTERNAL):
            return self.hit.parent_id or self.hit.object_id
        return None

    @property
    def from_internal_notes(self) -> bool:
        return self.hit.kind == CASE_INTERNAL


@dataclass
class SearchPage:
    results: list[SearchResult]
    page: int
    has_more: bool
    query: ParsedQuery
    # The kinds that were searched (what the person asked for, within what they may see).
    kinds: list[str] = field(default_factory=list)

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def first_rank(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1


def search_for(
    actor: User,
    text: str,
    *,
    kinds: Iterable[str] | None = None,
    filters: Filters | None = None,
    page: int = 1,
) -> SearchPage:
    """One page of ranked hits for `text` among everything `actor` may see (optionally only
    some kinds), best first. One query (two for a portal customer: their organisation)."""
    if page < 1 or page > MAX_PAGE:
        raise Invalid(f"Pages go from 1 to {MAX_PAGE}; narrow the search instead.", field="page")
    wanted = list(dict.fromkeys(kinds)) if kinds is not None else None
    unknown = [k for k in wanted or [] if k not in KIND_LABELS]
    if unknown:
        raise Invalid(f"{unknown[0]!r} is not a kind of result.", field="kind")
    allowed = searchable_kinds(actor)
    searched = [k for k in allowed if wanted is None or k in wanted]
    document_kinds = set(searched) | ({CASE_INTERNAL} if CASE in searched else set())
    scopes = [s for s in search_scopes(actor) if s.kind in document_kinds] if searched else []
    results = search(
        text, scopes=scopes, filters=filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    return SearchPage(
        results=[SearchResult(hit=h, url=hit_url(h)) for h in results.hits],
        page=page,
        has_more=results.has_more and page < MAX_PAGE,
        query=results.query,
        kinds=searched,
    )


def with_cases(results: Sequence[SearchResult]) -> None:
    """Attach each case hit's case (owner, team, customer) in one query; a case the index
    still lists but that is gone keeps none."""
    ids = {r.case_id for r in results if r.case_id is not None}
    if not ids:
        return
    cases = Case.objects.select_related("owner", "team", "organization", "contact").in_bulk(ids)
    for result in results:
        if result.case_id is not None:
            result.case = cases.get(result.case_id)
