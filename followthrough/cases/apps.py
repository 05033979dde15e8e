from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "followthrough.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from followthrough.cases.services.search_index import (
            CASE,
            CASE_INTERNAL,
            reindex_cases,
        )
        from followthrough.cases.tasks import deadlines_scan_task
        from followthrough.core.schedule import Periodic, register_periodic
        from followthrough.core.search import register_reindexer

        # One reindexer writes both of a case's documents (search-reindex runs it once).
        register_reindexer(CASE, reindex_cases)
        register_reindexer(CASE_INTERNAL, reindex_cases)

        register_periodic(
            Periodic(
                name="deadlines",
                task=deadlines_scan_task,
                interval_setting="FOLLOWTHROUGH_DEADLINE_SCAN_SECONDS",
                description="Deadline scan",
            )
        )
