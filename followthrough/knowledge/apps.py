from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "followthrough.knowledge"
    label = "knowledge"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        from followthrough.core.search import register_reindexer
        from followthrough.knowledge.services.indexing import (
            ARTICLE_KIND,
            TABLE_ROW_KIND,
            reindex_articles,
            reindex_table_rows,
        )

        register_reindexer(ARTICLE_KIND, reindex_articles)
        register_reindexer(TABLE_ROW_KIND, reindex_table_rows)

        # The vendor directory: its search documents, and its (view-only) admin.
        from followthrough.knowledge import admin_vendors  # noqa: F401
        from followthrough.knowledge.services.vendors import VENDOR_KIND, vendors_reindex

        register_reindexer(VENDOR_KIND, vendors_reindex)
