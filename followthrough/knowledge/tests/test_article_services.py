"""Writing articles: versions and revisions, publishing, the search documents kept in step, and
refusals that change nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from followthrough.accounts.capabilities import Role
from followthrough.accounts.tests.factories import UserFactory
from followthrough.core.errors import CommonError, ServiceError
from followthrough.core.models import SearchDocument
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
from followthrough.knowledge.services.articles import (
    MAX_BODY,
    article_count_solution,
    article_create,
    article_edit,
    article_publish,
    article_unpublish,
    category_get_or_create,
    product_get_or_create,
    tag_get_or_create,
)
from followthrough.knowledge.tests.factories import (
    add_row,
    incompatible_table,
    published_article,
    write_article,
)


@pytest.fixture
def technician(db):
    return UserFactory.create(role=Role.TECHNICIAN, first_name="Theo", last_name="Tech")


def document(kind: str, object_id: int) -> SearchDocument:
    return SearchDocument.objects.get(kind=kind, object_id=object_id)


def state(article: Article) -> tuple:
    article.refresh_from_db()
    return (
        article.title,
        article.body,
        article.status,
        article.visibility,
        article.version,
        article.revisions.count(),
    )


# --- Creating ---


def test_create_writes_a_draft_with_revision_one_and_its_search_document(agent):
    article = article_create(
        actor=agent,
        title="  ShieldGuard   will not install ",
        body="Run the **removal tool**.\r\nThen reboot.",
        visibility=ArticleVisibility.PUBLIC,
        category="Antivirus",
        tags=["Install", " install ", "Removal  Tool"],
        products=["ShieldGuard Endpoint"],
        summary="First draft",
    )
    assert article.title == "ShieldGuard will not install"
    assert article.body == "Run the **removal tool**.\nThen reboot."
    assert (article.status, article.version, article.owner) == (ArticleStatus.DRAFT, 1, agent)
    assert sorted(article.tags.values_list("name", flat=True)) == ["install", "removal tool"]
    revision = article.revisions.get()
    assert (revision.number, revision.author, revision.summary) == (1, agent, "First draft")
    assert (revision.title, revision.body, revision.tables) == (article.title, article.body, [])
    doc = document("article", article.pk)
    assert doc.title == "ShieldGuard will not install"
    assert (doc.status, doc.is_public, doc.owner_id) == ("draft", True, agent.pk)
    for words in ("removal tool", "Then reboot", "install", "ShieldGuard Endpoint", "Antivirus"):
        assert words in doc.body
    assert "**" not in doc.body


def test_create_reuses_categories_and_products_whatever_their_case(agent):
    first = write_article(agent, category="Line fault", products=["FiberLink FX-200"])
    second = write_article(agent, category="line FAULT", products=["fiberlink fx-200"])
    assert Category.objects.count() == 1
    assert Product.objects.count() == 1
    assert first.category == second.category


def test_owner_defaults_to_the_author_and_must_be_able_to_edit(agent, agent2, technician):
    assert write_article(agent, owner=agent2).owner == agent2
    with pytest.raises(ServiceError) as refused:
        write_article(agent, owner=technician)
    assert refused.value.code == CommonError.INVALID
    assert Article.objects.count() == 1


@pytest.mark.parametrize(
    ("title", "body"),
    [("", "text"), ("   ", "text"), ("x" * 251, "text"), ("ok", "x" * (MAX_BODY + 1))],
)
def test_create_refuses_bad_title_or_body_and_saves_nothing(agent, title, body):
    with pytest.raises(ServiceError) as refused:
        write_article(agent, title=title, body=body)
    assert refused.value.code == CommonError.INVALID
    assert not Article.objects.exists()
    assert not ArticleRevision.objects.exists()
    assert not SearchDocument.objects.exists()


def test_create_refuses_an_unknown_visibility(agent):
    with pytest.raises(ServiceError):
        write_article(agent, visibility="everyone")
    assert not Article.objects.exists()


@pytest.mark.parametrize("who", ["technician", "customer_user"])
def test_people_without_kb_edit_cannot_write_articles(request, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(ServiceError) as refused:
        write_article(actor)
    assert refused.value.code == CommonError.FORBIDDEN
    assert not Article.objects.exists()
    assert not SearchDocument.objects.exists()


def test_tags_are_lower_cased_trimmed_and_bounded(agent):
    assert tag_get_or_create(actor=agent, name="  VPN   Client ").name == "vpn client"
    assert tag_get_or_create(actor=agent, name="vpn client").pk == Tag.objects.get().pk
    with pytest.raises(ServiceError):
        tag_get_or_create(actor=agent, name="x" * 51)
    with pytest.raises(ServiceError):
        tag_get_or_create(actor=agent, name="   ")
    assert Tag.objects.count() == 1


def test_category_and_product_helpers_need_kb_edit(agent, technician):
    assert category_get_or_create(actor=agent, name="Accounts").name == "Accounts"
    assert product_get_or_create(actor=agent, name="EdgeSwitch 48").name == "EdgeSwitch 48"
    with pytest.raises(ServiceError) as refused:
        category_get_or_create(actor=technician, name="Other")
    assert refused.value.code == CommonError.FORBIDDEN
    assert list(Category.objects.values_list("name", flat=True)) == ["Accounts"]


# --- Editing ---


def test_edit_bumps_the_version_and_writes_the_next_revision(agent, agent2):
    article = write_article(agent, title="Old title", body="Line one\nLine two")
    edited = article_edit(
        actor=agent2,
        article=article,
        expected_version=1,
        summary="Clearer steps",
        title="New title",
        body="Line one\nLine 2",
        tags=["modem"],
        review_by=dt.date(2030, 1, 31),
    )
    assert (edited.version, edited.title, edited.review_by) == (
        2,
        "New title",
        dt.date(2030, 1, 31),
    )
    revision = ArticleRevision.objects.get(article=article, number=2)
    assert (revision.author, revision.summary, revision.title) == (
        agent2,
        "Clearer steps",
        "New title",
    )
    assert revision.body == "Line one\nLine 2"
    assert document("article", article.pk).title == "New title"
    assert "modem" in document("article", article.pk).body


def test_edit_without_a_summary_says_what_changed(agent):
    article = write_article(agent)
    article_edit(actor=agent, article=article, expected_version=1, body="New text", tags=["x"])
    assert article.revisions.get(number=2).summary == "Changed the text, tags"


def test_stale_edit_is_refused_and_changes_nothing(agent, agent2):
    article = write_article(agent, title="Original")
    article_edit(actor=agent2, article=article, expected_version=1, title="Theirs")
    before = state(article)
    with pytest.raises(ServiceError) as refused:
        article_edit(actor=agent, article=article, expected_version=1, title="Mine")
    assert refused.value.code == CommonError.STALE_VERSION
    assert refused.value.details["current_version"] == 2
    assert "Bea Second" in refused.value.message
    assert state(article) == before
    assert document("article", article.pk).title == "Theirs"


def test_edit_that_changes_nothing_writes_nothing(agent):
    article = write_article(agent, title="Same", tags=["a"])
    article_edit(actor=agent, article=article, expected_version=1, title="Same", tags=["A"])
    assert state(article)[4:] == (1, 1)


def test_edit_refuses_a_field_articles_do_not_have(agent):
    article = write_article(agent)
    with pytest.raises(ServiceError) as refused:
        article_edit(actor=agent, article=article, expected_version=1, solved_count=99)
    assert refused.value.code == CommonError.INVALID
    article.refresh_from_db()
    assert (article.solved_count, article.version) == (0, 1)


def test_edit_by_someone_without_kb_edit_changes_nothing(agent, technician):
    article = write_article(agent)
    before = state(article)
    with pytest.raises(ServiceError) as refused:
        article_edit(actor=technician, article=article, expected_version=1, title="Hacked")
    assert refused.value.code == CommonError.FORBIDDEN
    assert state(article) == before


def test_revision_keeps_the_tables_as_they_were(agent):
    article = write_article(agent)
    table = incompatible_table(agent, article)
    add_row(agent, table, Product="Vireo AV", Removal_tool="https://vireo.example/tool")
    article.refresh_from_db()
    article_edit(actor=agent, article=article, expected_version=article.version, body="New")
    latest = article.revisions.order_by("-number").first()
    assert latest is not None
    (snapshot,) = latest.tables
    assert snapshot["name"] == "Incompatible products"
    assert [c["name"] for c in snapshot["columns"]][:3] == ["Product", "Vendor", "Removal tool"]
    assert snapshot["rows"][0]["shown"][:3] == ["Vireo AV", "", "https://vireo.example/tool"]


def test_only_publishers_switch_a_published_article_between_internal_and_public(agent, tier1_lead):
    article = published_article(agent, tier1_lead)
    before = state(article)
    with pytest.raises(ServiceError) as refused:
        article_edit(
            actor=agent,
            article=article,
            expected_version=article.version,
            visibility=ArticleVisibility.PUBLIC,
        )
    assert refused.value.code == CommonError.FORBIDDEN
    assert state(article) == before
    article_edit(
        actor=tier1_lead,
        article=article,
        expected_version=article.version,
        visibility=ArticleVisibility.PUBLIC,
    )
    assert document("article", article.pk).is_public is True


# --- Publishing ---


def test_publish_records_who_and_why_and_updates_the_documents(agent, tier1_lead):
    article = write_article(agent, visibility=ArticleVisibility.PUBLIC)
    table = incompatible_table(agent, article)
    row = add_row(agent, table, Product="Vireo AV")
    assert document("table_row", row.pk).status == "draft"
    article = article_publish(actor=tier1_lead, article=article, reason="Checked with tier 2")
    assert article.status == ArticleStatus.PUBLISHED
    assert article.published_at is not None
    latest = article.revisions.order_by("-number").first()
    assert latest is not None
    assert (latest.number, latest.author, latest.summary) == (
        article.version,
        tier1_lead,
        "Published: Checked with tier 2",
    )
    assert document("article", article.pk).status == "published"
    assert (document("table_row", row.pk).status, document("table_row", row.pk).is_public) == (
        "published",
        True,
    )
    article = article_unpublish(actor=tier1_lead, article=article)
    assert article.status == ArticleStatus.UNPUBLISHED
    assert document("article", article.pk).status == "unpublished"
    assert document("table_row", row.pk).status == "unpublished"


def test_agents_cannot_publish(agent):
    article = write_article(agent)
    before = state(article)
    with pytest.raises(ServiceError) as refused:
        article_publish(actor=agent, article=article)
    assert refused.value.code == CommonError.FORBIDDEN
    assert state(article) == before
    assert document("article", article.pk).status == "draft"


def test_publishing_twice_and_unpublishing_a_draft_are_refused(agent, tier1_lead):
    draft = write_article(agent)
    with pytest.raises(ServiceError) as refused:
        article_unpublish(actor=tier1_lead, article=draft)
    assert refused.value.code == KnowledgeError.NOT_PUBLISHED
    published = published_article(agent, tier1_lead, title="Other")
    before = state(published)
    with pytest.raises(ServiceError) as refused:
        article_publish(actor=tier1_lead, article=published)
    assert refused.value.code == KnowledgeError.ALREADY_PUBLISHED
    assert state(published) == before
    assert state(draft)[2] == ArticleStatus.DRAFT


def test_publish_with_a_stale_version_is_refused(agent, tier1_lead):
    article = write_article(agent)
    article_edit(actor=agent, article=article, expected_version=1, title="Newer")
    with pytest.raises(ServiceError) as refused:
        article_publish(actor=tier1_lead, article=article, expected_version=1)
    assert refused.value.code == CommonError.STALE_VERSION
    assert state(article)[2] == ArticleStatus.DRAFT


# --- Solutions ---


def test_count_solution_adds_and_never_goes_below_zero(agent):
    article = write_article(agent)
    article_count_solution(article_id=article.pk)
    article_count_solution(article_id=article.pk, delta=2)
    article.refresh_from_db()
    assert article.solved_count == 3
    article_count_solution(article_id=article.pk, delta=-5)
    article.refresh_from_db()
    assert (article.solved_count, article.version) == (0, 1)
