"""The base model every domain table builds on."""

from __future__ import annotations

from django.db import models


class TimestampedModel(models.Model):
    # Indexed: lists page by (created_at, id).
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class IdempotencyRecord(models.Model):
    """The first response to a POST sent with an Idempotency-Key, replayed on every retry.

    `identity` is who sent it (a hash of the token, or the session's user), so one client's
    keys never collide with another's. A record with no status is a request still running.
    """

    identity = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(blank=True, default=b"")
    headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["identity", "key"], name="idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status or 'running'})"


class SearchDocument(models.Model):
    """One searchable thing (a case, a customer, an article, a table row) in the one index.

    Domain services write it in the same transaction as the change (core/search). The text
    index itself is kept by database triggers from `title` and `body`: an FTS5 table on SQLite,
    a weighted `tsvector` column with a GIN index on PostgreSQL (see the migration). The other
    columns are the filters every search may use, and what decides who may see a result.
    """

    kind = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    title = models.CharField(max_length=500)
    body = models.TextField(blank=True)
    # Filters. Who may see a result is decided from these by the caller's scopes.
    organization_id = models.BigIntegerField(null=True, blank=True)
    team_id = models.BigIntegerField(null=True, blank=True)
    owner_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=24, blank=True)
    is_public = models.BooleanField(default=False)
    # What the result links to beyond its own object (a table row's article, say).
    parent_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_unique")
        ]
        indexes = [
            models.Index(fields=["kind", "created_at"], name="search_document_kind_time"),
            # Newest first: the window of recent matches a common word is ranked in.
            models.Index(fields=["-created_at", "-id"], name="search_document_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}: {self.title}"


class SearchQueryLog(models.Model):
    """A search someone ran from the search page, the box or the API: what the knowledge
    report's "searches that found nothing" is made of."""

    # Who searched, as a plain id: core sits below the accounts app.
    user_id = models.BigIntegerField(null=True, blank=True)
    query = models.CharField(max_length=200)
    kinds = models.CharField(max_length=100, blank=True)
    result_count = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(result_count=0),
                name="search_query_empty_time",
            )
        ]

    def __str__(self) -> str:
        return f"{self.query!r} ({self.result_count})"
