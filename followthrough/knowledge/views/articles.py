"""The knowledge base's article pages: the list at /kb/, one article, writing and editing
with a server-rendered preview, publishing, and the revision history with its diffs.

Each view: parse (a form) -> access_* -> one service or selector -> answer. A refusal shows
its message and keeps what was typed. The table editor is in views/article_tables.py.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from followthrough.accounts.capabilities import Capability
from followthrough.accounts.decorators import requires, signed_in_user
from followthrough.accounts.models import User
from followthrough.core.errors import CommonError, ServiceError
from followthrough.core.markdown import render_markdown
from followthrough.knowledge.access import access_article
from followthrough.knowledge.models import Article, ArticleStatus, ArticleVisibility
from followthrough.knowledge.selectors.articles import (
    SORT_LABELS,
    ArticleFilters,
    article_detail,
    article_list,
    article_owner_choices,
    article_revisions,
    category_choices,
    product_choices,
    revision_diff,
)
from followthrough.knowledge.services.articles import (
    MAX_BODY,
    MAX_CATEGORY,
    MAX_TITLE,
    article_create,
    article_edit,
    article_publish,
    article_unpublish,
)

LIST_LIMIT = 25
REVISIONS_LIMIT = 50
# What the list's and forms' text boxes take; the services say what is too long in words.
SLACK = 50


def _int(value: str | None) -> int | None:
    """A number from a query string, or None for anything else (a forged or empty value)."""
    if value and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


def _typed(value: str, limit: int) -> str:
    """Text from a query string as a search box takes it: no control characters (NUL cannot
    even be stored or compared on PostgreSQL), spaces collapsed, bounded."""
    printable = "".join(ch if ch.isprintable() else " " for ch in value)
    return " ".join(printable.split())[:limit]


def vendor_directory_url() -> str:
    try:
        return reverse("vendor_list")
    except NoReverseMatch:
        return ""


# --- The list ---


@require_GET
@requires(Capability.KB_VIEW)
def kb_home(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    get = request.GET
    status = get.get("status", "")
    visibility = get.get("visibility", "")
    sort = get.get("sort", "updated")
    owner = get.get("owner", "")
    filters = ArticleFilters(
        text=_typed(get.get("q", ""), 200),
        category_id=_int(get.get("category")),
        tag=_typed(get.get("tag", ""), 50),
        product_id=_int(get.get("product")),
        status=status if status in ArticleStatus.values else "",
        visibility=visibility if visibility in ArticleVisibility.values else "",
        owner_id=user.pk if owner == "me" else None,
        review_overdue=get.get("overdue") == "1",
        sort=sort if sort in SORT_LABELS else "updated",
    )
    cursor = get.get("cursor") or None
    page = article_list(user, filters, cursor=cursor[:200] if cursor else None, limit=LIST_LIMIT)
    query = get.copy()
    query.pop("cursor", None)
    context = {
        "nav": "kb",
        "page": page,
        "filters": filters,
        "owner": "me" if owner == "me" else "",
        "categories": category_choices(),
        "products": product_choices(),
        "statuses": ArticleStatus.choices,
        "visibilities": ArticleVisibility.choices,
        "sorts": list(SORT_LABELS.items()),
        "query": query.urlencode(),
        "after_first": bool(cursor),
        "filtered": any(
            (
                filters.text,
                filters.category_id,
                filters.tag,
                filters.product_id,
                filters.status,
                filters.visibility,
                filters.owner_id,
                filters.review_overdue,
            )
        ),
        "can_write": user.has_capability(Capability.KB_EDIT),
        "vendors_url": vendor_directory_url(),
        "today": timezone.localdate(),
    }
    return render(request, "knowledge/kb_home.html", context)


# --- One article ---


def _article_page(
    request: HttpRequest,
    article: Article,
    *,
    error: ServiceError | str = "",
    status: int = 200,
) -> HttpResponse:
    user = signed_in_user(request)
    detail = article_detail(article)
    context = {
        "nav": "kb",
        "detail": detail,
        "article": article,
        "body_html": render_markdown(article.body),
        "can_edit": user.has_capability(Capability.KB_EDIT),
        "can_publish": user.has_capability(Capability.KB_PUBLISH),
        "publish_error": error,
    }
    return render(request, "knowledge/article_detail.html", context, status=status)


@require_GET
@requires(Capability.KB_VIEW)
def article_detail_page(request: HttpRequest, article_id: int) -> HttpResponse:
    article = access_article(signed_in_user(request), article_id)
    return _article_page(request, article)


# --- Writing and editing ---


class ArticleForm(forms.Form):
    title = forms.CharField(
        max_length=MAX_TITLE + SLACK,
        label="Title",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    body = forms.CharField(
        required=False,
        max_length=MAX_BODY + SLACK,
        label="Text",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 18, "class": "md-source", "spellcheck": "true"}),
    )
    visibility = forms.ChoiceField(
        choices=ArticleVisibility.choices,
        label="Who may read it once published",
        widget=forms.RadioSelect,
        initial=ArticleVisibility.INTERNAL,
    )
    category = forms.CharField(
        required=False,
        max_length=MAX_CATEGORY + SLACK,
        label="Category",
        widget=forms.TextInput(attrs={"list": "kb-categories", "autocomplete": "off"}),
    )
    tags = forms.CharField(
        required=False,
        max_length=2000,
        label="Tags",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    products = forms.CharField(
        required=False,
        max_length=5000,
        label="Products",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    owner = forms.TypedChoiceField(coerce=int, label="Owner", choices=())
    review_by = forms.DateField(
        required=False,
        label="Review by",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    summary = forms.CharField(
        required=False,
        max_length=500,
        label="What changed, and why",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, owners: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owners = {u.pk: u for u in owners}
        owner_field = cast(forms.TypedChoiceField, self.fields["owner"])
        owner_field.choices = [(u.pk, u.display_name) for u in owners]

    @staticmethod
    def _split(text: str) -> list[str]:
        return [part.strip() for part in text.split(",") if part.strip()]

    def clean_tags(self) -> list[str]:
        return self._split(self.cleaned_data["tags"])

    def clean_products(self) -> list[str]:
        return self._split(self.cleaned_data["products"])

    def clean_owner(self) -> User:
        return self.owners[self.cleaned_data["owner"]]


def _form_for(article: Article | None, user: User, data: QueryDict | None = None) -> ArticleForm:
    owners = article_owner_choices()
    if article is not None and article.owner not in owners:
        owners = [article.owner, *owners]
    elif article is None and user not in owners:
        owners = [user, *owners]
    if article is None:
        initial: dict[str, Any] = {"owner": user.pk}
    else:
        initial = {
            "title": article.title,
            "body": article.body,
            "visibility": article.visibility,
            "category": article.category.name if article.category else "",
            "tags": ", ".join(t.name for t in article.tags.order_by("name")),
            "products": ", ".join(p.name for p in article.products.order_by("name")),
            "owner": article.owner_id,
            "review_by": article.review_by,
            "version": article.version,
        }
    return ArticleForm(data, owners=owners, initial=initial, auto_id="article-%s")


def _form_page(
    request: HttpRequest,
    form: ArticleForm,
    article: Article | None,
    *,
    error: ServiceError | str = "",
    preview: str = "",
    status: int = 200,
) -> HttpResponse:
    stale = isinstance(error, ServiceError) and error.code == CommonError.STALE_VERSION
    context = {
        "nav": "kb",
        "form": form,
        "article": article,
        "error": error,
        "stale": stale,
        "preview": render_markdown(preview) if preview else "",
        "previewing": bool(preview) or "preview" in request.POST,
        "categories": category_choices(),
        "products": product_choices(),
        "limits": {"body": MAX_BODY, "title": MAX_TITLE},
    }
    return render(request, "knowledge/article_form.html", context, status=status)


def _refused(form: ArticleForm, error: ServiceError) -> None:
    """Put the service's refusal on the field it names, if the form has that field."""
    name = str(error.details.get("field") or "")
    if name in form.fields and name != "version":
        form.add_error(name, error.message)


NOT_SAVED = "Nothing was saved: check the fields marked below."


@require_http_methods(["GET", "POST"])
@requires(Capability.KB_EDIT)
def article_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if request.method == "GET":
        return _form_page(request, _form_for(None, user), None)
    form = _form_for(None, user, request.POST)
    if "preview" in request.POST:
        return _form_page(request, form, None, preview=request.POST.get("body", "")[:MAX_BODY])
    if not form.is_valid():
        return _form_page(request, form, None, error=NOT_SAVED, status=422)
    data = form.cleaned_data
    try:
        article = article_create(
            actor=user,
            title=data["title"],
            body=data["body"],
            visibility=data["visibility"],
            category=data["category"] or None,
            tags=data["tags"],
            products=data["products"],
            owner=data["owner"],
            review_by=data["review_by"],
            summary=data["summary"],
        )
    except ServiceError as exc:
        _refused(form, exc)
        return _form_page(request, form, None, error=exc, status=422)
    messages.success(request, "Article saved as a draft.")
    return redirect("article_detail", article_id=article.pk)


@require_http_methods(["GET", "POST"])
@requires(Capability.KB_EDIT)
def article_edit_page(request: HttpRequest, article_id: int) -> HttpResponse:
    user = signed_in_user(request)
    article = access_article(user, article_id)
    if request.method == "GET":
        return _form_page(request, _form_for(article, user), article)
    form = _form_for(article, user, request.POST)
    if "preview" in request.POST:
        return _form_page(request, form, article, preview=request.POST.get("body", "")[:MAX_BODY])
    if not form.is_valid():
        return _form_page(request, form, article, error=NOT_SAVED, status=422)
    data = form.cleaned_data
    try:
        article_edit(
            actor=user,
            article=article,
            expected_version=data["version"] or article.version,
            summary=data["summary"],
            title=data["title"],
            body=data["body"],
            visibility=data["visibility"],
            category=data["category"] or None,
            tags=data["tags"],
            products=data["products"],
            owner=data["owner"],
            review_by=data["review_by"],
        )
    except ServiceError as exc:
        _refused(form, exc)
        if exc.code == CommonError.STALE_VERSION:
            # Keep what was typed, but base the next save on the version now stored.
            article = access_article(user, article_id)
            data = request.POST.copy()
            data["version"] = str(article.version)
            form = _form_for(article, user, data)
        return _form_page(request, form, article, error=exc, status=409)
    messages.success(request, "Article saved.")
    return redirect("article_detail", article_id=article.pk)


@require_POST
@requires(Capability.KB_EDIT)
def article_preview(request: HttpRequest) -> HttpResponse:
    """The Markdown as it will read, for the form's preview pane (htmx)."""
    body = request.POST.get("body", "")
    if len(body) > MAX_BODY:
        return render(
            request,
            "knowledge/_article_preview.html",
            {"preview_error": f"The text is longer than {MAX_BODY:,} characters."},
        )
    return render(
        request,
        "knowledge/_article_preview.html",
        {"preview": render_markdown(body), "previewing": True},
    )


# --- Publishing ---


class PublishForm(forms.Form):
    reason = forms.CharField(required=False, max_length=500)
    version = forms.IntegerField(required=False, min_value=1)


def _publishing(request: HttpRequest, article_id: int, *, publish: bool) -> HttpResponse:
    user = signed_in_user(request)
    article = access_article(user, article_id)
    form = PublishForm(request.POST)
    if not form.is_valid():
        return _article_page(request, article, error="The reason is at most 500 characters.")
    change = article_publish if publish else article_unpublish
    try:
        article = change(
            actor=user,
            article=article,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )
    except ServiceError as exc:
        return _article_page(request, access_article(user, article_id), error=exc, status=409)
    if publish:
        who = "customers and staff" if article.visibility == ArticleVisibility.PUBLIC else "staff"
        messages.success(request, f"Published: {who} can read it now.")
    else:
        messages.success(request, "Unpublished: customers no longer see it.")
    return redirect("article_detail", article_id=article.pk)


@require_POST
@requires(Capability.KB_PUBLISH)
def article_publish_view(request: HttpRequest, article_id: int) -> HttpResponse:
    return _publishing(request, article_id, publish=True)


@require_POST
@requires(Capability.KB_PUBLISH)
def article_unpublish_view(request: HttpRequest, article_id: int) -> HttpResponse:
    return _publishing(request, article_id, publish=False)


# --- History ---


@require_GET
@requires(Capability.KB_VIEW)
def article_history(request: HttpRequest, article_id: int) -> HttpResponse:
    article = access_article(signed_in_user(request), article_id)
    before = _int(request.GET.get("before"))
    page = article_revisions(article, before=before, limit=REVISIONS_LIMIT)
    context = {
        "nav": "kb",
        "article": article,
        "page": page,
        "after_first": before is not None,
    }
    return render(request, "knowledge/article_history.html", context)


@require_GET
@requires(Capability.KB_VIEW)
def article_diff(request: HttpRequest, article_id: int) -> HttpResponse:
    article = access_article(signed_in_user(request), article_id)
    to_number = _int(request.GET.get("to")) or article.version
    from_number = _int(request.GET.get("from"))
    if from_number is None:
        from_number = max(1, to_number - 1)
    if from_number > to_number:
        from_number, to_number = to_number, from_number
    diff = revision_diff(article, from_number, to_number)
    context = {
        "nav": "kb",
        "article": article,
        "diff": diff,
        "numbers": list(range(article.version, 0, -1)),
    }
    return render(request, "knowledge/article_diff.html", context)
