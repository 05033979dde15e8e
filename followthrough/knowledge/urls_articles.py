"""The knowledge base's article pages under /kb/: the list, one article, writing, publishing,
history and diffs, and the table editor."""

from django.urls import path

from followthrough.knowledge.views import article_tables, articles

urlpatterns = [
    path("", articles.kb_home, name="kb_home"),
    path("articles/new/", articles.article_new, name="article_create"),
    path("articles/preview/", articles.article_preview, name="article_preview"),
    path("articles/<int:article_id>/", articles.article_detail_page, name="article_detail"),
    path("articles/<int:article_id>/edit/", articles.article_edit_page, name="article_edit"),
    path(
        "articles/<int:article_id>/publish/",
        articles.article_publish_view,
        name="article_publish",
    ),
    path(
        "articles/<int:article_id>/unpublish/",
        articles.article_unpublish_view,
        name="article_unpublish",
    ),
    path("articles/<int:article_id>/revisions/", articles.article_history, name="article_history"),
    path("articles/<int:article_id>/revisions/diff/", articles.article_diff, name="article_diff"),
    # The table editor: every action a POST that calls one service.
    path("articles/<int:article_id>/tables/", article_tables.article_tables, name="article_tables"),
    path("articles/<int:article_id>/tables/add/", article_tables.table_add, name="table_add"),
    path("tables/<int:table_id>/", article_tables.table_section, name="table_section"),
    path("tables/<int:table_id>/rename/", article_tables.table_rename_view, name="table_rename"),
    path("tables/<int:table_id>/delete/", article_tables.table_delete_view, name="table_delete"),
    path("tables/<int:table_id>/columns/", article_tables.column_add_view, name="column_add"),
    path(
        "columns/<int:column_id>/rename/",
        article_tables.column_rename_view,
        name="column_rename",
    ),
    path(
        "columns/<int:column_id>/remove/",
        article_tables.column_remove_view,
        name="column_remove",
    ),
    path("tables/<int:table_id>/rows/", article_tables.row_add_view, name="row_add"),
    path("rows/<int:row_id>/", article_tables.row_edit_view, name="row_edit"),
    path("rows/<int:row_id>/delete/", article_tables.row_delete_view, name="row_delete"),
    path("rows/<int:row_id>/move/", article_tables.row_move_view, name="row_move"),
]
