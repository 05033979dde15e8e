"""The admin shows articles with their revisions and refuses to edit them (an edit there would
skip the revision and the search documents)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from followthrough.accounts.capabilities import Role
from followthrough.accounts.tests.factories import UserFactory
from followthrough.knowledge.models import Article, Category
from followthrough.knowledge.services.articles import article_edit
from followthrough.knowledge.tests.factories import write_article


@pytest.fixture
def admin_client(db, client):
    client.force_login(UserFactory.create(role=Role.ADMIN, is_staff=True, is_superuser=True))
    return client


def test_article_admin_shows_revisions_and_refuses_changes(admin_client, agent):
    article = write_article(agent, title="<script>alert(1)</script> modem", category="Modems")
    article_edit(actor=agent, article=article, expected_version=1, summary="Second", body="x")
    for name in ("article", "category", "tag", "product"):
        assert admin_client.get(reverse(f"admin:knowledge_{name}_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:knowledge_article_change", args=[article.pk]))
    assert page.status_code == 200
    assert b"Second" in page.content
    assert b"<script>alert(1)</script>" not in page.content
    response = admin_client.post(
        reverse("admin:knowledge_article_change", args=[article.pk]), {"title": "Changed"}
    )
    assert response.status_code == 403
    assert admin_client.get(reverse("admin:knowledge_article_add")).status_code == 403
    article.refresh_from_db()
    assert (article.title, article.version) == ("<script>alert(1)</script> modem", 2)


def test_categories_can_be_described_but_not_renamed(admin_client, agent):
    write_article(agent, category="Modems")
    category = Category.objects.get()
    admin_client.post(
        reverse("admin:knowledge_category_change", args=[category.pk]),
        {"name": "Routers", "description": "Cable and fibre modems"},
    )
    category.refresh_from_db()
    assert (category.name, category.description) == ("Modems", "Cable and fibre modems")
    assert Article.objects.get().category == category
