"""The article pages: who may open them, what they show, query-count pins on the list and the
article page, writing with a preview, publishing, history and diffs, and refusals that keep
what was typed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from followthrough.accounts.capabilities import Role
from followthrough.accounts.tests.factories import UserFactory
from followthrough.knowledge.models import Article, ArticleStatus, ArticleVisibility
from followthrough.knowledge.services.articles import article_edit
from followthrough.knowledge.tests.factories import (
    VendorFactory,
    add_row,
    incompatible_table,
    published_article,
    write_article,
)

HTMX = {"HX-Request": "true"}


def text_of(response) -> str:
    return response.content.decode()


def full_article(author, n: int = 0) -> Article:
    """An article with tags, products, a category and a table of typed rows with a vendor."""
    vendor = VendorFactory.create(name=f"Vendor {n}")
    article = write_article(
        author,
        title=f"Article {n}",
        body="# Steps\n\n1. Reboot\n2. [Tool](https://tool.example)",
        category="Antivirus",
        tags=["install", f"tag{n}"],
        products=["ShieldGuard", f"Product {n}"],
    )
    table = incompatible_table(author, article)
    for m in range(3):
        add_row(
            author,
            table,
            Product=f"P{m}",
            Vendor=vendor.pk,
            Removal_tool=f"https://tool.example/{m}",
            Reboot_needed=True,
        )
    article.refresh_from_db()
    return article


# --- Who may open them ---


def test_customers_and_signed_out_people_cannot_open_the_knowledge_base(client, customer_user):
    assert client.get(reverse("kb_home")).status_code == 302
    client.force_login(customer_user)
    assert client.get(reverse("kb_home")).status_code == 403


def test_technicians_read_but_are_not_offered_writing(client, agent):
    article = write_article(agent)
    technician = UserFactory.create(role=Role.TECHNICIAN)
    client.force_login(technician)
    page = text_of(client.get(reverse("article_detail", args=[article.pk])))
    assert article.title in page
    assert reverse("article_edit", args=[article.pk]) not in page
    assert client.get(reverse("article_create")).status_code == 403
    assert client.get(reverse("article_tables", args=[article.pk])).status_code == 403


def test_the_top_bar_links_to_the_knowledge_base(client, agent):
    client.force_login(agent)
    page = text_of(client.get(reverse("kb_home")))
    assert f'<a href="{reverse("kb_home")}" aria-current="page">Knowledge base</a>' in page


def test_a_missing_article_is_a_404(client, agent):
    client.force_login(agent)
    assert client.get(reverse("article_detail", args=[999999])).status_code == 404


def test_state_changes_refuse_get(client, agent, tier1_lead):
    article = write_article(agent)
    client.force_login(tier1_lead)
    for name in ("article_publish", "article_unpublish"):
        assert client.get(reverse(name, args=[article.pk])).status_code == 405
    assert client.get(reverse("article_preview")).status_code == 405
    article.refresh_from_db()
    assert article.status == ArticleStatus.DRAFT


# --- The list ---

# Session, user and the top bar's team; the category and product pickers; the articles,
# their tags.
LIST_QUERIES = 7


def test_list_query_count_does_not_grow_with_the_articles(client, agent, django_assert_num_queries):
    client.force_login(agent)
    full_article(agent, 0)
    with django_assert_num_queries(LIST_QUERIES):
        first = client.get(reverse("kb_home"))
    for n in range(1, 6):
        full_article(agent, n)
    with django_assert_num_queries(LIST_QUERIES):
        many = client.get(reverse("kb_home"))
    assert first.status_code == many.status_code == 200
    assert text_of(many).count('class="subject-link"') == 6


def test_list_filters_by_tag_status_and_overdue_review(client, agent, tier1_lead):
    import datetime as dt

    write_article(agent, title="Modem draft", tags=["modem"])
    overdue = published_article(
        agent, tier1_lead, title="Old policy", review_by=dt.date(2020, 1, 1)
    )
    published_article(agent, tier1_lead, title="Fresh policy", review_by=dt.date(2099, 1, 1))
    client.force_login(agent)
    page = text_of(client.get(reverse("kb_home"), {"tag": "MODEM"}))
    assert "Modem draft" in page
    assert "Old policy" not in page
    page = text_of(client.get(reverse("kb_home"), {"overdue": "1"}))
    assert overdue.title in page
    assert "Fresh policy" not in page
    assert "Review overdue" in page
    page = text_of(client.get(reverse("kb_home"), {"status": "draft", "q": "modem"}))
    assert "Modem draft" in page
    assert "Old policy" not in page


def test_list_pages_with_a_cursor_and_survives_forged_input(client, agent):
    for n in range(30):
        write_article(agent, title=f"Article {n:02d}")
    client.force_login(agent)
    first = client.get(reverse("kb_home"), {"sort": "title"})
    page = text_of(first)
    assert "Article 00" in page
    assert "Article 25" not in page
    cursor = first.context["page"].next_cursor
    second = text_of(client.get(reverse("kb_home"), {"sort": "title", "cursor": cursor}))
    assert "Article 25" in second
    assert "Article 00" not in second
    assert client.get(reverse("kb_home"), {"cursor": "forged"}).status_code == 400
    odd = client.get(reverse("kb_home"), {"category": "1; drop", "status": "x", "sort": "id"})
    assert odd.status_code == 200
    nul = client.get(reverse("kb_home"), {"q": "Arti\x00cle", "tag": "a\x00b"})
    assert nul.status_code == 200


# --- One article ---

# Session, user and the top bar's team; the article with its owner and category, tags,
# products, tables, columns, rows, and the vendors the rows name.
ARTICLE_QUERIES = 10


def test_article_page_query_count_does_not_grow_with_its_rows(
    client, agent, django_assert_num_queries
):
    article = full_article(agent)
    client.force_login(agent)
    url = reverse("article_detail", args=[article.pk])
    with django_assert_num_queries(ARTICLE_QUERIES):
        client.get(url)
    table = article.tables.get()
    for m in range(3, 30):
        add_row(agent, table, Product=f"P{m}", Vendor=VendorFactory.create().pk)
    with django_assert_num_queries(ARTICLE_QUERIES):
        response = client.get(url)
    assert text_of(response).count('<tr id="row-') == 30


def test_article_page_shows_the_rendered_text_and_the_table(client, agent):
    article = full_article(agent)
    row = article.tables.get().rows.first()
    assert row is not None
    client.force_login(agent)
    page = text_of(client.get(reverse("article_detail", args=[article.pk])))
    assert "<h1>Steps</h1>" in page
    assert '<a href="https://tool.example" rel="noopener noreferrer nofollow">Tool</a>' in page
    assert f'<tr id="row-{row.pk}">' in page
    assert '<a href="https://tool.example/0" target="_blank" rel="noopener noreferrer">' in page
    vendor_id = row.cells[str(article.tables.get().columns.get(name="Vendor").pk)]
    assert f'href="{reverse("vendor_detail", args=[vendor_id])}"' in page
    for words in ("Antivirus", "ShieldGuard", "install", "Draft", "Internal", "0 cases"):
        assert words in page


def test_article_page_says_when_the_review_is_overdue(client, agent):
    import datetime as dt

    article = write_article(agent, review_by=dt.date(2020, 1, 1))
    client.force_login(agent)
    page = text_of(client.get(reverse("article_detail", args=[article.pk])))
    assert "Overdue by" in page


# --- Writing ---


def new_article_post(**overrides):
    data = {
        "title": "Resetting the FX-200",
        "body": "Hold **reset**.\r\n\r\n[x](javascript:alert(1))",
        "visibility": "public",
        "category": "Modems",
        "tags": "modem, Reset",
        "products": "FX-200",
        "owner": "",
        "review_by": "",
        "summary": "",
    }
    data.update(overrides)
    return data


def test_writing_an_article_through_the_form(client, agent):
    client.force_login(agent)
    response = client.post(reverse("article_create"), new_article_post(owner=agent.pk))
    article = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("article_detail", args=[article.pk])
    assert article.body == "Hold **reset**.\n\n[x](javascript:alert(1))"
    assert sorted(article.tags.values_list("name", flat=True)) == ["modem", "reset"]
    assert (article.visibility, article.owner) == (ArticleVisibility.PUBLIC, agent)


def test_a_refused_article_keeps_what_was_typed(client, agent):
    client.force_login(agent)
    response = client.post(reverse("article_create"), new_article_post(owner=agent.pk, title="   "))
    assert response.status_code == 422
    page = text_of(response)
    assert "Nothing was saved" in page
    assert "Hold **reset**." in page
    assert not Article.objects.exists()
    response = client.post(
        reverse("article_create"), new_article_post(owner=agent.pk, tags="x" * 60)
    )
    assert response.status_code == 422
    assert "A tag is longer than 50 characters" in text_of(response)
    assert not Article.objects.exists()


def test_preview_without_javascript_saves_nothing(client, agent):
    client.force_login(agent)
    response = client.post(reverse("article_create"), new_article_post(owner=agent.pk, preview="1"))
    assert response.status_code == 200
    page = text_of(response)
    assert "<strong>reset</strong>" in page
    assert 'href="javascript' not in page
    assert not Article.objects.exists()


def test_preview_partial_renders_sanitised_markdown(client, agent):
    client.force_login(agent)
    response = client.post(
        reverse("article_preview"),
        {"body": "**hi** <script>alert(1)</script> [x](JaVaScRiPt:alert(1))"},
        headers=HTMX,
    )
    page = text_of(response)
    assert "<strong>hi</strong>" in page
    assert "&lt;script&gt;" in page
    assert "<script>alert" not in page
    assert 'href="' not in page.split('id="preview"')[1].split("</section>")[0]


def test_editing_keeps_the_text_and_refuses_a_stale_version(client, agent, agent2):
    article = write_article(agent, title="Original", body="One")
    client.force_login(agent)
    form = client.get(reverse("article_edit", args=[article.pk]))
    assert 'name="version" value="1"' in text_of(form)
    article_edit(actor=agent2, article=article, expected_version=1, body="Theirs")
    data = new_article_post(title="Mine", body="My text", owner=agent.pk, version="1")
    response = client.post(reverse("article_edit", args=[article.pk]), data)
    assert response.status_code == 409
    page = text_of(response)
    assert "changed by Bea Second" in page
    assert "My text" in page
    assert 'name="version" value="2"' in page
    article.refresh_from_db()
    assert (article.title, article.body, article.version) == ("Original", "Theirs", 2)
    # Sent again on top of version 2, it saves.
    data["version"] = "2"
    assert client.post(reverse("article_edit", args=[article.pk]), data).status_code == 302
    article.refresh_from_db()
    assert (article.title, article.body, article.version) == ("Mine", "My text", 3)


# --- Publishing ---


def test_lead_publishes_and_unpublishes(client, agent, tier1_lead):
    article = write_article(agent)
    client.force_login(tier1_lead)
    url = reverse("article_publish", args=[article.pk])
    response = client.post(url, {"reason": "Checked", "version": "1"})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED
    page = text_of(client.get(reverse("article_detail", args=[article.pk])))
    assert "Published: staff can read it now." in page
    stale = client.post(reverse("article_unpublish", args=[article.pk]), {"version": "1"})
    assert stale.status_code == 409
    assert "since you opened it" in text_of(stale)
    client.post(reverse("article_unpublish", args=[article.pk]), {"version": "2"})
    article.refresh_from_db()
    assert article.status == ArticleStatus.UNPUBLISHED


def test_agents_cannot_publish(client, agent):
    article = write_article(agent)
    client.force_login(agent)
    assert client.post(reverse("article_publish", args=[article.pk])).status_code == 403
    article.refresh_from_db()
    assert article.status == ArticleStatus.DRAFT


# --- History ---


def test_history_and_diff_pages(client, agent):
    article = write_article(agent, body="one\ntwo")
    article_edit(actor=agent, article=article, expected_version=1, body="one\n<b>2</b>")
    client.force_login(agent)
    page = text_of(client.get(reverse("article_history", args=[article.pk])))
    assert "Changed the text" in page
    assert "Written" in page
    diff = client.get(reverse("article_diff", args=[article.pk]), {"from": "1", "to": "2"})
    page = text_of(diff)
    assert "Changes from version 1 to 2" in page
    assert "<del>two</del>" in page
    assert "<ins>&lt;b&gt;2&lt;/b&gt;</ins>" in page
    missing = client.get(reverse("article_diff", args=[article.pk]), {"from": "1", "to": "9"})
    assert missing.status_code == 404


@pytest.mark.parametrize("params", [{"from": "x"}, {"to": "-1"}, {"from": "2", "to": "1"}])
def test_diff_page_survives_odd_numbers(client, agent, params):
    article = write_article(agent)
    article_edit(actor=agent, article=article, expected_version=1, body="new")
    client.force_login(agent)
    assert client.get(reverse("article_diff", args=[article.pk]), params).status_code == 200
