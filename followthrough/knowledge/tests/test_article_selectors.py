"""Reading articles: the list's orders and paging, what customers may list, review dates in
words, diffs of the title, the text and the tables, and the search documents found by the real
index (and rebuilt by the reindexers)."""

from __future__ import annotations

import datetime as dt

import pytest

from followthrough.core.errors import ServiceError
from followthrough.core.models import SearchDocument
from followthrough.core.search import Scope, reindexer, search
from followthrough.knowledge.models import ArticleVisibility
from followthrough.knowledge.selectors.articles import (
    ArticleFilters,
    article_list,
    review_state,
    revision_diff,
)
from followthrough.knowledge.services.articles import (
    article_count_solution,
    article_edit,
)
from followthrough.knowledge.services.tables import row_update
from followthrough.knowledge.tests.factories import (
    VendorFactory,
    add_row,
    column_ids,
    incompatible_table,
    published_article,
    write_article,
)


def titles(page) -> list[str]:
    return [a.title for a in page.items]


def test_most_solved_first_pages_with_a_cursor(agent):
    for n, solved in enumerate([5, 0, 9, 5, 1]):
        article = write_article(agent, title=f"A{n}")
        article_count_solution(article_id=article.pk, delta=solved)
    first = article_list(agent, ArticleFilters(sort="solved"), limit=3)
    assert titles(first) == ["A2", "A3", "A0"]
    rest = article_list(agent, ArticleFilters(sort="solved"), cursor=first.next_cursor, limit=3)
    assert titles(rest) == ["A4", "A1"]
    assert rest.next_cursor is None


def test_a_cursor_from_one_order_is_refused_in_another(agent):
    for n in range(3):
        write_article(agent, title=f"A{n}")
    page = article_list(agent, ArticleFilters(sort="title"), limit=1)
    assert page.next_cursor is not None
    with pytest.raises(ServiceError):
        article_list(agent, ArticleFilters(sort="new"), cursor=page.next_cursor)


def test_customers_list_only_published_public_articles(agent, tier1_lead, customer_user):
    write_article(agent, title="Draft", visibility=ArticleVisibility.PUBLIC)
    published_article(agent, tier1_lead, title="Internal")
    published_article(agent, tier1_lead, title="Public", visibility=ArticleVisibility.PUBLIC)
    assert titles(article_list(customer_user, ArticleFilters())) == ["Public"]


def test_review_state_in_words():
    today = dt.date(2026, 5, 10)
    assert review_state(None, today).words == "No review date"
    assert review_state(dt.date(2026, 5, 9), today).words == "Overdue by 1 day"
    assert review_state(dt.date(2026, 5, 1), today).overdue is True
    assert review_state(dt.date(2026, 5, 10), today).words == "Due today"
    assert review_state(dt.date(2026, 5, 20), today).words == "Due in 10 days"


def test_diff_of_title_text_and_tables(agent):
    VendorFactory.create(name="Vireo Software")
    article = write_article(agent, title="Old", body="a\nb\nc")
    table = incompatible_table(agent, article)
    row = add_row(agent, table, Product="Vireo AV", Vendor="Vireo Software")
    article.refresh_from_db()
    article_edit(
        actor=agent, article=article, expected_version=article.version, title="New", body="a\nB\nc"
    )
    row_update(actor=agent, row=row, cells={column_ids(table)["Product"]: "Vireo AV 12"})
    article.refresh_from_db()
    diff = revision_diff(article, 1, article.version)
    by_name = {s.name: s for s in diff.sections}
    assert set(by_name) == {"Title", "Text", "Tables"}
    text = [(line.kind, line.text) for line in by_name["Text"].lines]
    assert text == [
        ("hunk", "From line 1"),
        ("context", "a"),
        ("remove", "b"),
        ("add", "B"),
        ("context", "c"),
    ]
    tables = [line.text for line in by_name["Tables"].lines if line.kind == "add"]
    assert "  Row: Product: Vireo AV 12 | Vendor: Vireo Software" in tables
    assert by_name["Title"].unified[:2] == ["--- revision 1", "+++ revision 5"]
    unchanged = revision_diff(article, 3, 3)
    assert unchanged.sections == []


def test_articles_and_rows_are_found_by_the_search_index(agent, tier1_lead):
    vendor = VendorFactory.create(name="Lumen Antivirus Inc.")
    article = published_article(
        agent,
        tier1_lead,
        title="ShieldGuard will not install",
        body="Remove the remnants of the **old antivirus** first.",
        tags=["remnants"],
        visibility=ArticleVisibility.PUBLIC,
    )
    table = incompatible_table(agent, article)
    row = add_row(agent, table, Product="Lumen", Vendor=vendor.pk, Removal_tool="https://l.example")
    staff = [Scope(kind="article"), Scope(kind="table_row")]
    hits = search("remnants antivirus", scopes=staff).hits
    assert [(h.kind, h.object_id) for h in hits] == [("article", article.pk)]
    hits = search("Lumen", scopes=staff).hits
    assert [(h.kind, h.object_id, h.parent_id) for h in hits] == [("table_row", row.pk, article.pk)]
    public = [
        Scope(kind="article", public_only=True, statuses=frozenset({"published"})),
        Scope(kind="table_row", public_only=True, statuses=frozenset({"published"})),
    ]
    assert len(search("Lumen", scopes=public).hits) == 1
    draft = write_article(agent, title="Lumen draft notes", visibility=ArticleVisibility.PUBLIC)
    assert draft.pk not in [h.object_id for h in search("Lumen", scopes=public).hits]


def test_reindexers_rewrite_every_document(agent):
    article = write_article(agent, title="Modem", tags=["fx"])
    table = incompatible_table(agent, article)
    add_row(agent, table, Product="A")
    add_row(agent, table, Product="B")
    SearchDocument.objects.all().delete()
    assert reindexer("article")() == 1
    assert reindexer("table_row")() == 2
    assert SearchDocument.objects.filter(kind="article").get().body.endswith("fx")
    assert SearchDocument.objects.filter(kind="table_row").count() == 2
