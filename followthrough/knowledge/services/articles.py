"""Writing articles: create, edit (every edit a new revision), publish and unpublish, count a
solution; and the categories, tags and products articles are filed under.

Each write is atomic, takes an explicit actor, checks the capability it needs and rewrites the
article's search documents in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from followthrough.accounts.access import require_capability
from followthrough.accounts.capabilities import Capability
from followthrough.accounts.models import User
from followthrough.core.errors import Forbidden, Invalid, ServiceError
from followthrough.knowledge.errors import KnowledgeError
from followthrough.knowledge.models import (
    Article,
    ArticleRevision,
    ArticleStatus,
    ArticleVisibility,
    Category,
    Product,
    Tag,
)
from followthrough.knowledge.services._common import (
    clean_summary,
    lock_article,
    require_article_owner,
    write_revision,
)
from followthrough.knowledge.services.indexing import index_article, index_filters, index_rows

MAX_TITLE = 250
MAX_BODY = 200_000
MAX_TAG = 50
MAX_CATEGORY = 100
MAX_PRODUCT = 200
MAX_TAGS = 20
MAX_PRODUCTS = 20

# What article_edit may change, in the order a revision's summary names them.
EDITABLE = ("title", "body", "visibility", "category", "tags", "products", "owner", "review_by")
FIELD_WORDS = {
    "title": "title",
    "body": "text",
    "visibility": "visibility",
    "category": "category",
    "tags": "tags",
    "products": "products",
    "owner": "owner",
    "review_by": "review date",
}


# --- Categories, tags and products ---


def _one_line(value: object, *, what: str, field: str, limit: int) -> str:
    if not isinstance(value, str):
        raise Invalid(f"{what} must be text.", field=field)
    text = " ".join(value.split())
    if not text:
        raise Invalid(f"{what} may not be empty.", field=field)
    if len(text) > limit:
        raise Invalid(f"{what} is longer than {limit} characters: {text[:40]}…", field=field)
    if "\x00" in text:
        raise Invalid(f"{what} may not contain NUL characters.", field=field)
    return text


def tag_name(value: str) -> str:
    """A tag as stored: trimmed, inner spaces collapsed, lower-cased, at most 50 characters."""
    return _one_line(value, what="A tag", field="tags", limit=MAX_TAG).lower()


def _tag(value: Tag | str) -> Tag:
    if isinstance(value, Tag):
        return value
    tag, _ = Tag.objects.get_or_create(name=tag_name(value))
    return tag


def _category(value: Category | str) -> Category:
    if isinstance(value, Category):
        return value
    name = _one_line(value, what="The category", field="category", limit=MAX_CATEGORY)
    found = Category.objects.filter(name__iexact=name).first()
    if found is not None:
        return found
    category, _ = Category.objects.get_or_create(name=name)
    return category


def _product(value: Product | str) -> Product:
    if isinstance(value, Product):
        return value
    name = _one_line(value, what="A product", field="products", limit=MAX_PRODUCT)
    found = Product.objects.filter(name__iexact=name).first()
    if found is not None:
        return found
    product, _ = Product.objects.get_or_create(name=name)
    return product


def tag_get_or_create(*, actor: User, name: str) -> Tag:
    require_capability(actor, Capability.KB_EDIT)
    with transaction.atomic():
        return _tag(name)


def category_get_or_create(*, actor: User, name: str) -> Category:
    """The category of that name (any case), made if there is none."""
    require_capability(actor, Capability.KB_EDIT)
    with transaction.atomic():
        return _category(name)


def product_get_or_create(*, actor: User, name: str) -> Product:
    """The product of that name (any case), made if there is none (with no vendor)."""
    require_capability(actor, Capability.KB_EDIT)
    with transaction.atomic():
        return _product(name)


def _tags(values: Iterable[Tag | str]) -> list[Tag]:
    if isinstance(values, str):
        raise Invalid("Tags are a list of words.", field="tags")
    found = {t.pk: t for t in (_tag(v) for v in values)}
    if len(found) > MAX_TAGS:
        raise Invalid(f"An article has at most {MAX_TAGS} tags.", field="tags")
    return sorted(found.values(), key=lambda t: t.name)


def _products(values: Iterable[Product | str]) -> list[Product]:
    if isinstance(values, str):
        raise Invalid("Products are a list of names.", field="products")
    found = {p.pk: p for p in (_product(v) for v in values)}
    if len(found) > MAX_PRODUCTS:
        raise Invalid(f"An article names at most {MAX_PRODUCTS} products.", field="products")
    return sorted(found.values(), key=lambda p: p.name)


# --- Field checks ---


def clean_title(value: object) -> str:
    return _one_line(value, what="The title", field="title", limit=MAX_TITLE)


def clean_body(value: object) -> str:
    if not isinstance(value, str):
        raise Invalid("The text must be text.", field="body")
    # Browsers send CRLF; stored as LF so that revisions differ only where the words do.
    text = value.replace("\r\n", "\n").replace("\r", "\n").rstrip()
    if len(text) > MAX_BODY:
        raise Invalid(
            f"The text is {len(text):,} characters; an article holds at most {MAX_BODY:,}.",
            field="body",
        )
    if "\x00" in text:
        raise Invalid("The text may not contain NUL characters.", field="body")
    return text


def clean_visibility(value: object) -> str:
    if value not in ArticleVisibility.values:
        raise Invalid(f"{str(value)[:40]!r} is not a visibility.", field="visibility")
    return str(value)


def clean_review_by(value: object) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise Invalid("The review date must be a date.", field="review_by")
    return value


# --- Articles ---


def article_create(
    *,
    actor: User,
    title: str,
    body: str,
    visibility: ArticleVisibility | str,
    category: Category | str | None = None,
    tags: Iterable[Tag | str] = (),
    products: Iterable[Product | str] = (),
    owner: User | None = None,
    review_by: dt.date | None = None,
    summary: str = "",
) -> Article:
    """A new draft (revision 1). `owner` answers for keeping it true; the author by default."""
    require_capability(actor, Capability.KB_EDIT)
    clean = {
        "title": clean_title(title),
        "body": clean_body(body),
        "visibility": clean_visibility(visibility),
        "review_by": clean_review_by(review_by),
    }
    note = clean_summary(summary) or "Written"
    owner = owner or actor
    require_article_owner(owner)
    with transaction.atomic():
        article = Article.objects.create(
            **clean,
            status=ArticleStatus.DRAFT,
            owner=owner,
            category=_category(category) if category else None,
            version=1,
        )
        article.tags.set(_tags(tags))
        article.products.set(_products(products))
        ArticleRevision.objects.create(
            article=article,
            number=1,
            title=article.title,
            body=article.body,
            tables=[],
            author=actor,
            summary=note,
        )
        index_article(article)
    return article


def _current(article: Article, field: str) -> Any:
    if field == "tags":
        return sorted(article.tags.values_list("pk", flat=True))
    if field == "products":
        return sorted(article.products.values_list("pk", flat=True))
    if field == "category":
        return article.category_id
    if field == "owner":
        return article.owner_id
    return getattr(article, field)


def article_edit(
    *,
    actor: User,
    article: Article,
    expected_version: int | None,
    summary: str = "",
    **changes: Any,
) -> Article:
    """Change any of title, body, visibility, category, tags, products, owner and review_by.

    `expected_version` is the version the editor read; a stale one is refused (Conflict) and
    nothing changes. Only None skips the check (the admin and data loaders). An edit that
    changes nothing writes nothing. Switching a published article between internal and public
    needs the right to publish: it decides whether customers can read it.
    """
    require_capability(actor, Capability.KB_EDIT)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise Invalid(f"An article has no field {unknown[0]!r} to change.", field=unknown[0])
    note = clean_summary(summary)
    wanted: dict[str, Any] = {}
    if "title" in changes:
        wanted["title"] = clean_title(changes["title"])
    if "body" in changes:
        wanted["body"] = clean_body(changes["body"])
    if "visibility" in changes:
        wanted["visibility"] = clean_visibility(changes["visibility"])
    if "review_by" in changes:
        wanted["review_by"] = clean_review_by(changes["review_by"])
    if "owner" in changes:
        owner = changes["owner"]
        if not isinstance(owner, User):
            raise Invalid("An article needs an owner.", field="owner")
        require_article_owner(owner)
        wanted["owner"] = owner

    with transaction.atomic():
        article = lock_article(article, expected_version)
        if "category" in changes:
            value = changes["category"]
            wanted["category"] = _category(value) if value else None
        if "tags" in changes:
            wanted["tags"] = _tags(changes["tags"] or ())
        if "products" in changes:
            wanted["products"] = _products(changes["products"] or ())

        changed: list[str] = []
        for field in EDITABLE:
            if field not in wanted:
                continue
            value = wanted[field]
            comparable = (
                sorted(v.pk for v in value)
                if field in ("tags", "products")
                else (value.pk if field in ("category", "owner") and value is not None else value)
            )
            if comparable != _current(article, field):
                changed.append(field)
        if not changed:
            return article
        if (
            "visibility" in changed
            and article.status == ArticleStatus.PUBLISHED
            and not actor.has_capability(Capability.KB_PUBLISH)
        ):
            raise Forbidden(
                f"“{article.title}” is published: making it "
                f"{'public' if wanted['visibility'] == ArticleVisibility.PUBLIC else 'internal'} "
                "needs the right to publish.",
                capability=str(Capability.KB_PUBLISH),
            )
        simple = [f for f in changed if f not in ("tags", "products")]
        for field in simple:
            setattr(article, field, wanted[field])
        if simple:
            article.save(update_fields=[*simple, "updated_at"])
        if "tags" in changed:
            article.tags.set(wanted["tags"])
        if "products" in changed:
            article.products.set(wanted["products"])
        words = ", ".join(FIELD_WORDS[f] for f in changed)
        write_revision(article, actor, note or f"Changed the {words}")
        index_article(article)
        if "title" in changed:
            index_rows(article)
        elif {"visibility", "owner"} & set(changed):
            index_filters(article)
    return article


def _set_status(
    *,
    actor: User,
    article: Article,
    status: ArticleStatus,
    reason: str,
    expected_version: int | None,
) -> Article:
    require_capability(actor, Capability.KB_PUBLISH)
    why = clean_summary(reason)
    with transaction.atomic():
        article = lock_article(article, expected_version)
        if status == ArticleStatus.PUBLISHED and article.status == ArticleStatus.PUBLISHED:
            raise ServiceError(
                KnowledgeError.ALREADY_PUBLISHED, f"“{article.title}” is already published."
            )
        if status == ArticleStatus.UNPUBLISHED and article.status != ArticleStatus.PUBLISHED:
            raise ServiceError(
                KnowledgeError.NOT_PUBLISHED,
                f"“{article.title}” is {article.get_status_display().lower()}, not published.",
            )
        article.status = status
        fields = ["status", "updated_at"]
        if status == ArticleStatus.PUBLISHED:
            article.published_at = timezone.now()
            fields.append("published_at")
        article.save(update_fields=fields)
        word = "Published" if status == ArticleStatus.PUBLISHED else "Unpublished"
        write_revision(article, actor, f"{word}: {why}" if why else word)
        index_filters(article)
    return article


def article_publish(
    *, actor: User, article: Article, reason: str = "", expected_version: int | None = None
) -> Article:
    """Publish a draft or an unpublished article: customers may read it when it is public.
    Recorded as a revision (same words) saying who published it and why."""
    return _set_status(
        actor=actor,
        article=article,
        status=ArticleStatus.PUBLISHED,
        reason=reason,
        expected_version=expected_version,
    )


def article_unpublish(
    *, actor: User, article: Article, reason: str = "", expected_version: int | None = None
) -> Article:
    """Take a published article back: agents still see it, customers no longer do."""
    return _set_status(
        actor=actor,
        article=article,
        status=ArticleStatus.UNPUBLISHED,
        reason=reason,
        expected_version=expected_version,
    )


def article_count_solution(*, article_id: int, delta: int = 1) -> None:
    """One more (or, with a negative delta, one fewer) case this article solved. The cases app
    calls this inside its own transaction after checking the agent may say so; the count
    never goes below zero."""
    if delta == 0:
        return
    Article.objects.filter(pk=article_id).update(
        solved_count=Greatest(F("solved_count") + delta, 0)
    )
