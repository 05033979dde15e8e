"""The knowledge base: articles and their revisions, structured tables inside articles, and the
directory of vendors (third parties) that referrals send customers to."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from followthrough.accounts.models import User
from followthrough.core.models import TimestampedModel


class ArticleVisibility(models.TextChoices):
    INTERNAL = "internal", "Internal (agents only)"
    PUBLIC = "public", "Public (customers too)"


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    UNPUBLISHED = "unpublished", "Unpublished"


class ColumnType(models.TextChoices):
    TEXT = "text", "Text"
    URL = "url", "Link (http, https or mailto)"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    YES_NO = "yes_no", "Yes / no"
    VENDOR = "vendor", "Vendor (from the directory)"


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    # Stored lower-cased, so "VPN" and "vpn" are one tag.
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Vendor(TimestampedModel):
    """A third party we may send a customer to: how to reach their support, and when."""

    name = models.CharField(max_length=200, unique=True)
    # E.164, like every phone number we store.
    support_phone = models.CharField(max_length=20, blank=True)
    support_url = models.URLField(max_length=500, blank=True)
    support_email = models.EmailField(max_length=254, blank=True)
    # When their support answers, in their own time zone ("Mon-Fri 08:00-18:00").
    hours = models.CharField(max_length=200, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    notes = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """A product articles apply to; a vendor's product when it has a vendor."""

    name = models.CharField(max_length=200, unique=True)
    vendor = models.ForeignKey(
        Vendor, on_delete=models.SET_NULL, null=True, blank=True, related_name="products"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Article(TimestampedModel):
    title = models.CharField(max_length=250)
    # Markdown; rendered with markdown-it-py and sanitised with nh3 (core/markdown.py).
    body = models.TextField(blank=True)
    visibility = models.CharField(
        max_length=10, choices=ArticleVisibility.choices, default=ArticleVisibility.INTERNAL
    )
    status = models.CharField(
        max_length=12, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="articles"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles")
    products = models.ManyToManyField(Product, blank=True, related_name="articles")
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="articles_owned")
    review_by = models.DateField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every edit (a new revision); an edit that names an older version is refused.
    version = models.PositiveIntegerField(default=1)
    # How many cases an agent said this article solved (kept by the services).
    solved_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="article_title_not_empty"),
            models.CheckConstraint(
                condition=Q(status__in=ArticleStatus.values), name="article_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=ArticleVisibility.values),
                name="article_visibility_valid",
            ),
        ]
        indexes = [
            # The report's "past their review date", and the list's "most useful first".
            models.Index(
                fields=["review_by", "id"],
                condition=Q(status=ArticleStatus.PUBLISHED),
                name="article_published_review",
            ),
            models.Index(fields=["-solved_count", "id"], name="article_most_solved"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED


class ArticleRevision(models.Model):
    """Every edit of an article, kept: who wrote what, when, and why."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=250)
    body = models.TextField(blank=True)
    # The tables as they were after this edit: [{"name", "columns": [...], "rows": [...]}].
    tables = models.JSONField(default=list, blank=True)
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    summary = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="article_revision_unique")
        ]
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.article_id} revision {self.number}"


class ArticleTable(models.Model):
    """A structured table inside an article ("incompatible products": product, vendor, …)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="tables")
    name = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "name"], name="article_table_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class TableColumn(models.Model):
    table = models.ForeignKey(ArticleTable, on_delete=models.CASCADE, related_name="columns")
    name = models.CharField(max_length=100)
    type = models.CharField(max_length=10, choices=ColumnType.choices, default=ColumnType.TEXT)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["table", "name"], name="table_column_name_unique"),
            models.CheckConstraint(
                condition=Q(type__in=ColumnType.values), name="table_column_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TableRow(models.Model):
    """One row; `cells` maps a column's id (as text) to its typed value, checked by the
    services (a URL is http, https or mailto; a number is a number; a vendor is a vendor id)."""

    table = models.ForeignKey(ArticleTable, on_delete=models.CASCADE, related_name="rows")
    cells = models.JSONField(default=dict)
    position = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"row {self.pk} of table {self.table_id}"
