from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "followthrough.customers"
    label = "customers"
    verbose_name = "Customers"

    def ready(self) -> None:
        from followthrough.core.search import register_reindexer
        from followthrough.customers.search_index import (
            CONTACT,
            ORGANIZATION,
            reindex_contacts,
            reindex_organizations,
        )

        register_reindexer(CONTACT, reindex_contacts)
        register_reindexer(ORGANIZATION, reindex_organizations)
